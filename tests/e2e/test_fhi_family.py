"""End to end, FHI: what `airflow dags test fhi` (inside the session's `atlas demo`, see conftest)
loaded and what the marts DAG built from it — replay mode, real PostgreSQL. The demo loads SSB's
Klass classifications first, so FHI's regions are checked against Klass 131/104/103.
"""

from __future__ import annotations

import re
import time

import pytest
from atlas_ingest.manifest import manifests_for_family

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]

# Rows each source's constructed snapshots parse to (scripts/snapshots/fhi_construct.py prints
# them; SNAPSHOT.md records them): regions of both geographies × periods × breakdowns × measures.
EXPECTED_ROWS = {
    "fhi-alkohol": 9504, "fhi-depresjon": 38016, "fhi-ensomhet": 9504, "fhi-fortrolig-venn": 9504,
    "fhi-hasj": 9504, "fhi-innvandrere": 25344, "fhi-innvkat": 19008, "fhi-kpr-psykisk": 57024,
    "fhi-livskvalitet": 9504, "fhi-mediebruk-skjerm": 9504, "fhi-mediebruk-sosiale": 9504,
    "fhi-mediebruk-spill": 9504, "fhi-mobbing": 19008, "fhi-neet": 12672, "fhi-smertestillende": 9504,
    "fhi-trangbodd": 6336, "fhi-vgs-gjennomforing": 38016,
}
UNGDATA = {"fhi-livskvalitet", "fhi-depresjon", "fhi-alkohol", "fhi-hasj", "fhi-fortrolig-venn", "fhi-smertestillende",
           "fhi-mediebruk-skjerm", "fhi-mediebruk-spill", "fhi-mediebruk-sosiale", "fhi-ensomhet"}


@pytest.fixture(scope="module")
def fhi_loaded(replayed):
    return {"fhi_log": replayed.log("fhi"), "marts_log": replayed.log("atlas_marts"),
            "fhi_seconds": replayed.seconds.get("fhi", 0.0), "marts_seconds": replayed.seconds.get("atlas_marts", 0.0),
            "tmp": replayed.log_dir}


def test_every_fhi_source_succeeded_with_its_rows(fhi_loaded, db):
    sources = manifests_for_family("fhi")
    assert sorted(m.id for m in sources) == sorted(EXPECTED_ROWS)
    runs = dict(db.execute(
        """SELECT DISTINCT ON (source_id) source_id, status FROM raw.ingest_runs
            WHERE source_id LIKE 'fhi-%' ORDER BY source_id, started_at DESC""").fetchall())
    assert runs == {m.id: "success" for m in sources}
    counts = dict(db.execute("SELECT source_id, count(*) FROM raw.observations WHERE source_id LIKE 'fhi-%' "
                             "GROUP BY source_id").fetchall())
    assert counts == EXPECTED_ROWS
    for m in sources:
        assert counts[m.id] >= m.min_rows
    assert db.execute("SELECT count(*) FROM raw.quarantine WHERE source_id LIKE 'fhi-%'").fetchone()[0] == 0
    print("rows per source:", counts, f"fhi DAG {fhi_loaded['fhi_seconds']:.0f}s, marts {fhi_loaded['marts_seconds']:.0f}s")


def test_every_source_has_suppressed_cells_and_bydel_rows_never_zero(fhi_loaded, db):
    rows = db.execute(
        """SELECT source_id,
                  count(*) FILTER (WHERE status = ':')                       AS anonymised,
                  count(*) FILTER (WHERE region_level = 'bydel' AND value IS NOT NULL) AS bydel_values,
                  count(*) FILTER (WHERE (value IS NULL) <> (status IS NOT NULL)) AS broken,
                  count(*) FILTER (WHERE status IS NOT NULL AND value = 0)   AS zero_suppressed
             FROM raw.observations WHERE source_id LIKE 'fhi-%' GROUP BY source_id""").fetchall()
    assert len(rows) == len(EXPECTED_ROWS)
    for source_id, anonymised, bydel_values, broken, zero_suppressed in rows:
        assert anonymised > 0 and bydel_values > 0, source_id
        assert broken == 0 and zero_suppressed == 0, source_id


def test_no_fhi_row_lands_on_an_unknown_region(fhi_loaded, db):
    # every kommune code is a Klass 131 code, every bydel a Klass 103 code, every fylke a Klass 104 code
    unknown = db.execute(
        """SELECT DISTINCT o.region_level, o.region_code FROM raw.observations o
            WHERE o.source_id LIKE 'fhi-%' AND o.region_level IN ('kommune', 'bydel', 'fylke')
              AND NOT EXISTS (SELECT 1 FROM raw.klass_codes k
                               WHERE k.code = o.region_code
                                 AND k.source_id = CASE o.region_level WHEN 'kommune' THEN 'ssb-klass-kommuner'
                                                                       WHEN 'bydel' THEN 'ssb-klass-bydeler'
                                                                       ELSE 'ssb-klass-fylker' END)""").fetchall()
    assert unknown == []
    # and a kommune with a value (or a suppression marker) is valid in its period's geography
    wrong_period = db.execute(
        """SELECT o.source_id, o.region_code, o.period_id FROM raw.observations o
            WHERE o.source_id LIKE 'fhi-%' AND o.region_level = 'kommune' AND o.status IS DISTINCT FROM '.'
              AND NOT EXISTS (SELECT 1 FROM raw.klass_codes k
                               WHERE k.source_id = 'ssb-klass-kommuner' AND k.code = o.region_code
                                 AND k.valid_from <= make_date(right(o.period_id, 4)::int, 12, 31)
                                 AND (k.valid_to IS NULL OR k.valid_to > make_date(right(o.period_id, 4)::int, 12, 31)))
            LIMIT 5""").fetchall()
    assert wrong_period == []
    assert db.execute("SELECT count(DISTINCT region_code) FROM raw.observations "
                      "WHERE source_id = 'fhi-mobbing' AND region_level = 'bydel'").fetchone()[0] == 38


def test_fhi_reaches_the_marts(fhi_loaded, db):
    facts = dict(db.execute(
        """SELECT source_id, count(*) FROM marts.fact_kommune_indicators WHERE source_id LIKE 'fhi-%'
            GROUP BY source_id""").fetchall())
    assert set(facts) == set(EXPECTED_ROWS)
    unknown = db.execute("SELECT count(*) FROM marts.fact_kommune_indicators "
                         "WHERE source_id LIKE 'fhi-%' AND geo_resolution = 'unknown_code'").fetchone()[0]
    assert unknown == 0
    broken = db.execute("SELECT count(*) FROM marts.fact_kommune_indicators WHERE source_id LIKE 'fhi-%' "
                        "AND (value IS NULL) <> (status IS NOT NULL)").fetchone()[0]
    assert broken == 0
    # each measure type its own indicator; Ungdata carries its policy into dim_indicator
    indicators = db.execute("SELECT indicator_id, presentation_policy, eu_theme FROM marts.dim_indicator "
                            "WHERE source_id LIKE 'fhi-%'").fetchall()
    ids = {i for i, _, _ in indicators}
    assert {"fhi-ensomhet:MEIS", "fhi-ensomhet:SMR", "fhi-kpr-psykisk:TELLER", "fhi-kpr-psykisk:RATE"} <= ids
    assert all(policy == "sensitive" for i, policy, _ in indicators if i.split(":")[0] in UNGDATA)
    assert all(policy == "default" for i, policy, _ in indicators if i.split(":")[0] not in UNGDATA)
    # rolling windows: their own grain and dates in dim_period
    window = db.execute("SELECT start_date::text, end_date::text FROM marts.dim_period "
                        "WHERE period_id = '2022-2024' AND period_grain = 'P3Y'").fetchone()
    assert window == ("2022-01-01", "2024-12-31")
    # every bydel FHI publishes is in dim_bydel (Klass 103)
    missing_bydel = db.execute(
        """SELECT DISTINCT region_code FROM raw.observations o WHERE source_id LIKE 'fhi-%' AND region_level = 'bydel'
            AND NOT EXISTS (SELECT 1 FROM marts.dim_bydel b WHERE b.bydel_nr = o.region_code)""").fetchall()
    assert missing_bydel == []


def test_gx_gates_ran_and_the_fhi_suite_passes(fhi_loaded):
    log = fhi_loaded["fhi_log"]
    assert "GX suite raw_observations on raw_staging." in log
    assert "GX suite mart_fact_kommune_indicators on marts.fact_kommune_indicators: passed" in fhi_loaded["marts_log"]
    # the provider's own suite gates every FHI load (before publish) and validates the published slice
    gated = re.findall(r"GX suite raw_observations__fhi on raw_staging\.\S+ \(staged raw\.observations\): passed", log)
    validated = re.findall(r"GX suite raw_observations__fhi on raw\.observations where source_id = '(fhi-[a-z-]+)': passed",
                           log)
    assert len(gated) == len(EXPECTED_ROWS)
    assert sorted(validated) == sorted(EXPECTED_ROWS)


def test_rerunning_the_family_skips_unchanged_tables(fhi_loaded, db):
    started = time.monotonic()
    dags_test("fhi", fhi_loaded["tmp"], name="fhi-rerun")
    elapsed = time.monotonic() - started
    statuses = db.execute(
        """SELECT DISTINCT ON (source_id) status FROM raw.ingest_runs
            WHERE source_id LIKE 'fhi-%' ORDER BY source_id, started_at DESC""").fetchall()
    assert {s for (s,) in statuses} == {"skipped"}
    print(f"first run {fhi_loaded['fhi_seconds']:.0f}s, re-run {elapsed:.0f}s")
