"""End to end: `airflow dags test ssb` then `airflow dags test atlas_marts`, replay mode, real PostgreSQL.

Runs the DAGs exactly as the scheduler would build them (Airflow parses dags/, Cosmos renders
the dbt project, GX gates run), against the session's `atlas_test` database, then reads the
warehouse to check what landed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from atlas_ingest.manifest import manifests_for_family

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def dags_test(dag_id: str, tmp_path) -> str:
    log = tmp_path / f"{dag_id}.log"
    with log.open("w") as out:
        result = subprocess.run([sys.executable, "-m", "airflow", "dags", "test", dag_id], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ}, timeout=900)
    text = log.read_text(errors="replace")
    assert result.returncode == 0, f"airflow dags test {dag_id} failed:\n{text[-4000:]}"
    assert "state=success" in text, f"{dag_id} did not finish in state success:\n{text[-4000:]}"
    return text


@pytest.fixture(scope="module")
def ssb_loaded(warehouse_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-ssb")
    started = time.monotonic()
    ssb_log = dags_test("ssb", tmp)
    ssb_seconds = time.monotonic() - started
    dags_test("posten", tmp)
    marts_log = dags_test("atlas_marts", tmp)
    return {"ssb_log": ssb_log, "marts_log": marts_log, "ssb_seconds": ssb_seconds, "tmp": tmp}


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
    dags_test("ssb", ssb_loaded["tmp"])
    elapsed = time.monotonic() - started
    statuses = db.execute(
        """SELECT DISTINCT ON (source_id) status FROM raw.ingest_runs
            WHERE source_id IN %s ORDER BY source_id, started_at DESC""".replace("IN %s", "= ANY(%s)"),
        ([m.id for m in manifests_for_family("ssb")],)).fetchall()
    assert {s for (s,) in statuses} == {"skipped"}
    print(f"first run {ssb_loaded['ssb_seconds']:.0f}s, re-run {elapsed:.0f}s")
