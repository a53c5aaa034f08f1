"""folkehjelp-chapters against real PostgreSQL, through the real pipeline (`pipeline.run_source`,
replay mode), over the constructed folkehjelp.no and its later states (snapshot variants):

run 1 (62 URLs) → the same again (skipped) → run 2 (six lastmods moved: only those six are
fetched; three changed, one identical, one lost its heading, one answers 503) → run 3 (55 URLs:
seven chapters become inactive, history kept) → run 4 (40 URLs: fails before anything is
touched) → run 1 again (the seven come back). Then Brreg identity on extra entities, the
source's advisory lock, and the NGO marts built by dbt from what landed.

The module starts from no Folkehjelp state (the session's e2e demo scraped the site into the
same database) and cleans the Folkehjelp raw tables at the end, so later modules of the session
(the Red Cross marts' exact counts) see none of it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from atlas_ingest import pipeline, warehouse
from atlas_ingest.families.ngo_scrape.replay import variant_sources_dir
from atlas_ingest.families.ngo_scrape.sitemap_scrape import TooFewUrls
from atlas_ingest.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

SOURCE = "folkehjelp-chapters"
REFERENCE_SOURCES = ["ssb-klass-kommuner", "ssb-klass-fylker", "brreg-enheter"]
URL = "https://folkehjelp.no/lokallag/{}"
DROPPED = {"sanitet-haukeland", "svalbard", "senja", "vadsoe", "ski", "gran", "stord"}
RAW_TABLES = ["raw.folkehjelp_chapter_activities", "raw.folkehjelp_chapters", "raw.folkehjelp_chapter_placement",
              "raw.folkehjelp_brreg_matches"]
DBT = [str(Path(sys.executable).parent / "dbt")]


@contextlib.contextmanager
def site(variant: str | None, tmp: Path):
    """Run with the site in `variant`'s state (None = run 1, the repository's snapshots)."""
    if variant is None:
        yield
        return
    before = os.environ.get("ATLAS_SOURCES_DIR")
    os.environ["ATLAS_SOURCES_DIR"] = str(variant_sources_dir(SOURCE, variant, tmp / variant))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("ATLAS_SOURCES_DIR", None)
        else:
            os.environ["ATLAS_SOURCES_DIR"] = before


def state(url: str) -> dict:
    with warehouse.connect(url) as db:
        chapters = {r[0]: r[1:] for r in db.execute(
            "SELECT slug, record_hash, html_raw_hash, is_active, activities_section, ingest_run_id, loaded_at, "
            "brreg_orgnr, fylke_group_name, display_name FROM raw.folkehjelp_chapters")}
        activities = {}
        for slug, label in db.execute("SELECT slug, activity_label FROM raw.folkehjelp_chapter_activities "
                                      "ORDER BY slug, display_order"):
            activities.setdefault(slug, []).append(label)
        log = {r[0].rsplit("/", 1)[1]: r[1:] for r in db.execute(
            "SELECT url, lastmod, processed_lastmod, first_seen_at, last_seen_at FROM raw.sitemap_log "
            "WHERE source_id = %s", (SOURCE,))}
        activity_rows = {r[0]: r[1:] for r in db.execute(
            "SELECT slug || '|' || activity_label, ingest_run_id, loaded_at FROM raw.folkehjelp_chapter_activities")}
    return {"chapters": chapters, "activities": activities, "log": log, "activity_rows": activity_rows}


def last_run(url: str) -> tuple:
    with warehouse.connect(url) as db:
        return db.execute("SELECT ingest_run_id, status, step, details, error FROM raw.ingest_runs "
                          "WHERE source_id = %s ORDER BY ingest_run_id DESC LIMIT 1", (SOURCE,)).fetchone()


def run(variant: str | None, tmp: Path, url: str, **kwargs) -> dict:
    outcome: dict = {}
    with site(variant, tmp):
        try:
            outcome["result"] = pipeline.run_source(SOURCE, mode="replay", **kwargs)
        except Exception as exc:  # noqa: BLE001 - the failing run is part of the scenario
            outcome["error"] = exc
    outcome["run"] = last_run(url)
    outcome["state"] = state(url)
    return outcome


@pytest.fixture(scope="module")
def runs(warehouse_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("folkehjelp")
    # run 1 is a first run: the session's e2e demo may have scraped the site into this database
    forget_the_site(warehouse_url)
    for source_id in REFERENCE_SOURCES:
        assert pipeline.run_source(source_id, mode="replay", force=True)["status"] == "success"
    out = {"tmp": tmp}
    out["run1"] = run(None, tmp, warehouse_url)
    out["run1_again"] = run(None, tmp, warehouse_url)
    out["run2"] = run("run2-lastmod-moved", tmp, warehouse_url)
    out["run3"] = run("run3-55-urls", tmp, warehouse_url)
    out["run4"] = run("run4-40-urls", tmp, warehouse_url)
    out["run1_back"] = run(None, tmp, warehouse_url)
    yield out
    forget_the_site(warehouse_url)


def forget_the_site(url: str) -> None:
    """No Folkehjelp chapters, sitemap log or test entities in the warehouse."""
    with warehouse.connect(url) as db:
        for table in RAW_TABLES:
            db.execute(f"DELETE FROM {table} WHERE source_id = %s", (SOURCE,))
        db.execute("DELETE FROM raw.sitemap_log WHERE source_id = %s", (SOURCE,))
        db.execute("DELETE FROM raw.brreg_enheter WHERE orgnr LIKE '1999991%%'")
        db.commit()


def details(outcome: dict) -> dict:
    return outcome["run"][3]


# ------------------------------------------------------------------------------ run 1
def test_first_run_loads_the_whole_site(runs):
    first = runs["run1"]
    assert first["result"]["status"] == "success" and first["result"]["quarantined"] == 0
    d = details(first)
    assert (d["discovered"], d["to_fetch"], d["fetch_reasons"], d["fetched"], d["skipped_unchanged"]) == (
        62, 62, {"new": 62}, 62, 0)
    assert d["merge"]["chapters_inserted"] == 62 and d["merge"]["orphaned"] == 0
    assert d["unknown_labels"] == {"Minerydding": 1} and d["brreg_matches"] == {"override": 1, "unmatched": 2}
    s = first["state"]
    assert len(s["chapters"]) == 62 and all(c[2] for c in s["chapters"].values())
    assert sum(len(v) for v in s["activities"].values()) == 122
    assert s["activities"]["asker-og-baerum"] == ["Førstehjelp og redningstjeneste", "Sanitetsungdom", "Samfunnsarbeid",
                                                  "Flyktning og inkludering", "Internasjonale spørsmål",
                                                  "Solidaritetsungdom"]
    assert "alta" not in s["activities"] and s["chapters"]["alta"][3] == "empty"
    assert s["chapters"]["tromsoe"][8] == "Norsk Folkehjelp Tromsø"  # served NFD, stored NFC
    assert s["chapters"]["sentralt"][6] == "871033552" and s["chapters"]["heroey"][7] == "Møre og Romsdal"
    assert all(v[0] == v[1] for v in s["log"].values()) and len(s["log"]) == 62


def test_an_unchanged_site_skips_the_next_run(runs):
    again = runs["run1_again"]
    assert again["result"]["status"] == "skipped" and again["run"][1] == "skipped"
    assert details(again)["skipped_unchanged"] == 62
    assert again["state"] == runs["run1"]["state"]


# ------------------------------------------------------------------------------ run 2
def test_the_second_run_fetches_only_pages_whose_lastmod_moved(runs):
    second = runs["run2"]
    assert second["result"]["status"] == "success"
    d = details(second)
    assert (d["to_fetch"], d["fetch_reasons"], d["skipped_unchanged"]) == (6, {"moved": 6}, 56)
    assert (d["fetched"], d["fetch_failed"], d["heading_missing"]) == (5, 1, 1)
    m = d["merge"]
    assert (m["chapters_inserted"], m["chapters_changed"], m["chapters_unchanged"], m["chapters_kept_heading_missing"],
            m["orphaned"]) == (0, 3, 1, 1, 0)
    # the HTTP client asked for robots, two sitemaps, the index page and the six pages: nothing else
    with warehouse.connect() as db:
        requests = db.execute("SELECT requests FROM raw.ingest_runs WHERE ingest_run_id = %s",
                              (second["run"][0],)).fetchone()[0]
    assert requests == 1 + 2 + 1 + 6  # robots.txt once per client (one per run in-process, one per task in Airflow)


def test_only_changed_records_are_written(runs):
    before, after = runs["run1"]["state"], runs["run2"]["state"]
    changed = {s for s in after["chapters"] if after["chapters"][s] != before["chapters"][s]}
    assert changed == {"moss", "bodoe", "larvik"}
    assert after["activities"]["moss"] == ["Førstehjelp og redningstjeneste", "Sanitetsungdom",
                                           "Flyktning og inkludering"]
    assert after["activities"]["larvik"] == ["Førstehjelp og redningstjeneste", "Samfunnsarbeid"]
    # children rewritten only for the changed parents; every other activity row untouched
    untouched = {k: v for k, v in after["activity_rows"].items() if k.split("|")[0] not in changed}
    assert untouched == {k: v for k, v in before["activity_rows"].items() if k.split("|")[0] not in changed}
    # skien moved with identical content: its new html_raw_hash is not even written
    assert after["chapters"]["skien"] == before["chapters"]["skien"]


def test_a_missing_heading_keeps_the_previous_activities_and_a_failed_page_keeps_its_row(runs):
    before, after = runs["run1"]["state"], runs["run2"]["state"]
    assert after["chapters"]["hamar"] == before["chapters"]["hamar"]
    assert after["activities"]["hamar"] == before["activities"]["hamar"] == [
        "Førstehjelp og redningstjeneste", "Sanitetsungdom", "Flyktning og inkludering"]
    assert after["chapters"]["drammen"] == before["chapters"]["drammen"]
    # neither was loaded: the log keeps the old processed lastmod, so both are fetched next run
    for slug in ("hamar", "drammen"):
        lastmod, processed = after["log"][slug][:2]
        assert processed == before["log"][slug][1] and lastmod > processed
    warnings = details(runs["run2"])["warnings"]
    assert any("hamar" in w and "template change" in w for w in warnings)
    assert any("drammen failed" in w and "503" in w for w in warnings)


# ------------------------------------------------------------------------------ run 3
def test_chapters_that_leave_the_sitemap_become_inactive_not_deleted(runs):
    third = runs["run3"]
    assert third["result"]["status"] == "success"
    d = details(third)
    assert d["discovered"] == 55 and d["merge"]["orphaned"] == 7
    assert {u.rsplit("/", 1)[1] for u in d["merge"]["orphaned_urls"]} == DROPPED
    s = third["state"]
    assert len(s["chapters"]) == 62
    assert {slug for slug, c in s["chapters"].items() if not c[2]} == DROPPED
    assert s["activities"]["stord"] == runs["run2"]["state"]["activities"]["stord"]  # history kept
    # the two pages run 2 could not load are fetched again (their lastmod moved past the loaded one)
    assert (d["fetch_reasons"], d["fetched"], d["merge"]["chapters_changed"], d["merge"]["chapters_unchanged"]) == (
        {"moved": 2}, 2, 1, 1)
    assert s["activities"]["drammen"] == ["Førstehjelp og redningstjeneste", "Samfunnsarbeid",
                                          "Flyktning og inkludering"]
    assert s["log"]["hamar"][1] == s["log"]["hamar"][0]


def test_forty_urls_fail_without_orphaning(runs):
    fourth = runs["run4"]
    assert isinstance(fourth["error"], TooFewUrls)
    assert "40 page URL(s)" in str(fourth["error"]) and "min_discovered_urls 50" in str(fourth["error"])
    run_id, status, step, _details, error = fourth["run"]
    assert (status, step) == ("failed", "discover") and "TooFewUrls" in error
    assert fourth["state"] == runs["run3"]["state"]  # nothing marked inactive, nothing logged


def test_chapters_listed_again_come_back(runs):
    back = runs["run1_back"]
    assert back["result"]["status"] == "success"
    d = details(back)
    assert d["fetched"] == 0 and d["merge"]["reactivated"] == 7 and d["merge"]["orphaned"] == 0
    assert all(c[2] for c in back["state"]["chapters"].values())


# ------------------------------------------------------------------------------ identity, lock
ENTITIES = [
    ("199999101", "NORSK FOLKEHJELP BERGEN", "4601"),                  # exact
    ("199999102", "NORSK FOLKEHJELP LØRENSKOG", "3029"),               # fuzzy (1): lorenskog ~ loerenskog
    ("199999103", "NORSK FOLKEHJELP SØR-VARANGER", "5444"),            # fuzzy (1)
    ("199999104", "NORSK FOLKEHJELP ÅLESUND OG OMEGN", "1507"),        # fuzzy (1)
    ("199999105", "NORSK FOLKEHJELP VOLDA", "1577"),                   # no page: Brreg-only, kommune 1577
    ("199999106", "NORSK FOLKEHJELPS VENNER", "0301"),                 # not a chapter (not the prefix word)
]


@pytest.fixture(scope="module")
def identity_run(runs, warehouse_url):
    with warehouse.connect(warehouse_url) as db:
        for orgnr, navn, kommune in ENTITIES:
            db.execute("""INSERT INTO raw.brreg_enheter (orgnr, source_id, navn, organisasjonsform,
                                 forretningsadresse_kommunenummer, matched_ngo_slugs, seen_via, raw_payload,
                                 record_hash, ingest_run_id)
                          VALUES (%s, 'brreg-enheter', %s, 'FLI', %s, '{folkehjelp}', 'search', '{}', 'x', 1)""",
                       (orgnr, navn, kommune))
        db.commit()
    before = state(warehouse_url)
    outcome = run(None, runs["tmp"], warehouse_url, force=True)
    return {"before": before, **outcome}


def test_brreg_entities_are_matched_to_slugs(identity_run, db):
    assert identity_run["result"]["status"] == "success"
    matches = {r[0]: r[1:] for r in db.execute(
        "SELECT orgnr, slug, method, distance FROM raw.folkehjelp_brreg_matches WHERE source_id = %s", (SOURCE,))}
    db.commit()
    assert matches["199999101"] == ("bergen", "exact", None)
    assert matches["199999102"] == ("loerenskog", "fuzzy", 1)
    assert matches["199999103"] == ("soer-varanger", "fuzzy", 1)
    assert matches["199999104"] == ("aalesund-og-omegn", "fuzzy", 1)
    assert matches["199999105"] == (None, "unmatched", None)
    assert matches["871033552"] == ("sentralt", "override", None)
    assert "199999106" not in matches
    fuzzy = [w for w in details(identity_run)["warnings"] if w.startswith("fuzzy match for review")]
    assert len(fuzzy) == 3


def test_relinking_writes_the_orgnr_without_touching_records_or_activities(identity_run):
    before, after = identity_run["before"], identity_run["state"]
    assert after["chapters"]["bergen"][6] == "199999101" and after["chapters"]["loerenskog"][6] == "199999102"
    d = details(identity_run)
    # a forced run re-reads every page of run 1's site: the four pages runs 2-3 changed go back to
    # their run-1 content; every other record, and its activities, is left exactly as it was
    reverted = {"moss", "bodoe", "larvik", "drammen"}
    assert d["fetch_reasons"] == {"forced": 62} and d["merge"]["chapters_changed"] == 4
    assert d["merge"]["relinked_orgnr"] == 4
    assert {k: v for k, v in after["activity_rows"].items() if k.split("|")[0] not in reverted} == \
        {k: v for k, v in before["activity_rows"].items() if k.split("|")[0] not in reverted}
    assert {s: c[:6] for s, c in after["chapters"].items() if s not in reverted} == \
        {s: c[:6] for s, c in before["chapters"].items() if s not in reverted}
    assert after["activities"]["moss"] == ["Førstehjelp og redningstjeneste", "Sanitetsungdom"]


def test_the_load_waits_for_the_sources_advisory_lock(identity_run, warehouse_url, monkeypatch):
    monkeypatch.setattr(warehouse, "source_lock", functools.partial(warehouse.source_lock, wait_seconds=1))
    before = state(warehouse_url)
    with warehouse.connect(warehouse_url) as holder, warehouse.source_lock(holder, SOURCE):
        with pytest.raises(warehouse.SourceLocked, match="another run holds the load lock"):
            pipeline.run_source(SOURCE, mode="replay", force=True)
    assert state(warehouse_url) == before


# ------------------------------------------------------------------------------ the marts
@pytest.fixture(scope="module")
def marts(identity_run, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("folkehjelp-dbt")
    result = subprocess.run(
        [*DBT, "build", "--indirect-selection", "buildable", "--select", "+chapter_kommune_coverage",
         "+fact_chapter_activities", "+dim_activity", "folkehjelp_activity_category", "--project-dir",
         "include/dbt/atlas", "--profiles-dir", "include/dbt/atlas", "--target-path", str(tmp / "target"),
         "--log-path", str(tmp / "logs")],
        env={**os.environ}, capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stdout[-5000:]
    return result.stdout


def test_dim_chapter_has_the_web_chapters_and_the_brreg_only_ones(marts, db):
    rows = {r[0]: r[1:] for r in db.execute(
        "SELECT chapter_id, chapter_level, parent_chapter_id, chapter_orgnr, kommune_nr, kommune_scope, is_active, "
        "chapter_subtype, source_url FROM marts.dim_chapter WHERE ngo_slug = 'folkehjelp'")}
    db.commit()
    assert len(rows) == 62 + 3  # the pages + Brreg-only: Volda and the two constructed EKSEMPELBYGD entities
    assert rows["folkehjelp-sentralt"][:3] == ("national", None, "871033552")
    assert rows["folkehjelp-nordland"][:2] == ("regional", "folkehjelp-sentralt")
    assert rows["folkehjelp-bodoe"][:2] == ("local", "folkehjelp-nordland")
    assert rows["folkehjelp-bergen"] == ("local", None, "199999101", "4601", "kommune", True, "lokallag",
                                         "https://folkehjelp.no/lokallag/bergen")
    assert rows["folkehjelp-asker-og-baerum"][3:5] == (None, "multi_kommune")
    assert rows["folkehjelp-svalbard"][3:5] == (None, "none")
    assert rows["folkehjelp-solidaritetsungdom-bergen"][3:] == (
        "4601", "kommune", True, "youth-political", "https://folkehjelp.no/lokallag/solidaritetsungdom-bergen")
    assert rows["folkehjelp-brreg-199999105"] == (
        "local", None, "199999105", "1577", "kommune", False, "brreg_only", None)


def test_coverage_direct_inferred_and_override(marts, db):
    coverage = {}
    for chapter_id, kommune_nr, source in db.execute(
            "SELECT chapter_id, kommune_nr, source FROM marts.chapter_kommune_coverage WHERE ngo_slug = 'folkehjelp'"):
        coverage.setdefault(chapter_id, set()).add((kommune_nr, source))
    db.commit()
    assert coverage["folkehjelp-asker-og-baerum"] == {("3201", "direct"), ("3203", "direct")}
    assert coverage["folkehjelp-solidaritetsungdom-bergen"] == {("4601", "override")}
    assert coverage["folkehjelp-rogaland"] == {(k, "inferred") for k in ("1103", "1106", "1108", "1149")}
    assert coverage["folkehjelp-innlandet"] == {(k, "inferred") for k in ("3403", "3405", "3407", "3420", "3446")}
    assert coverage["folkehjelp-brreg-199999105"] == {("1577", "direct")}  # a Brreg-only entity's address
    assert "folkehjelp-svalbard" not in coverage and "folkehjelp-sentralt" not in coverage


def test_dim_activity_and_the_fact(marts, db):
    acts = {r[0]: r[1:] for r in db.execute(
        "SELECT activity_id, canonical_name, service_category_code, is_mapped, active_chapters "
        "FROM marts.dim_activity WHERE ngo_slug = 'folkehjelp'")}
    facts = db.execute("SELECT count(*), count(*) FILTER (WHERE service_category_code IS NULL) "
                       "FROM marts.fact_chapter_activities WHERE ngo_slug = 'folkehjelp'").fetchone()
    db.commit()
    assert len(acts) == 7
    assert acts["folkehjelp-flyktning-og-inkludering"] == ("Flyktning og inkludering", "language_practice", True, 20)
    assert acts["folkehjelp-forstehjelp-og-redningstjeneste"][1] == "rescue_corps"
    assert acts["folkehjelp-minerydding"] == ("Minerydding", None, False, 1)
    assert facts == (122, 1)
    assert "WARN 1 folkehjelp_activity_is_a_reviewed_bin" in marts
