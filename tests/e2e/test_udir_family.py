"""End to end, Udir: what `airflow dags test udir` (inside the session's `atlas demo`, see conftest)
loaded, and the school marts the marts DAG built from it — replay mode, real PostgreSQL. The demo
loads SSB's Klass geography first, so Udir's kommune codes and the schools' kommuner are checked
against Klass 131. The numbers are the constructed snapshots' (each SNAPSHOT.md records them).
"""

from __future__ import annotations

import pytest

from atlas_ingest.manifest import manifests_for_family

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]

EXPECTED_ROWS = {"udir-elevundersokelsen": 248, "udir-fravar": 1080, "udir-gsi": 970,
                 "udir-nasjonale-prover": 5238, "udir-sluttet-vgs": 66}
EXPECTED_QUARANTINE = {"udir-elevundersokelsen": 0, "udir-fravar": 20, "udir-gsi": 20,
                       "udir-nasjonale-prover": 108, "udir-sluttet-vgs": 0}
BIRKELAND, BIRKENES = "975283259", "4216"


@pytest.fixture(scope="module")
def udir_loaded(replayed):
    return {"udir_log": replayed.log("udir"), "marts_log": replayed.log("atlas_marts"), "tmp": replayed.log_dir,
            "seconds": replayed.seconds.get("udir", 0.0)}


def test_every_udir_source_succeeded_with_its_rows(udir_loaded, db):
    sources = manifests_for_family("udir")
    assert sorted(m.id for m in sources) == sorted(EXPECTED_ROWS)
    runs = dict(db.execute("""SELECT DISTINCT ON (source_id) source_id, status FROM raw.ingest_runs
                               WHERE source_id LIKE 'udir-%' ORDER BY source_id, started_at DESC""").fetchall())
    assert runs == {s: "success" for s in EXPECTED_ROWS}
    counts = dict(db.execute("SELECT source_id, count(*) FROM raw.observations WHERE source_id LIKE 'udir-%' "
                             "GROUP BY 1").fetchall())
    assert counts == EXPECTED_ROWS
    quarantined = dict(db.execute("""SELECT r.source_id, r.rows_quarantined FROM raw.ingest_runs r
                                      WHERE r.source_id LIKE 'udir-%' AND r.status = 'success'""").fetchall())
    assert quarantined == EXPECTED_QUARANTINE
    assert all("Svalbard" in r for (r,) in db.execute(
        "SELECT DISTINCT reason FROM raw.quarantine WHERE source_id LIKE 'udir-%'"))
    assert "GX suite raw_observations__udir on raw_staging." in udir_loaded["udir_log"]
    assert "GX suite raw_udir_schools on raw_staging." in udir_loaded["udir_log"]
    print(f"udir DAG {udir_loaded['seconds']:.0f}s")


def test_a_suppressed_school_cell_stays_null_from_raw_to_the_marts(udir_loaded, db):
    # Birkeland skole's special-needs count is hidden in 2025-26; Birkenes publishes 67 and the
    # three other schools 23 + 21 + 22: the hidden cell is never "recovered" as 1
    raw = db.execute("""SELECT value, status FROM raw.observations WHERE source_id = 'udir-gsi' AND region_code = %s
                         AND period_id = '2025-2026' AND contents_code = 'ELEVER_SPESIALUNDERVISNING'""",
                     (BIRKELAND,)).fetchone()
    assert raw == (None, "*")
    fact = db.execute("""SELECT value, status, status_meaning, kommune_nr FROM marts.fact_school_indicators
                          WHERE orgnr = %s AND indicator_id = 'udir-gsi:ELEVER_SPESIALUNDERVISNING'
                            AND period_id = '2025-2026'""", (BIRKELAND,)).fetchone()
    assert fact == (None, "*", "suppressed", BIRKENES)
    summed = db.execute("""SELECT schools, schools_hidden, value, status, value_published
                             FROM marts.fact_school_indicators_by_kommune
                            WHERE kommune_nr = %s AND indicator_id = 'udir-gsi:ELEVER_SPESIALUNDERVISNING'
                              AND period_id = '2025-2026'""", (BIRKENES,)).fetchone()
    assert summed == (4, 1, None, "*", 67)
    visible = db.execute("""SELECT sum(value) FROM marts.fact_school_indicators
                             WHERE kommune_nr = %s AND indicator_id = 'udir-gsi:ELEVER_SPESIALUNDERVISNING'
                               AND period_id = '2025-2026'""", (BIRKENES,)).fetchone()
    assert visible == (66,)  # what a naive sum would have said; the mart says NULL '*'
    # the kommune's own published figure reaches fact_kommune_indicators unchanged
    assert db.execute("""SELECT value, geo_resolution FROM marts.fact_kommune_indicators
                          WHERE indicator_id = 'udir-gsi:ELEVER_SPESIALUNDERVISNING' AND kommune_nr = %s
                            AND period_id = '2025-2026'""", (BIRKENES,)).fetchone() == (67, "exact")


def test_dim_school_and_the_crosswalk(udir_loaded, db):
    # 15 grunnskoler (udir-gsi's roster) and 6 upper-secondary schools (udir-fravar, udir-sluttet-vgs)
    assert db.execute("SELECT count(*), count(DISTINCT kommune_nr) FROM marts.dim_school").fetchone() == (21, 8)
    assert dict(db.execute("SELECT school_type, count(*) FROM marts.dim_school GROUP BY 1").fetchall()) == \
        {"grunnskole": 15, "videregaende": 6}
    assert db.execute("""SELECT school_name, owner, kommune_nr, kommune_name, is_active FROM marts.dim_school
                          WHERE orgnr = '990334021'""").fetchone() == \
        ("Arendal International School (Ais)", "privat", "4203", "Arendal", True)
    assert db.execute("SELECT count(*) FROM marts.crosswalk_school_to_kommune WHERE basis = 'registered' "
                      "AND kommune_mapping = 'exact'").fetchone() == (21,)
    assert db.execute("""SELECT count(*) FROM marts.fact_school_indicators f
                          LEFT JOIN marts.dim_school d USING (orgnr) WHERE d.orgnr IS NULL""").fetchone() == (0,)
    health = dict(db.execute("SELECT source_id, raw_rows FROM marts.mart_ingest_health "
                             "WHERE source_id = 'udir-gsi'").fetchall())
    assert health == {"udir-gsi": 970 + 15}  # observations + the roster


def test_the_mart_gates_ran(udir_loaded):
    for suite, table in (("mart_dim_school", "dim_school"), ("mart_fact_school_indicators", "fact_school_indicators")):
        assert f"GX suite {suite} on marts.{table}: passed" in udir_loaded["marts_log"]


def test_rerunning_the_family_skips_unchanged_reports(udir_loaded, db):
    dags_test("udir", udir_loaded["tmp"], name="udir-rerun")
    statuses = db.execute("""SELECT DISTINCT ON (source_id) status FROM raw.ingest_runs
                              WHERE source_id LIKE 'udir-%' ORDER BY source_id, started_at DESC""").fetchall()
    assert {s for (s,) in statuses} == {"skipped"}
