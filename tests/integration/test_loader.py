"""The loader against real PostgreSQL: idempotency, atomic slice replace, locks, failure paths.

Every test checks the warehouse itself (raw.observations, raw.ingest_runs, raw.quarantine), not
return values alone: "bad input loses nothing" means the last good slice is still there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from atlas_ingest import pipeline, warehouse
from atlas_ingest.http import SnapshotMissing
from atlas_ingest.observations import OBSERVATIONS_LOAD
from atlas_ingest.quality import QualityGateFailed

from . import small_source
from .small_source import SOURCE_ID, csv_rows

pytestmark = pytest.mark.integration


@pytest.fixture
def sources(tmp_path, monkeypatch, warehouse_url):
    root = tmp_path / "sources"
    monkeypatch.setenv("ATLAS_SOURCES_DIR", str(root))
    small_source.write_source(root)
    with warehouse.connect(warehouse_url) as conn:
        for table in ("raw.observations", "raw.indicator_catalog", "raw.quarantine", "raw.ingest_runs"):
            conn.execute(f"DELETE FROM {table} WHERE source_id = %s", (SOURCE_ID,))
        conn.commit()
    yield root


def observations(conn) -> list[tuple]:
    rows = conn.execute(
        "SELECT region_code, period_id, dimensions->>'Kjonn', value, status FROM raw.observations "
        "WHERE source_id = %s ORDER BY 1, 2, 3", (SOURCE_ID,)).fetchall()
    conn.commit()
    return rows


def last_run(conn) -> dict:
    cur = conn.execute("SELECT * FROM raw.ingest_runs WHERE source_id = %s ORDER BY ingest_run_id DESC LIMIT 1",
                       (SOURCE_ID,))
    row = cur.fetchone()
    conn.commit()
    return dict(zip([d.name for d in cur.description], row))


def test_first_run_loads_every_cell_with_its_run(sources, db):
    result = pipeline.run_source(SOURCE_ID, mode="replay")
    assert result["status"] == "success"
    rows = observations(db)
    assert len(rows) == 12
    assert rows[0] == ("0301", "2023", "1", 1000, None)
    assert rows[-1] == ("5001", "2024", "2", 3011, None)
    run = last_run(db)
    assert run["status"] == "success" and run["step"] == "validate_raw"
    assert run["rows_in"] == 13 and run["rows_out"] == 13  # 12 cells + 1 catalogue row
    assert run["requests"] == 2 and run["bytes_fetched"] > 0
    assert run["upstream_updated"] is not None
    loaded_by = db.execute("SELECT DISTINCT ingest_run_id FROM raw.observations WHERE source_id = %s",
                           (SOURCE_ID,)).fetchall()
    assert loaded_by == [(run["ingest_run_id"],)]


def test_running_twice_gives_the_same_rows(sources, db):
    pipeline.run_source(SOURCE_ID, mode="replay")
    first = observations(db)
    second_result = pipeline.run_source(SOURCE_ID, mode="replay", force=True)
    assert second_result["status"] == "success"
    assert observations(db) == first
    dupes = db.execute("""SELECT count(*) FROM (SELECT 1 FROM raw.observations WHERE source_id = %s
                          GROUP BY region_code, period_id, contents_code, dimensions HAVING count(*) > 1) d""",
                       (SOURCE_ID,)).fetchone()[0]
    assert dupes == 0


def test_unchanged_upstream_is_skipped_and_recorded(sources, db):
    pipeline.run_source(SOURCE_ID, mode="replay")
    result = pipeline.run_source(SOURCE_ID, mode="replay")
    assert result["status"] == "skipped"
    run = last_run(db)
    assert run["status"] == "skipped"
    assert "not updated since" in run["details"]["skip_reason"]


def test_new_values_replace_only_their_slices(sources, db):
    pipeline.run_source(SOURCE_ID, mode="replay")
    # upstream revises everything by +5 and moves `updated`
    small_source.write_source(sources, values=small_source.default_values(5), updated="2025-06-01T07:00:00Z")
    pipeline.run_source(SOURCE_ID, mode="replay")
    values = [r[3] for r in observations(db)]
    assert values[0] == 1005 and len(values) == 12


def test_suppressed_cells_stay_null_with_their_marker(sources, db):
    values = small_source.default_values()
    values[0] = None  # 0301, Kjonn 1, 2023
    values[3] = None  # 0301, Kjonn 2, 2024 (Tid varies fastest, then Kjonn, then Region)
    small_source.write_source(sources, values=values, status={"0": ":", "3": ".."})
    pipeline.run_source(SOURCE_ID, mode="replay")
    rows = {(r[0], r[1], r[2]): (r[3], r[4]) for r in observations(db)}
    assert rows[("0301", "2023", "1")] == (None, ":")
    assert rows[("0301", "2024", "2")] == (None, "..")
    zero = db.execute("SELECT count(*) FROM raw.observations WHERE source_id = %s AND value = 0", (SOURCE_ID,)).fetchone()
    assert zero == (0,)


def test_failure_mid_replace_keeps_the_old_slice(sources, db, landing):
    """An exception inside the replace transaction (after DELETE and INSERT) rolls it all back."""
    pipeline.run_source(SOURCE_ID, mode="replay")
    before = observations(db)
    run_id = last_run(db)["ingest_run_id"]
    csv = csv_rows([("0301", "2023", 1, 99), ("0301", "2024", 1, 99)])
    stage, staged = warehouse.copy_into_stage(db, OBSERVATIONS_LOAD, run_id + 1000, csv)
    assert staged == 2

    def crash(conn):
        inside = conn.execute("SELECT count(*) FROM raw.observations WHERE source_id = %s", (SOURCE_ID,)).fetchone()[0]
        # the stage holds periods 2023 and 2024, so both slices (all 12 rows) are deleted and the
        # two staged rows inserted — visible inside the transaction only
        assert inside == 2
        raise RuntimeError("simulated crash before COMMIT")

    with pytest.raises(RuntimeError, match="simulated crash"):
        warehouse.replace_slices(db, OBSERVATIONS_LOAD, stage, SOURCE_ID, before_commit=crash)
    warehouse.drop_stage(db, stage)
    assert observations(db) == before


def test_killed_loader_process_keeps_the_old_slice(sources, db, warehouse_url, tmp_path):
    """SIGKILL a real loader process in the middle of its replace transaction."""
    pipeline.run_source(SOURCE_ID, mode="replay")
    before = observations(db)
    ready = tmp_path / "inside-transaction"
    script = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from atlas_ingest import warehouse
from atlas_ingest.observations import OBSERVATIONS_LOAD
from small_source import csv_rows
conn = warehouse.connect({warehouse_url!r})
stage, _ = warehouse.copy_into_stage(conn, OBSERVATIONS_LOAD, 424242,
                                     csv_rows([("0301", "2023", 1, 7), ("1103", "2023", 2, 7)]))
def hang(c):
    open({str(ready)!r}, "w").write("x")
    time.sleep(60)
warehouse.replace_slices(conn, OBSERVATIONS_LOAD, stage, {SOURCE_ID!r}, before_commit=hang)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ})
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None, "loader process exited early"
            assert time.monotonic() < deadline, "loader never reached the transaction"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.5)  # the server notices the dead client and aborts its transaction
    assert observations(db) == before
    # the dead run's stage is left behind; the next load of any source sweeps it away
    assert _stages(db, "424242") == 1
    pipeline.run_source(SOURCE_ID, mode="replay", force=True)
    assert _stages(db, "424242") == 0


def test_a_second_run_of_the_same_source_waits_then_fails_clearly(warehouse_url):
    with warehouse.connect(warehouse_url) as holder, warehouse.connect(warehouse_url) as other:
        with warehouse.source_lock(holder, "ssb-lock-test"):
            with pytest.raises(warehouse.SourceLocked) as err:
                with warehouse.source_lock(other, "ssb-lock-test", wait_seconds=0.5, poll=0.1):
                    pass
            message = str(err.value)
            assert "ssb-lock-test" in message and "pid" in message and "atlas_ingest" in message
        # released: the other session gets it now
        with warehouse.source_lock(other, "ssb-lock-test", wait_seconds=1):
            pass


def test_a_waiting_run_proceeds_when_the_lock_is_released(warehouse_url):
    acquired_at = {}
    with warehouse.connect(warehouse_url) as holder:
        with warehouse.source_lock(holder, "ssb-lock-wait"):
            def waiter():
                with warehouse.connect(warehouse_url) as conn, warehouse.source_lock(conn, "ssb-lock-wait",
                                                                                      wait_seconds=10, poll=0.05):
                    acquired_at["t"] = time.monotonic()
            thread = threading.Thread(target=waiter)
            thread.start()
            time.sleep(0.5)
            assert "t" not in acquired_at
            released = time.monotonic()
        thread.join(timeout=10)
    assert acquired_at["t"] >= released


def test_different_sources_do_not_block_each_other(warehouse_url):
    with warehouse.connect(warehouse_url) as a, warehouse.connect(warehouse_url) as b:
        with warehouse.source_lock(a, "ssb-a"), warehouse.source_lock(b, "ssb-b", wait_seconds=0.2):
            pass


def test_missing_snapshot_fails_the_run_and_is_recorded(sources, db):
    index = sources / SOURCE_ID / "snapshots" / "index.json"
    entries = json.loads(index.read_text())
    entries["entries"] = [e for e in entries["entries"] if not e["request"]["url"].endswith("/data")]
    index.write_text(json.dumps(entries))
    with pytest.raises(SnapshotMissing, match=r"GET https://data.ssb.no/api/pxwebapi/v2/tables/99999/data"):
        pipeline.run_source(SOURCE_ID, mode="replay")
    run = last_run(db)
    assert run["status"] == "failed" and run["step"] == "fetch"
    assert "tables/99999/data" in run["error"] and run["finished_at"] is not None
    assert observations(db) == []


def test_malformed_response_fails_naming_the_url_and_keeps_raw(sources, db):
    pipeline.run_source(SOURCE_ID, mode="replay")
    before = observations(db)
    small_source.write_source(sources, raw_body=b"<html>Service Unavailable</html>", updated="2025-07-01T07:00:00Z")
    with pytest.raises(ValueError, match=r"tables/99999/data.*not JSON"):
        pipeline.run_source(SOURCE_ID, mode="replay")
    run = last_run(db)
    assert run["status"] == "failed" and run["step"] == "parse"
    assert observations(db) == before


def test_too_many_quarantined_cells_fail_before_anything_is_replaced(sources, db):
    pipeline.run_source(SOURCE_ID, mode="replay")
    before = observations(db)
    values = small_source.default_values(7)
    status = {str(i): "!?" for i in range(3)}  # an unknown marker on 3 of 12 cells (25% > 10%)
    small_source.write_source(sources, values=values, status=status, updated="2025-08-01T07:00:00Z")
    with pytest.raises(pipeline.QuarantineThresholdExceeded, match=r"3 of 12 records \(25.0%\)"):
        pipeline.run_source(SOURCE_ID, mode="replay")
    assert observations(db) == before
    run = last_run(db)
    assert run["status"] == "failed" and run["step"] == "load" and run["rows_quarantined"] == 3
    reasons = db.execute("SELECT locator, reason FROM raw.quarantine WHERE ingest_run_id = %s",
                         (run["ingest_run_id"],)).fetchall()
    assert len(reasons) == 3
    assert all("unknown status marker '!?'" in r for _, r in reasons)
    assert all("tables/99999/data" in loc and "#cell=" in loc for loc, _ in reasons)


def test_a_failing_gx_gate_leaves_raw_untouched(sources, db, landing):
    """Rows that pass the parser but fail the raw suite never reach raw.observations."""
    pipeline.run_source(SOURCE_ID, mode="replay")
    before = observations(db)
    ctx = pipeline.make_context(SOURCE_ID, mode="replay", force=True)
    discovered = pipeline.discover(ctx)
    bad = csv_rows([("0301", "2023", 1, 5), ("0301", "2023", 1, 6)])  # the same cell twice
    parsed = {"ingest_run_id": discovered["ingest_run_id"], "records": 2, "quarantined": 0, "periods": ["2023"],
              "quarantine_key": landing.put_json([]),
              "tables": [{"table": "raw.observations", "columns": list(OBSERVATIONS_LOAD.columns),
                          "slice_column": "period_id", "key": landing.put(bad), "rows": 2}]}
    # (a code Klass cannot place never reaches the gate: the loader quarantines it first — see
    # test_geography_marts.py; a duplicated cell is the kind of fault only the suite sees)
    with pytest.raises(QualityGateFailed) as err:
        pipeline.load(ctx, parsed)
    assert "one row per cell" in str(err.value)
    assert observations(db) == before
    assert _stages(db, str(discovered["ingest_run_id"])) == 0, "the stage must be dropped after a failed gate"
    assert last_run(db)["status"] == "failed"


def _stages(conn, run_id: str) -> int:
    n = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'raw_staging' AND tablename LIKE %s",
                     (f"%\\_\\_{run_id}",)).fetchone()[0]
    conn.commit()
    return n


def test_a_failing_mart_suite_raises_with_the_failing_expectations(db, warehouse_url):
    """The mart gate is real: a fact table breaking the rules fails with what broke."""
    from atlas_ingest import quality

    db.execute("CREATE SCHEMA IF NOT EXISTS marts")
    db.execute("DROP TABLE IF EXISTS marts.gate_probe")
    db.execute("""CREATE TABLE marts.gate_probe AS
                  SELECT 'x:1'::text AS indicator_id, '301'::text AS kommune_nr, '0301'::text AS kommune_nr_published,
                         date '2024-01-01' AS period_start, 0::numeric AS value, ':'::text AS status,
                         'exact'::text AS geo_resolution""")
    db.execute("CREATE TABLE IF NOT EXISTS marts.dim_indicator (indicator_id text)")
    db.commit()
    with pytest.raises(QualityGateFailed) as err:
        quality.gate("mart_fact_kommune_indicators", query="SELECT * FROM marts.gate_probe", target="marts.gate_probe",
                     url=warehouse_url)
    text = str(err.value)
    assert "expect_column_values_to_match_regex on kommune_nr" in text  # '301' is not four digits
    assert "a suppressed cell is never 0" in text  # value 0 with a ':' marker
    assert "catalogued indicator" in text  # x:1 is not in dim_indicator
    db.execute("DROP TABLE marts.gate_probe")
    db.commit()
