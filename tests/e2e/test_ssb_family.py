"""End to end, SSB: what `airflow dags test ssb` (inside the session's `atlas demo`, see conftest)
loaded, and what the marts DAG built from it — replay mode, real PostgreSQL.

The DAGs run exactly as the scheduler would build them (Airflow parses dags/, Cosmos renders the
dbt project, GX gates run), against the session's test database; the tests read the warehouse.
"""

from __future__ import annotations

import time

import pytest

from atlas_ingest.manifest import manifests_for_family

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def ssb_loaded(replayed):
    return {"ssb_log": replayed.log("ssb"), "marts_log": replayed.log("atlas_marts"),
            "ssb_seconds": replayed.seconds.get("ssb", 0.0), "tmp": replayed.log_dir}


def test_every_ssb_source_succeeded_with_its_rows(ssb_loaded, db):
    sources = manifests_for_family("ssb")
    rows = dict(db.execute(
        """SELECT DISTINCT ON (source_id) source_id, status FROM raw.ingest_runs
            WHERE source_id LIKE 'ssb-%' AND source_id <> 'ssb-99999' ORDER BY source_id, started_at DESC""").fetchall())
    assert rows == {m.id: "success" for m in sources}
    for m in sources:
        table = m.raw_table
        n = db.execute(f"SELECT count(*) FROM {table} WHERE source_id = %s", (m.id,)).fetchone()[0]
        assert n >= m.min_rows, f"{m.id}: {n} rows in {table}, manifest expects at least {m.min_rows}"
    quarantined = db.execute("SELECT count(*) FROM raw.quarantine WHERE source_id LIKE 'ssb-%'").fetchone()[0]
    assert quarantined == 0


def test_dim_kommune_has_all_357_current_kommuner(ssb_loaded, db):
    current = db.execute("SELECT count(*) FROM marts.dim_kommune WHERE is_current").fetchone()[0]
    assert current == 357
    oslo = db.execute("SELECT kommune_name, fylke_nr FROM marts.dim_kommune WHERE kommune_nr = '0301' AND is_current").fetchone()
    assert oslo == ("Oslo", "03")
    # a historical code resolves to its own name in its own period
    halden = db.execute("SELECT kommune_name, valid_from, valid_to FROM marts.dim_kommune WHERE kommune_nr = '3001'").fetchall()
    assert [(name, str(f), str(t)) for name, f, t in halden] == [("Halden", "2020-01-01", "2024-01-01")]


def test_fact_and_indicator_marts_are_built_and_consistent(ssb_loaded, db):
    facts = db.execute("SELECT count(*), count(DISTINCT indicator_id), count(DISTINCT kommune_nr) "
                       "FROM marts.fact_kommune_indicators").fetchone()
    assert facts[0] > 100_000 and facts[1] >= 2 and facts[2] >= 357
    population = db.execute(
        """SELECT count(*) FROM marts.fact_kommune_indicators
            WHERE indicator_id = 'ssb-07459:Personer1' AND period_id = '2026' AND kommune_nr = '0301'""").fetchone()[0]
    assert population == 2 * 106  # two sexes x 106 age groups for Oslo
    # suppression survives the marts: NULL and marked, never 0
    bad = db.execute("SELECT count(*) FROM marts.fact_kommune_indicators WHERE (value IS NULL) <> (status IS NOT NULL)").fetchone()[0]
    assert bad == 0
    indicator = db.execute("SELECT eu_theme, presentation_policy, measuring_type FROM marts.dim_indicator "
                           "WHERE indicator_id = 'ssb-07459:Personer1'").fetchone()
    assert indicator == ("SOCI", "default", "Stock")


def test_geography_marts(ssb_loaded, db):
    postnummer = db.execute("SELECT count(*), count(kommune_nr) FROM marts.dim_postnummer").fetchone()
    assert postnummer[0] == 5137 and postnummer[1] >= 5100  # Bring's 2024-10-01 register, on today's codes
    assert db.execute("SELECT kommune_nr FROM marts.dim_postnummer WHERE postnummer = '0150'").fetchone() == ("0301",)
    kinds = dict(db.execute("SELECT change_kind, count(DISTINCT kommune_nr) FROM marts.crosswalk_kommune_reform GROUP BY 1"))
    assert kinds["split"] == 1 and kinds["unchanged"] == 346
    assert db.execute("SELECT count(DISTINCT current_fylke_nr) FROM marts.crosswalk_fylke_reform").fetchone() == (15,)
    ambiguous = {k for (k,) in db.execute("SELECT DISTINCT name_key FROM marts.crosswalk_kommune_name WHERE is_ambiguous")}
    assert {"valer", "heroy", "os", "bo", "sande"} <= ambiguous
    resolutions = dict(db.execute("SELECT geo_resolution, count(*) FROM marts.fact_kommune_indicators GROUP BY 1"))
    assert resolutions["exact"] > 100_000 and resolutions["renumbered"] > 1_000 and resolutions["split-unresolved"] > 0


def test_gx_gates_ran_on_raw_and_marts(ssb_loaded):
    assert "GX suite raw_observations on raw_staging." in ssb_loaded["ssb_log"]
    assert "GX suite mart_fact_kommune_indicators on marts.fact_kommune_indicators: passed" in ssb_loaded["marts_log"]
    assert "GX suite mart_dim_kommune on marts.dim_kommune: passed" in ssb_loaded["marts_log"]


def test_rerunning_the_family_is_quick_and_skips_unchanged_tables(ssb_loaded, db):
    started = time.monotonic()
    dags_test("ssb", ssb_loaded["tmp"], name="ssb-rerun")
    elapsed = time.monotonic() - started
    statuses = db.execute(
        """SELECT DISTINCT ON (source_id) status FROM raw.ingest_runs
            WHERE source_id IN %s ORDER BY source_id, started_at DESC""".replace("IN %s", "= ANY(%s)"),
        ([m.id for m in manifests_for_family("ssb")],)).fetchall()
    assert {s for (s,) in statuses} == {"skipped"}
    print(f"first run {ssb_loaded['ssb_seconds']:.0f}s, re-run {elapsed:.0f}s")
