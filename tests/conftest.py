"""Test session setup: the project's environment, a fresh warehouse database, a private landing store.

* `.atlas/env.sh` (written by `make setup`) is read before anything imports Airflow, so
  AIRFLOW_HOME and the DAG folder are the project's, never `~/airflow`.
* The warehouse tests use a database of their own, `atlas_test`, created fresh on the same server
  as the configured warehouse (the bootstrap's local cluster, or ATLAS_WAREHOUSE_URL), so a test
  run never touches the demo's data. Subprocesses (`airflow dags test`) inherit it through the
  environment.
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DB = "atlas_test"


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
def warehouse_url() -> str:
    """A freshly created `atlas_test` database with the migrations applied."""
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
    return _TEST_URL


@pytest.fixture
def db(warehouse_url):
    from atlas_ingest import warehouse

    with warehouse.connect(warehouse_url) as conn:
        yield conn


@pytest.fixture
def landing():
    from atlas_ingest.landing import LandingStore

    return LandingStore()
