"""The same DAGs on the distributed engine: api-server, scheduler, dag-processor and a Celery
worker with the CeleryExecutor, Redis as broker and PostgreSQL as metadata DB and result backend.

Needs a Redis at ATLAS_TEST_REDIS_URL (default redis://127.0.0.1:6379/11); skipped, saying so,
where there is none (a fresh developer machine). CI machines run one.
"""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import urlsplit

import pytest

from atlas_ingest import warehouse
from tests.integration import small_source
from tests.support.airflow_env import isolated_airflow, postgres_metadata_db, sqlalchemy_url
from tests.support.running_airflow import airflow_cli, dag_runs, free_port, running_airflow, runtime_env, wait_for_dag

pytestmark = [pytest.mark.slow, pytest.mark.integration]

REDIS_URL = os.environ.get("ATLAS_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def celery_metadata_db(warehouse_url):
    with postgres_metadata_db(warehouse_url, "celery") as url:
        yield url


def test_a_family_dag_runs_on_celery_workers(tmp_path, celery_metadata_db, db):
    if not _reachable(REDIS_URL):
        pytest.skip(f"no Redis at {REDIS_URL} (set ATLAS_TEST_REDIS_URL): the CeleryExecutor needs a broker")
    sources = tmp_path / "sources"
    small_source.write_source(sources)
    metadata = sqlalchemy_url(celery_metadata_db)
    env = isolated_airflow(tmp_path, {"testfamily.py": (
        "from atlas_ingest.airflow.factory import build_family_dag\n"
        "dag = build_family_dag('testfamily', intro='Celery test family.')\n")}, {
        "ATLAS_SOURCES_DIR": str(sources),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": REDIS_URL,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + celery_metadata_db,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
    })
    env = runtime_env(env, free_port())
    logs = tmp_path / "logs"
    logs.mkdir()
    with running_airflow(env, logs, celery=True):
        wait_for_dag(env, "testfamily")
        airflow_cli(env, "dags", "trigger", "testfamily", "--conf", '{"force": true}')
        deadline = time.monotonic() + 600
        manual = []
        while time.monotonic() < deadline:
            manual = [r for r in dag_runs(env, "testfamily") if r["run_id"].startswith("manual__")]
            if manual and manual[0]["state"] in ("success", "failed"):
                break
            time.sleep(5)
    assert manual and manual[0]["state"] == "success", manual
    worker_log = (logs / "celery-worker.log").read_text()
    assert "ssb-99999.load" in worker_log, "the load task should have run on the Celery worker"
    run = db.execute("SELECT status, rows_out FROM raw.ingest_runs WHERE source_id = %s AND run_key = %s",
                     (small_source.SOURCE_ID, manual[0]["run_id"])).fetchone()
    db.commit()
    assert run == ("success", 13)
