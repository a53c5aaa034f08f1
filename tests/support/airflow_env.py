"""An isolated AIRFLOW_HOME (own SQLite metadata DB, own DAG folder) for tests that run Airflow."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit


def isolated_airflow(tmp: Path, dag_files: dict[str, str], extra_env: dict[str, str] | None = None) -> dict[str, str]:
    home = tmp / "airflow-home"
    dags = tmp / "dags"
    home.mkdir(parents=True, exist_ok=True)
    dags.mkdir(parents=True, exist_ok=True)
    for name, code in dag_files.items():
        (dags / name).write_text(code)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        **(extra_env or {}),
    }
    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return env


def dags_test(dag_id: str, env: dict[str, str], log: Path, conf: str | None = None, timeout: int = 600) -> tuple[int, str]:
    cmd = [sys.executable, "-m", "airflow", "dags", "test", dag_id] + (["--conf", conf] if conf else [])
    with log.open("w") as out:
        result = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    return result.returncode, log.read_text(errors="replace")


@contextmanager
def postgres_metadata_db(warehouse_url: str, label: str) -> Iterator[str]:
    """A throw-away Airflow metadata database on the warehouse's PostgreSQL server.

    For tests that run a scheduler, dag-processor and api-server side by side: SQLite takes one
    writer at a time and, on a loaded machine, the CLI's writes fail with "database is locked"
    while the scheduler holds it. Yields the plain postgresql:// URL."""
    import psycopg
    from psycopg import sql

    name = f"airflow_{label}_{os.getpid()}"
    parts = urlsplit(warehouse_url)
    admin = warehouse_url.replace(parts.path, "/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield warehouse_url.replace(parts.path, f"/{name}")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def sqlalchemy_url(postgres_url: str) -> str:
    return postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1)


@contextmanager
def scratch_warehouse(warehouse_url: str, label: str) -> Iterator[str]:
    """A second, empty warehouse database (migrated, sources registered) on the session's server,
    made the process's warehouse (ATLAS_WAREHOUSE_URL, the Airflow connection, dbt's dbname) for
    the duration, so subprocesses started inside inherit it.

    For tests whose assertions need a warehouse in a known state — "never loaded" means never
    loaded — whatever the session's earlier modules (the e2e demo above all) left in the shared
    test database."""
    import psycopg
    from psycopg import sql

    from atlas_ingest import registry, warehouse

    name = f"atlas_scratch_{label}_{os.getpid()}"
    parts = urlsplit(warehouse_url)
    admin = warehouse_url.replace(parts.path, "/postgres")
    url = warehouse_url.replace(parts.path, f"/{name}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)
        registry.upsert_sources(conn)
    overrides = {"ATLAS_WAREHOUSE_URL": url, "AIRFLOW_CONN_ATLAS_WAREHOUSE": url.replace("postgresql://", "postgres://", 1),
                 "ATLAS_DBT_DBNAME": name}
    before = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        yield url
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
