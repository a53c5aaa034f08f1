"""IMDi without Airflow: the real pipeline loads Klass 131/104 (what kommune names resolve against,
from the warehouse as in production), then the three IMDi sources in replay. The 2025 bosetting
page's Agder table is IMDi's real page; the rest is constructed (each SNAPSHOT.md says what).
"""

from __future__ import annotations

import pytest

from atlas_ingest import pipeline
from atlas_ingest.manifest import get_manifest

pytestmark = pytest.mark.integration

REFERENCE_SOURCES = ["ssb-klass-kommuner", "ssb-klass-fylker"]
IMDI_SOURCES = ["imdi-bosetting", "imdi-innvandringsgrunn-kjonn", "imdi-landbakgrunn"]
EXPECTED_ROWS = {"imdi-bosetting": 2916, "imdi-innvandringsgrunn-kjonn": 3570, "imdi-landbakgrunn": 2499}


@pytest.fixture(scope="module")
def loaded(warehouse_url):
    return {s: pipeline.run_source(s, mode="replay", force=True) for s in REFERENCE_SOURCES + IMDI_SOURCES}


def value(db, source_id: str, region: str, period: str, code: str, dims: str = "{}"):
    return db.execute("""SELECT value, status FROM raw.observations WHERE source_id = %s AND region_code = %s
                          AND period_id = %s AND contents_code = %s AND dimensions = %s::jsonb""",
                      (source_id, region, period, code, dims)).fetchone()


def test_every_imdi_source_loads_with_names_resolved(loaded, db):
    for source_id in IMDI_SOURCES:
        assert loaded[source_id]["status"] == "success", source_id
        assert loaded[source_id]["quarantined"] == 0, source_id
    counts = dict(db.execute("SELECT source_id, count(*) FROM raw.observations WHERE source_id LIKE 'imdi-%' "
                             "GROUP BY 1").fetchall())
    assert counts == EXPECTED_ROWS
    # every kommune of today's geography on each page, by name only
    per_year = dict(db.execute("""SELECT period_id, count(DISTINCT region_code) FROM raw.observations
                                   WHERE source_id = 'imdi-bosetting' AND region_level = 'kommune' GROUP BY 1""").fetchall())
    assert per_year == {"2024": 357, "2025": 357}
    # each refresh records the methodology it was read under (the registry keeps only the current pin)
    pinned = dict(db.execute("""SELECT DISTINCT ON (source_id) source_id, details ->> 'methodology_version'
                                  FROM raw.ingest_runs WHERE source_id LIKE 'imdi-%'
                                 ORDER BY source_id, ingest_run_id DESC""").fetchall())
    assert pinned == {m.id: m.methodology_version for m in map(get_manifest, IMDI_SOURCES)}


def test_the_real_agder_figures_and_markers(loaded, db):
    # IMDi's real 2025 page: Arendal settled 86; Bygland ':'; Birkenes decided '-' (no decision)
    assert value(db, "imdi-bosetting", "4203", "2025", "BOSATTE") == (86, None)
    assert value(db, "imdi-bosetting", "4220", "2025", "BOSATTE") == (None, ":")
    assert value(db, "imdi-bosetting", "4216", "2025", "VEDTATT") == (None, "...")
    assert value(db, "imdi-bosetting", "4216", "2025", "ANMODET") == (0, None)  # a real zero stays 0
    assert value(db, "imdi-bosetting", "42", "2025", "BOSATTE") == (664, None)  # the fylke table
    assert value(db, "imdi-bosetting", "55", "2025", "BOSATTE_KOLLEKTIV") == (593, None)  # "Troms" → 55, not 19
    # the 2024 page: text for a pending decision, and a count of 3 IMDi did not hide
    assert value(db, "imdi-bosetting", "3405", "2024", "VEDTATT") == (None, "...")
    assert value(db, "imdi-bosetting", "1811", "2024", "BOSATTE") == (None, ":")
    codes = {c for (c,) in db.execute("SELECT DISTINCT contents_code FROM raw.observations "
                                      "WHERE source_id = 'imdi-bosetting' AND period_id = '2024'")}
    assert codes == {"ANMODET", "VEDTATT", "BOSATTE", "BOSATTE_UKRAINA"}  # that year's column set
    assert db.execute("SELECT count(*) FROM raw.observations WHERE source_id LIKE 'imdi-%' AND value > 0 AND value < 5 "
                      "AND contents_code NOT IN ('ANMODET', 'VEDTATT')").fetchone() == (0,)


def test_excel_download_with_and_without_kommunenummer(loaded, db):
    dims = '{"innvandringsgrunn": "Flukt", "kjonn": "Kvinner"}'
    # Agder rows have no kommunenummer in the file: resolved by name with the fylke as hint
    assert value(db, "imdi-innvandringsgrunn-kjonn", "4226", "2025", "INNVANDRERE", dims) == (86, None)
    assert value(db, "imdi-innvandringsgrunn-kjonn", "0301", "2025", "INNVANDRERE", dims) == (1361, None)
    same_name = db.execute("""SELECT count(DISTINCT region_code) FROM raw.observations
                               WHERE source_id = 'imdi-landbakgrunn' AND region_code IN ('3114', '3419')""").fetchone()
    assert same_name == (2,)  # Våler (Østfold) and Våler (Innlandet), told apart by their fylke
    assert db.execute("SELECT count(DISTINCT dimensions->>'landbakgrunn') FROM raw.observations "
                      "WHERE source_id = 'imdi-landbakgrunn' AND contents_code = 'LANDBAKGRUNN'").fetchone() == (6,)


def test_sensitive_policy_reaches_the_registry(loaded, db):
    policies = dict(db.execute("SELECT source_id, presentation_policy FROM raw.source_registry "
                               "WHERE source_id LIKE 'imdi-%'").fetchall())
    assert policies == {s: "sensitive" for s in IMDI_SOURCES}


def test_rerun_skips_unchanged_pages(loaded):
    result = pipeline.run_source("imdi-landbakgrunn", mode="replay")
    assert result["status"] == "skipped" and "unchanged" in result["reason"]
