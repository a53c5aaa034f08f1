"""The core modules import without Airflow (DAG parsing and these unit tests depend on it)."""

from __future__ import annotations

import subprocess
import sys

CORE = ["atlas_ingest.http", "atlas_ingest.periods", "atlas_ingest.manifest", "atlas_ingest.formats.jsonstat",
        "atlas_ingest.formats.jsonstat_observations", "atlas_ingest.families.ssb.pxweb",
        "atlas_ingest.observations", "atlas_ingest.landing"]


def test_core_modules_do_not_import_airflow():
    code = (f"import importlib, sys\nfor m in {CORE!r}: importlib.import_module(m)\n"
            "from atlas_ingest.manifest import load_manifests; load_manifests()\n"
            "bad = sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.'))\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
