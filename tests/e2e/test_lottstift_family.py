"""End to end, Lottstift: what `airflow dags test lottstift` (inside the session's `atlas demo`)
loaded from the six constructed yearly workbooks (six layouts), the recipients joined by orgnr to
Frivillighetsregisteret and the NGO landscape in the marts, and an unchanged re-run that skips."""

from __future__ import annotations

import pytest

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]
SOURCE = "lottstift-momskompensasjon"


def latest_status(db) -> str:
    row = db.execute("SELECT status FROM raw.ingest_runs WHERE source_id = %s ORDER BY started_at DESC LIMIT 1",
                     (SOURCE,)).fetchone()
    db.commit()
    return row[0]


@pytest.fixture(scope="module")
def lottstift_loaded(replayed):
    return {"log": replayed.log("lottstift"), "marts_log": replayed.log("atlas_marts"), "tmp": replayed.log_dir,
            "seconds": replayed.seconds.get("lottstift", 0.0)}


def test_six_years_six_layouts(lottstift_loaded, db):
    assert latest_status(db) == "success"
    rows = db.execute("SELECT period_id, layout, amount_basis, count(*) FROM raw.lottstift_momskompensasjon "
                      "GROUP BY 1, 2, 3 ORDER BY 1").fetchall()
    db.commit()
    assert rows == [("2019", "lottstift-2019", "awarded_after_reduction", 73), ("2020", "lottstift-2020", "paid", 52),
                    ("2021", "lottstift-2021", "paid_incl_admin_fee", 62), ("2022", "lottstift-2022", "awarded", 62),
                    ("2023", "lottstift-2023", "awarded", 63), ("2024", "lottstift-2024", "awarded", 63)]
    assert "GX suite raw_lottstift_momskompensasjon on raw_staging." in lottstift_loaded["log"]
    print(f"lottstift DAG {lottstift_loaded['seconds']:.0f}s")


def test_recipients_are_joined_by_orgnr(lottstift_loaded, db):
    joined = db.execute("SELECT count(*), count(*) FILTER (WHERE is_registered_voluntary), count(kommune_nr), "
                        "count(ngo_slug) FROM marts.fact_vat_compensation").fetchone()
    per_kommune = db.execute("SELECT sum(recipients) FROM marts.fact_kommune_vat_compensation").fetchone()
    db.commit()
    assert joined[0] == 375 and joined[1] == 355 and joined[3] == 6  # Folkehjelp, every year
    assert per_kommune == (joined[2],)
    assert "fact_vat_compensation_model_build" in lottstift_loaded["marts_log"]


def test_unchanged_workbooks_skip_the_next_run(lottstift_loaded, db):
    dags_test("lottstift", lottstift_loaded["tmp"], name="lottstift-rerun")
    assert latest_status(db) == "skipped"
