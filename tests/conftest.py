"""Test session setup: the project's environment, a fresh warehouse database, a private landing store.

* `.atlas/env.sh` (written by `make setup`) is read before anything imports Airflow, so
  AIRFLOW_HOME and the DAG folder are the project's, never `~/airflow`.
* The warehouse tests use a database of their own, `atlas_test_<pid>`, created fresh on the same server
  as the configured warehouse (the bootstrap's local cluster, or ATLAS_WAREHOUSE_URL), so a test
  run never touches the demo's data. Subprocesses (`airflow dags test`) inherit it through the
  environment.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# One database per test session, so two suites (or a developer and CI) on one server never meet.
TEST_DB = os.environ.get("ATLAS_TEST_DB") or f"atlas_test_{os.getpid()}"


def _load_env_file() -> None:
    env_file = ROOT / ".atlas" / "env.sh"
    if not env_file.exists():
        return
    for line in env_file.read_text().splitlines():
        match = re.match(r"^export ([A-Z0-9_]+)=(.*)$", line.strip())
        if not match or match.group(1) in os.environ:
            continue
        value = match.group(2)
        if value.startswith('"${'):  # export X="${X:-default}"
            default = re.search(r":-([^}]*)\}", value)
            value = default.group(1) if default else ""
        elif "$PATH" in value or '"$PATH"' in value:
            continue
        else:
            value = shlex.split(value)[0] if value else ""
        os.environ[match.group(1)] = value


_load_env_file()
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".atlas" / "airflow"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
os.environ["ATLAS_HTTP_MODE"] = "replay"
os.environ["ATLAS_RETRY_DELAY_SECONDS"] = "1"
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
_LANDING = tempfile.mkdtemp(prefix="atlas-test-landing-")
os.environ["ATLAS_LANDING_ROOT"] = _LANDING


def _private_airflow_metadata() -> None:
    """Give the session its own copy of the migrated Airflow metadata DB (with the pools and
    connections `make setup` applied) and its own Cosmos cache: SQLite allows one writer, and two
    suites running `airflow dags test` on one file (a developer and CI, or parallel sessions) would
    fail each other with "database is locked"."""
    source = Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"
    if not source.exists() or os.environ.get("ATLAS_TEST_SHARED_AIRFLOW_DB"):
        return
    private = Path(tempfile.mkdtemp(prefix="atlas-test-airflow-"))
    shutil.copy2(source, private / "airflow.db")
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{private / 'airflow.db'}"
    os.environ["AIRFLOW__COSMOS__CACHE_DIR"] = str(private / "cosmos")


_private_airflow_metadata()


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


_BASE_URL = os.environ.get("ATLAS_WAREHOUSE_URL")
if _BASE_URL:
    _TEST_URL = _with_database(re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", _BASE_URL), TEST_DB)
    os.environ["ATLAS_WAREHOUSE_URL"] = _TEST_URL
    os.environ["AIRFLOW_CONN_ATLAS_WAREHOUSE"] = _TEST_URL.replace("postgresql://", "postgres://", 1)
    os.environ["ATLAS_DBT_DBNAME"] = TEST_DB
else:
    _TEST_URL = None


@pytest.fixture(scope="session")
def warehouse_url():
    """A freshly created test database with the migrations applied (dropped at the end)."""
    if _TEST_URL is None:
        pytest.fail("no warehouse configured: run the suite with `make test` (it sets up PostgreSQL), "
                    "or set ATLAS_WAREHOUSE_URL")
    import psycopg
    from psycopg import sql

    from atlas_ingest import registry, warehouse

    admin = _with_database(_TEST_URL, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                     (TEST_DB,))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(TEST_DB)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEST_DB)))
    with warehouse.connect(_TEST_URL) as conn:
        warehouse.migrate(conn)
        registry.upsert_sources(conn)
    yield _TEST_URL
    if os.environ.get("ATLAS_KEEP_TEST_DB"):
        return
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                     (TEST_DB,))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(TEST_DB)))


@pytest.fixture
def db(warehouse_url):
    from atlas_ingest import warehouse

    with warehouse.connect(warehouse_url) as conn:
        yield conn


@pytest.fixture
def landing():
    from atlas_ingest.landing import LandingStore

    return LandingStore()
