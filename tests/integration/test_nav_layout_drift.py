"""A NAV report whose layout drifted (a renamed month column) fails the run with the file, the sheet
and the columns found — and the last good data stays in raw, untouched. Real PostgreSQL, the
five steps in-process, replay snapshots in a copy of the source folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from atlas_ingest import pipeline, warehouse
from atlas_ingest.families.nav.layouts import NavLayoutError

pytestmark = pytest.mark.integration

SOURCE = "nav-uforetrygd"
REAL = Path(__file__).resolve().parents[2] / "include" / "sources" / SOURCE


@pytest.fixture
def sources(tmp_path, monkeypatch, warehouse_url):
    root = tmp_path / "sources"
    shutil.copytree(REAL, root / SOURCE)
    monkeypatch.setenv("ATLAS_SOURCES_DIR", str(root))
    with warehouse.connect(warehouse_url) as conn:
        for table in ("raw.observations", "raw.indicator_catalog", "raw.quarantine", "raw.ingest_runs"):
            conn.execute(f"DELETE FROM {table} WHERE source_id = %s", (SOURCE,))
        conn.commit()
    return root / SOURCE


def serve_drifted_file(folder: Path) -> str:
    """Point the replay index's 2026 file at the drifted workbook (as if NAV had re-published it)."""
    index_path = folder / "snapshots" / "index.json"
    index = json.loads(index_path.read_text())
    entry = next(e for e in index["entries"] if e["request"]["url"].endswith("2026.xlsx"))
    shutil.copy(folder / "snapshots" / "drift" / "PST302_2026_januar_renamed_jan.xlsx", folder / "snapshots" / entry["file"])
    return entry["request"]["url"]


def test_a_renamed_column_fails_the_run_and_keeps_the_last_good_data(sources, db):
    first = pipeline.run_source(SOURCE, force=True)
    assert first["status"] == "success" and first["rows"] == 8200 + 2  # observations + catalog
    before = db.execute("SELECT count(*), sum(value), max(ingest_run_id) FROM raw.observations WHERE source_id = %s",
                        (SOURCE,)).fetchone()
    assert before[0] == 8200

    url = serve_drifted_file(sources)
    with pytest.raises(NavLayoutError) as err:
        pipeline.run_source(SOURCE, force=True)
    message = str(err.value)
    assert url in message and "sheet 'Kommune-bydel. Antall'" in message and "C='Jan'" in message

    after = db.execute("SELECT count(*), sum(value), max(ingest_run_id) FROM raw.observations WHERE source_id = %s",
                       (SOURCE,)).fetchone()
    assert after == before
    status, step, error = db.execute(
        "SELECT status, step, error FROM raw.ingest_runs WHERE source_id = %s ORDER BY ingest_run_id DESC LIMIT 1",
        (SOURCE,)).fetchone()
    # discover reads the header rows to see which months are out: the drift stops the run there
    assert (status, step) == ("failed", "discover") and "NavLayoutError" in error and "'Jan'" in error
