"""The "Atlas health" page, requested from a running Airflow api-server with the project's plugin."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from atlas_ingest import pipeline
from tests.support.airflow_env import isolated_airflow, scratch_warehouse

pytestmark = [pytest.mark.slow, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture(scope="module")
def health_loaded(warehouse_url, tmp_path_factory):
    """One source run recorded, then mart_ingest_health built by dbt, in a warehouse of the module's
    own: the session's test database holds whatever the e2e demo loaded, and this page's
    assertions need sources that were never loaded."""
    with scratch_warehouse(warehouse_url, "health"):
        yield _load_health(tmp_path_factory)


def _load_health(tmp_path_factory):
    pipeline.run_source("posten-postnummer", mode="replay", force=True, dag_id="posten", run_key="manual__health-test")
    tmp = tmp_path_factory.mktemp("health-dbt")
    dbt = [str(Path(sys.executable).parent / "dbt"), "run", "--select", "+mart_ingest_health", "--quiet",
           "--project-dir", str(ROOT / "include/dbt/atlas"), "--profiles-dir", str(ROOT / "include/dbt/atlas"),
           "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    out = subprocess.run(dbt, capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, out.stdout[-3000:]


@pytest.fixture(scope="module")
def api_server(tmp_path_factory, health_loaded):
    tmp = tmp_path_factory.mktemp("api-server")
    port = _free_port()
    env = isolated_airflow(tmp, {}, {"AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
                                     "AIRFLOW__API__PORT": str(port)})
    log = (tmp / "api-server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "airflow", "api-server", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp / "api-server.log").read_text()[-3000:]
        try:
            if _get(f"{base}/api/v2/monitor/health", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(1)
    else:
        pytest.fail("api-server did not come up:\n" + (tmp / "api-server.log").read_text()[-3000:])
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def test_the_health_page_shows_every_source_with_a_link_to_its_run(api_server):
    status, page = _get(f"{api_server}/atlas/health")
    assert status == 200, page[:500]
    assert "<h1>Atlas health</h1>" in page
    assert ">posten-postnummer</td>" in page and ">ssb-07459</td>" in page
    assert "href='/dags/posten/runs/manual__health-test'" in page  # the run links to the Airflow UI
    assert "class='stale'>stale</td>" in page  # never-loaded sources are stale


def test_the_health_json(api_server):
    status, body = _get(f"{api_server}/atlas/health.json")
    rows = {r["source_id"]: r for r in json.loads(body)}
    assert status == 200
    assert rows["posten-postnummer"]["freshness_status"] == "ok"
    assert rows["posten-postnummer"]["last_run_status"] == "success"
    assert rows["posten-postnummer"]["raw_rows"] == 5137
    assert rows["ssb-07459"]["freshness_status"] == "stale" and rows["ssb-07459"]["last_run_status"] is None
