"""End to end, IMDi: what `airflow dags test imdi` (inside the session's `atlas demo`, see conftest)
loaded — replay mode, real PostgreSQL. The pages name kommuner without codes, so IMDi relies on the
demo's order: SSB's Klass geography loads first and every name is resolved from the warehouse.
"""

from __future__ import annotations

import pytest

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]

EXPECTED_ROWS = {"imdi-bosetting": 2916, "imdi-innvandringsgrunn-kjonn": 3570, "imdi-landbakgrunn": 2499}


@pytest.fixture(scope="module")
def imdi_loaded(replayed):
    return {"log": replayed.log("imdi"), "tmp": replayed.log_dir, "seconds": replayed.seconds.get("imdi", 0.0)}


def test_every_imdi_source_succeeded(imdi_loaded, db):
    runs = dict(db.execute("""SELECT DISTINCT ON (source_id) source_id, status FROM raw.ingest_runs
                               WHERE source_id LIKE 'imdi-%' ORDER BY source_id, started_at DESC""").fetchall())
    assert runs == {s: "success" for s in EXPECTED_ROWS}
    counts = dict(db.execute("SELECT source_id, count(*) FROM raw.observations WHERE source_id LIKE 'imdi-%' "
                             "GROUP BY 1").fetchall())
    assert counts == EXPECTED_ROWS
    assert db.execute("SELECT count(*) FROM raw.quarantine WHERE source_id LIKE 'imdi-%'").fetchone() == (0,)
    assert "GX suite raw_observations__imdi on raw_staging." in imdi_loaded["log"]
    print(f"imdi DAG {imdi_loaded['seconds']:.0f}s")


def test_imdi_reaches_the_marts_as_sensitive(imdi_loaded, db):
    facts = dict(db.execute("""SELECT source_id, count(*) FROM marts.fact_kommune_indicators
                                WHERE source_id LIKE 'imdi-%' GROUP BY 1""").fetchall())
    assert facts == {"imdi-bosetting": 2856, "imdi-innvandringsgrunn-kjonn": 3570, "imdi-landbakgrunn": 2499}
    policies = {p for (p,) in db.execute("SELECT DISTINCT presentation_policy FROM marts.dim_indicator "
                                         "WHERE source_id LIKE 'imdi-%'")}
    assert policies == {"sensitive"}
    # IMDi's real 2025 page: Arendal settled 86 persons; Bygland is hidden; Birkenes has not decided
    rows = dict(db.execute("""SELECT kommune_nr, coalesce(value::text, status) FROM marts.fact_kommune_indicators
                               WHERE indicator_id = 'imdi-bosetting:BOSATTE' AND period_id = '2025'
                                 AND kommune_nr IN ('4203', '4220')""").fetchall())
    assert rows == {"4203": "86", "4220": ":"}
    assert db.execute("""SELECT status_meaning FROM marts.fact_kommune_indicators
                          WHERE indicator_id = 'imdi-bosetting:VEDTATT' AND period_id = '2025'
                            AND kommune_nr = '4216'""").fetchone() == ("not_yet_available",)


def test_rerunning_the_family_skips_unchanged_pages(imdi_loaded, db):
    dags_test("imdi", imdi_loaded["tmp"], name="imdi-rerun")
    statuses = db.execute("""SELECT DISTINCT ON (source_id) status FROM raw.ingest_runs
                              WHERE source_id LIKE 'imdi-%' ORDER BY source_id, started_at DESC""").fetchall()
    assert {s for (s,) in statuses} == {"skipped"}
