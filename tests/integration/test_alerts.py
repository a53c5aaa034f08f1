"""A failing task alerts through the configured target: a real webhook receiver on loopback, a real
`airflow dags test` of a family DAG whose fetch fails, the real apprise delivery."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.integration import small_source
from tests.support.airflow_env import dags_test, isolated_airflow

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture
def receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append({"path": self.path, "body": json.loads(body or b"{}")})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()


def test_a_failing_task_alerts_the_webhook_with_what_failed(tmp_path, warehouse_url, receiver):
    port, received = receiver
    sources = tmp_path / "sources"
    folder = small_source.write_source(sources)
    index = folder / "snapshots" / "index.json"
    entries = json.loads(index.read_text())
    entries["entries"] = [e for e in entries["entries"] if not e["request"]["url"].endswith("/data")]
    index.write_text(json.dumps(entries))  # fetch will fail: no snapshot for the data request
    env = isolated_airflow(tmp_path, {"testfamily.py": (
        "from atlas_ingest.airflow.factory import build_family_dag\n"
        "dag = build_family_dag('testfamily', intro='Test family for alerts.')\n")},
        {"ATLAS_SOURCES_DIR": str(sources), "AIRFLOW_CONN_ATLAS_ALERTS_WEBHOOK": f"http://127.0.0.1:{port}/alerts"})
    code, log = dags_test("testfamily", env, tmp_path / "dags-test.log")
    assert "state=failed" in log.replace(" ", "") or code != 0, log[-3000:]

    bodies = [r["body"] for r in received]
    assert all(r["path"] == "/alerts" for r in received)
    messages = [b.get("message", "") for b in bodies]
    titles = [b.get("title", "") for b in bodies]
    failed = [m for t, m in zip(titles, messages) if "task failed" in t]
    assert len(failed) == 1, titles
    text = failed[0]
    assert "dag_id: testfamily" in text and "task_id: ssb-99999.fetch" in text and "source_id: ssb-99999" in text
    assert "run_id: manual__" in text and "try_number: 3" in text and "log_url: http" in text
    assert "error: SnapshotMissing: ssb-99999: replay mode has no snapshot for GET https://data.ssb.no" in text
    retries = [t for t in titles if "will retry" in t]
    assert len(retries) == 2  # retries=2: two retry alerts, then the failure
    # one summary for the failed run, naming the failed task
    summaries = [m for t, m in zip(titles, messages) if "DAG run failed" in t]
    assert len(summaries) == 1, titles
    assert "failed_tasks: ['ssb-99999.fetch']" in summaries[0] and "source_ids: ['ssb-99999']" in summaries[0]
    # the structured log line is there too, whatever the targets
    assert 'ATLAS_ALERT {"event": "task_failed", "dag_id": "testfamily"' in log
