"""End to end, DSB: what `airflow dags test dsb` (inside the session's `atlas demo`) loaded from the
three constructed Kommuneundersøkelsen workbooks (two layouts), what the marts DAG built, and an
unchanged re-run that skips — replay mode, real PostgreSQL."""

from __future__ import annotations

import pytest

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]
SOURCE = "dsb-kommuneundersokelsen"


def latest_status(db) -> str:
    row = db.execute("SELECT status FROM raw.ingest_runs WHERE source_id = %s ORDER BY started_at DESC LIMIT 1",
                     (SOURCE,)).fetchone()
    db.commit()
    return row[0]


@pytest.fixture(scope="module")
def dsb_loaded(replayed):
    return {"log": replayed.log("dsb"), "marts_log": replayed.log("atlas_marts"), "tmp": replayed.log_dir,
            "seconds": replayed.seconds.get("dsb", 0.0)}


def test_three_editions_in_two_layouts_landed(dsb_loaded, db):
    assert latest_status(db) == "success"
    rows = db.execute("SELECT period_id, count(*), count(*) FILTER (WHERE contents_code = 'is_response' AND value = 0) "
                      "FROM raw.observations WHERE source_id = %s GROUP BY 1 ORDER BY 1", (SOURCE,)).fetchall()
    quarantined = db.execute("SELECT count(*) FROM raw.quarantine WHERE source_id = %s", (SOURCE,)).fetchone()
    db.commit()
    assert rows == [("2019", 2833, 20), ("2020", 2345, 0), ("2023", 2239, 0)]
    assert quarantined == (4,)
    log = dsb_loaded["log"]
    assert "2019 is a labelled workbook" in log and "2023 is a surveyxact workbook" in log
    assert "GX suite raw_observations__dsb on raw_staging." in log
    print(f"dsb DAG {dsb_loaded['seconds']:.0f}s")


def test_the_preparedness_mart_never_scores_a_kommune_that_did_not_answer(dsb_loaded, db):
    per_year = db.execute(
        """SELECT survey_year, count(*), count(*) FILTER (WHERE is_response), count(grunnkrav_oppfylt_andel),
                  count(*) FILTER (WHERE NOT is_response AND grunnkrav_oppfylt_andel IS NOT NULL)
             FROM marts.fact_kommune_preparedness GROUP BY 1 ORDER BY 1""").fetchall()
    basis = dict(db.execute("SELECT response_basis, count(*) FROM marts.fact_kommune_preparedness "
                            "GROUP BY 1").fetchall())
    db.commit()
    assert per_year == [("2019", 422, 402, 402, 0), ("2020", 356, 335, 335, 0), ("2023", 356, 320, 320, 0)]
    assert basis == {"answered": 1057, "listed as not answering": 20, "absent from the file": 57}
    assert "fact_kommune_preparedness_model_build" in dsb_loaded["marts_log"]


def test_unchanged_workbooks_skip_the_next_run(dsb_loaded, db):
    dags_test("dsb", dsb_loaded["tmp"], name="dsb-rerun")
    assert latest_status(db) == "skipped"
