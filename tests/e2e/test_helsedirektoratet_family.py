"""End to end, Helsedirektoratet: what `airflow dags test helsedirektoratet` (inside the session's
`atlas demo`, see conftest) loaded from the constructed fastlege snapshots, what the marts DAG made
of it, an unchanged re-run that skips, and a live run without the key that fails naming the
connection — replay mode, real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]
SOURCE = "helsedir-fastlege"


def latest(db, source_id: str) -> tuple:
    row = db.execute("SELECT status, error, ingest_run_id FROM raw.ingest_runs WHERE source_id = %s "
                     "ORDER BY started_at DESC LIMIT 1", (source_id,)).fetchone()
    db.commit()
    return row


@pytest.fixture(scope="module")
def helsedir_loaded(replayed):
    return {"log": replayed.log("helsedirektoratet"), "tmp": replayed.log_dir,
            "seconds": replayed.seconds.get("helsedirektoratet", 0.0)}


def test_three_months_of_every_measure_landed(helsedir_loaded, db):
    assert latest(db, SOURCE)[0] == "success"
    per_month = db.execute("SELECT period_id, count(*), count(value) FROM raw.observations WHERE source_id = %s "
                           "GROUP BY 1 ORDER BY 1", (SOURCE,)).fetchall()
    markers = dict(db.execute("SELECT status, count(*) FROM raw.observations "
                              "WHERE source_id = %s AND status IS NOT NULL GROUP BY 1", (SOURCE,)).fetchall())
    quarantined = sorted(r for (r,) in db.execute("SELECT DISTINCT reason FROM raw.quarantine WHERE source_id = %s",
                                                  (SOURCE,)))
    db.commit()
    assert per_month == [("2024M11", 1865, 1865), ("2024M12", 1865, 1865), ("2025M01", 1860, 1858)]
    assert markers == {"..": 1, ":": 1}
    assert quarantined == ["ubesatte_lister (3) exceeds lister_uten_fast_lege (1) for 1836 2025-01: inconsistent row",
                           "unknown kommune code 1599 (not in Klass 131 since 2018)"]
    log = helsedir_loaded["log"]
    assert "GX suite raw_observations__helsedirektoratet on raw_staging." in log
    print(f"helsedirektoratet DAG {helsedir_loaded['seconds']:.0f}s")


def test_the_measures_reach_the_kommune_facts_apart(helsedir_loaded, db):
    facts = dict(db.execute(
        "SELECT contents_code, count(*) FROM marts.fact_kommune_indicators WHERE source_id = %s GROUP BY 1",
        (SOURCE,)).fetchall())
    labels = dict(db.execute("SELECT contents_code, indicator_label FROM marts.dim_indicator WHERE source_id = %s",
                             (SOURCE,)).fetchall())
    db.commit()
    assert facts == {"lister": 1070, "lister_uten_fast_lege": 1070, "ubesatte_lister": 1070,
                     "innbyggere_pa_lister": 1070, "innbyggere_pa_lister_uten_fast_lege": 1070}
    assert labels["lister_uten_fast_lege"] == "Lister uten fast lege" and labels["ubesatte_lister"] == "Ubesatte lister"


def test_an_unchanged_month_list_skips_the_next_run(helsedir_loaded, db):
    dags_test("helsedirektoratet", helsedir_loaded["tmp"], name="helsedirektoratet-rerun")
    assert latest(db, SOURCE)[0] == "skipped"


def test_a_live_run_without_the_key_fails_naming_the_connection(helsedir_loaded, db):
    before = db.execute("SELECT count(*) FROM raw.observations WHERE source_id = %s", (SOURCE,)).fetchone()
    db.commit()
    env = {k: v for k, v in os.environ.items() if k != "AIRFLOW_CONN_HELSEDIR_API"}
    env["ATLAS_HTTP_MODE"] = "live"
    log = helsedir_loaded["tmp"] / "helsedirektoratet-live-nokey.log"
    with log.open("w") as out:
        result = subprocess.run([sys.executable, "-m", "airflow", "dags", "test", "helsedirektoratet"], stdout=out,
                                stderr=subprocess.STDOUT, env=env, timeout=900)
    text = log.read_text(errors="replace")
    status, error, _ = latest(db, SOURCE)
    assert result.returncode != 0 or "state=failed" in text
    assert "create the Airflow connection 'helsedir_api'" in text
    assert status == "failed" and "discover: ApiKeyMissing" in error and "'helsedir_api'" in error
    # the last good data stays
    assert db.execute("SELECT count(*) FROM raw.observations WHERE source_id = %s", (SOURCE,)).fetchone() == before
    db.commit()
