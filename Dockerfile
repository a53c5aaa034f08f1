# The Atlas Ingest Airflow image used by docker-compose.yaml (every Airflow component and the
# Celery workers run this one image).
#
#   docker compose build            # or: docker build -t atlas-ingest-airflow:dev .
#
# The official image plus exactly what `make setup` installs locally: the lock (requirements.txt,
# compiled with uv; it is also our constraints file — Airflow's constraint files are not used),
# then this package editable with --no-deps so nothing outside the lock sneaks in. The package is
# installed from /opt/atlas; docker-compose.yaml bind-mounts the repository over that path, so
# the editable install serves the mounted code (DAGs, include/, dbt project) without a rebuild.
# No secrets are baked in: all credentials come from the compose environment at run time.
ARG AIRFLOW_BASE_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_BASE_IMAGE}

# Writable paths owned by airflow:0 and group-writable, the official image's convention, so the
# containers may run as any UID in group 0 (AIRFLOW_UID in docker-compose.yaml). Named volumes
# mounted on these paths start with this ownership.
USER root
RUN mkdir -p /opt/atlas /opt/atlas-state/cosmos /opt/atlas-landing /opt/airflow/auth \
    && chown -R airflow:0 /opt/atlas /opt/atlas-state /opt/atlas-landing /opt/airflow/auth \
    && chmod -R g+rwX /opt/atlas /opt/atlas-state /opt/atlas-landing /opt/airflow/auth
USER airflow

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    ATLAS_HOME=/opt/atlas-state \
    ATLAS_LANDING_ROOT=/opt/atlas-landing \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    GX_ANALYTICS_ENABLED=False \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    DO_NOT_TRACK=1

# 1. The lock first: this layer is rebuilt only when requirements.txt changes.
COPY --chown=airflow:0 requirements.txt /opt/atlas/requirements.txt
RUN pip install -r /opt/atlas/requirements.txt

# 2. The project, then the package itself (editable, no dependencies: the lock has them all).
COPY --chown=airflow:0 . /opt/atlas
RUN pip install --no-deps -e /opt/atlas \
    && python -c "import atlas_ingest.settings as s; print('atlas_ingest from', s.PROJECT_ROOT)"

WORKDIR /opt/airflow
