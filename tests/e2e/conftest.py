"""The end-to-end fixture: the README's first command, once per session, against the test database.

`replayed` runs `atlas demo` — every family DAG through `airflow dags test` in replay mode, in the
demo's order (ssb's Klass geography and posten's postnummer first, then every other family), then
the marts DAG once — and hands the tests its logs, timings and summary. One marts build for the
whole session keeps the suite inside its time budget as families are added: each family's module
asserts on what landed instead of building the marts again.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from tests.support.replay import ReplayedRun


# The session's demo runs inside whichever e2e test asks for it first, and pytest-timeout counts
# fixture setup: every family DAG plus the marts DAG needs more than the suite's 900 s per test.
E2E_TIMEOUT_SECONDS = 3600


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/e2e/" in str(item.path) and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(E2E_TIMEOUT_SECONDS))


@pytest.fixture(scope="session")
def replayed(warehouse_url, tmp_path_factory) -> ReplayedRun:
    log_dir = tmp_path_factory.mktemp("e2e-demo")
    started = time.monotonic()
    # the demo's closing report goes next to the logs, never over the developer's .atlas/report
    result = subprocess.run([sys.executable, "-m", "atlas_ingest.cli", "demo", "--log-dir", str(log_dir),
                             "--report-dir", str(log_dir / "report")],
                            capture_output=True, text=True, env={**os.environ}, timeout=3600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"atlas demo failed after {time.monotonic() - started:.0f}s:\n{output[-6000:]}"
    # "    ✔ fhi in 41s" — the demo's own per-DAG timing lines
    seconds = {m.group(1): float(m.group(2)) for m in re.finditer(r"✔ (\S+) in (\d+)s", output)}
    print(f"\natlas demo (every family + marts) in {time.monotonic() - started:.0f}s: {seconds}")
    return ReplayedRun(log_dir=log_dir, output=output, seconds=seconds)
