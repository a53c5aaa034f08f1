"""folkehjelp-chapters and the sitemap_scrape kind, without a database: golden fixtures of the pure
page parser, the sitemap and index parsers, the incremental planner, Brreg identity matching,
slug placement, the parse step's tables over the constructed site, and discover/fetch in replay
(robots, the URL floor, warn-and-continue)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from atlas_ingest.families.folkehjelp import identity, page, places
from atlas_ingest.families.folkehjelp import parse as fh_parse
from atlas_ingest.families.folkehjelp.overrides import Overrides, OverridesError, load_overrides, validate_overrides
from atlas_ingest.families.ngo.text import slugify
from atlas_ingest.families.ngo_scrape import replay, sitemap_scrape
from atlas_ingest.families.ngo_scrape.sitemap_scrape import (
    PageToFetch,
    ScrapeDiscoveryError,
    SitemapScrapeAdapter,
    SiteUnavailable,
    TooFewUrls,
    page_entries,
    plan_fetches,
)
from atlas_ingest.formats.sitemap import SitemapEntry, SitemapError, parse_lastmod, parse_sitemap
from atlas_ingest.geo import Gazetteer
from atlas_ingest.http import HttpClient, RobotsDisallowed, UpstreamError
from atlas_ingest.kinds import Fetched, RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import get_manifest
from atlas_ingest.settings import DBT_PROJECT_DIR, SOURCES_DIR

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "resources" / "folkehjelp"
FOLDER = SOURCES_DIR / "folkehjelp-chapters"
SNAPSHOTS = FOLDER / "snapshots"
SOURCE = "folkehjelp-chapters"
URL = "https://folkehjelp.no/lokallag/{}"
PATTERN = r"^https://folkehjelp\.no/lokallag/[a-z0-9-]+$"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_snapshots()


@pytest.fixture(scope="module")
def overrides() -> Overrides:
    return load_overrides(FOLDER / "overrides.json")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# ------------------------------------------------------------------------------ golden fixtures
GOLDEN_CASES = {
    "asker-og-baerum": "asker-og-baerum",        # typical: all six bins, decoys before and after
    "alta": "alta",                              # heading present, no <h4>: zero activities
    "solidaritetsungdom-bergen": "solidaritetsungdom-bergen",  # non-geographic; bins wrapped in a <div>
    "heading-missing": "gran",                   # template change: no Aktivitetsområder heading
    "unknown-label": "haugesund",                # a seventh label; a label listed twice; <title> fallback
    "nfd": "tromsoe",                            # NFD-encoded page
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_fixture(name):
    html = (GOLDEN / f"{name}.html").read_bytes()
    expected = json.loads((GOLDEN / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert page.parse(html, URL.format(GOLDEN_CASES[name])).to_json() == expected


def test_golden_cases_say_what_they_test():
    typical = json.loads((GOLDEN / "asker-og-baerum.expected.json").read_text(encoding="utf-8"))
    assert typical["activities"] == list(page.KNOWN_BINS)
    assert typical["display_name"] == "Norsk Folkehjelp Asker og Bærum"
    empty = json.loads((GOLDEN / "alta.expected.json").read_text(encoding="utf-8"))
    assert (empty["activities_section"], empty["activities"], empty["warnings"]) == ("empty", [], [])
    missing = json.loads((GOLDEN / "heading-missing.expected.json").read_text(encoding="utf-8"))
    assert missing["activities_section"] == "missing" and "template change" in missing["warnings"][0]
    unknown = json.loads((GOLDEN / "unknown-label.expected.json").read_text(encoding="utf-8"))
    assert unknown["unknown_labels"] == ["Minerydding"]
    assert "'Minerydding'" in unknown["warnings"][0] and "'haugesund'" in unknown["warnings"][0]


def test_an_nfd_page_gives_the_same_record_and_hash_as_nfc():
    nfd = (GOLDEN / "nfd.html").read_bytes()
    nfc = (GOLDEN / "nfc-twin.html").read_bytes()
    assert nfd != nfc and "å".encode() not in nfd
    a, b = page.parse(nfd, URL.format("tromsoe")), page.parse(nfc, URL.format("tromsoe"))
    assert a.record == b.record and a.record.record_hash == b.record.record_hash
    assert "Internasjonale spørsmål" in a.record.activities  # NFC (å precomposed)


def test_record_hash_ignores_the_html_but_not_the_record():
    html = (SNAPSHOTS / "lokallag" / "skien.html").read_text(encoding="utf-8")
    moved = (SNAPSHOTS / "variants" / "run2-lastmod-moved" / "lokallag" / "skien.html").read_text(encoding="utf-8")
    assert html != moved  # another CSRF token
    def record_hash(text: str) -> str:
        return page.parse(text, URL.format("skien")).record.record_hash

    assert record_hash(html) == record_hash(moved)
    assert record_hash(html.replace("<h4>Flyktning og inkludering</h4>", "")) != record_hash(html)


def test_a_url_without_a_slug_is_refused():
    with pytest.raises(page.PageError, match="no chapter slug"):
        page.parse("<h1>x</h1>", "https://folkehjelp.no/lokallag/Oslo")


# ------------------------------------------------------------------------------ the index page
def test_index_page_groups_chapters_under_their_fylke_heading():
    parsed = page.parse_index((SNAPSHOTS / "lokallag.html").read_bytes(), "https://folkehjelp.no/lokallag", PATTERN)
    assert len(parsed.groups) == 62
    assert parsed.groups["heroey"] == "Møre og Romsdal" and parsed.groups["asker-og-baerum"] == "Akershus"
    assert parsed.groups["sentralt"] == "Landsdekkende" and parsed.names["loerenskog"] == "Norsk Folkehjelp Lørenskog"
    assert "/lokallag" not in parsed.groups  # the nav link to the index itself is no chapter


def test_an_index_page_without_chapter_links_is_an_error_the_parse_step_degrades_on():
    with pytest.raises(page.PageError, match="links to no chapter"):
        page.parse_index("<h2>Oslo</h2><a href='/om-oss'>Om oss</a>", "https://folkehjelp.no/lokallag", PATTERN)


# ------------------------------------------------------------------------------ sitemaps
def test_sitemap_index_and_urlset():
    index = parse_sitemap((SNAPSHOTS / "sitemaps-1-sitemap.xml").read_bytes(), "idx")
    assert index.kind == "index" and len(index.entries) == 11
    assert "https://folkehjelp.no/sitemaps-1-section-localBranch-1-sitemap.xml" in [e.loc for e in index.entries]
    urlset = parse_sitemap((SNAPSHOTS / "sitemaps-1-section-localBranch-1-sitemap.xml").read_bytes(), "sub")
    assert urlset.kind == "urlset" and len(urlset.entries) == 64 and urlset.bad_lastmod == []
    kept, ignored = page_entries(urlset.entries, PATTERN)
    assert len(kept) == 62 and ignored == ["https://folkehjelp.no/lokallag", "https://www.folkehjelp.no/lokallag/oslo"]


def test_lastmod_forms():
    assert parse_lastmod("2026-03-15") == utc(2026, 3, 15)
    assert parse_lastmod("2026-03-15T10:11:12+01:00") == utc(2026, 3, 15, 9, 11, 12)
    assert parse_lastmod("2026-03-15T10:11:12.5Z") == utc(2026, 3, 15, 10, 11, 12)
    assert parse_lastmod("2026-03-15T10:11+0200") == utc(2026, 3, 15, 8, 11)
    assert parse_lastmod("15.03.2026") is None and parse_lastmod("2026-02-30") is None and parse_lastmod(None) is None


def test_bad_sitemaps_are_clear_errors():
    with pytest.raises(SitemapError, match="not well-formed"):
        parse_sitemap(b"<html>oops", "https://folkehjelp.no/x.xml")
    with pytest.raises(SitemapError, match="neither"):
        parse_sitemap(b"<rss/>", "https://folkehjelp.no/x.xml")
    doc = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a/b</loc>'
           b"<lastmod>yesterday</lastmod></url></urlset>")
    parsed = parse_sitemap(doc, "x")
    assert parsed.entries == [SitemapEntry("https://a/b", None)] and parsed.bad_lastmod == ["https://a/b"]
    # entities are never resolved
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&e;</loc></url></urlset>')
    assert all("root:" not in e.loc for e in parse_sitemap(evil, "x").entries)


def test_duplicate_urls_keep_the_latest_lastmod():
    entries = [SitemapEntry(URL.format("oslo"), utc(2026, 1, 1)), SitemapEntry(URL.format("oslo"), utc(2026, 2, 1)),
               SitemapEntry(URL.format("oslo"), None)]
    assert page_entries(entries, PATTERN)[0] == [SitemapEntry(URL.format("oslo"), utc(2026, 2, 1))]


# ------------------------------------------------------------------------------ incremental planning
def test_plan_fetches_only_what_is_new_moved_or_not_loaded():
    a, b, c, d, e = (URL.format(s) for s in "abcde")
    entries = [SitemapEntry(a, utc(2026, 1, 1)), SitemapEntry(b, utc(2026, 2, 1)), SitemapEntry(c, utc(2026, 1, 1)),
               SitemapEntry(d, None), SitemapEntry(e, utc(2026, 1, 1))]
    processed = {a: utc(2026, 1, 1), b: utc(2026, 1, 1), c: None, d: utc(2025, 1, 1)}
    fetch, unchanged = plan_fetches(entries, processed=processed, records=[a, b, c, d])
    assert [(p.url, p.reason) for p in fetch] == [(b, "moved"), (c, "unprocessed"), (d, "no_lastmod"), (e, "new")]
    assert unchanged == [a]
    # a record that was removed from raw is fetched again even when the log says it was loaded
    assert [p.reason for p in plan_fetches(entries[:1], processed=processed, records=[])[0]] == ["new"]
    forced, none = plan_fetches(entries, processed=processed, records=[a, b, c, d], force=True)
    assert {p.reason for p in forced} == {"forced"} and none == []
    assert isinstance(forced[0], PageToFetch)


# ------------------------------------------------------------------------------ identity
def test_name_keys_follow_the_research_rule():
    assert identity.name_key("NORSK FOLKEHJELP SØR-VARANGER") == "sor-varanger"
    assert identity.name_key("Norsk Folkehjelp Asker og Bærum") == "asker-og-baerum"
    assert identity.name_key("NORSK FOLKEHJELP ÅLESUND OG OMEGN") == "alesund-og-omegn"
    assert identity.name_key("NORSK FOLKEHJELP") == ""
    assert identity.name_key("soer-varanger") == "soer-varanger"
    assert identity.name_key("Norsk Folkehjelp Sanitet, Haukeland (sykehus)") == "sanitet-haukeland-sykehus"


def test_matching_override_then_exact_then_fuzzy():
    E = identity.BrregEntity
    entities = [
        E("871033552", "NORSK FOLKEHJELP"),                       # override -> sentralt
        E("100000001", "NORSK FOLKEHJELP ASKER OG BÆRUM"),        # exact
        E("100000002", "NORSK FOLKEHJELP LØRENSKOG"),             # fuzzy: lorenskog ~ loerenskog (1)
        E("100000003", "NORSK FOLKEHJELP SØR-VARANGER"),          # fuzzy: sor-varanger ~ soer-varanger (1)
        E("100000004", "NORSK FOLKEHJELP MOSS"),                  # no slug moss: must NOT meet voss
        E("100000005", "NORSK FOLKEHJELP BRREG-ONLY"),            # override null
        E("100000006", "NORSK FOLKEHJELP SANITET EKSEMPELBYGD (KONSTRUERT)"),
    ]
    slugs = ["sentralt", "asker-og-baerum", "loerenskog", "soer-varanger", "voss"]
    ov = Overrides(brreg_to_slug={"871033552": "sentralt", "100000005": None})
    matches, warnings = identity.match_entities(entities, slugs, ov)
    got = {m.orgnr: (m.slug, m.method, m.distance) for m in matches}
    assert got == {
        "100000001": ("asker-og-baerum", "exact", None),
        "100000002": ("loerenskog", "fuzzy", 1),
        "100000003": ("soer-varanger", "fuzzy", 1),
        "100000004": (None, "unmatched", None),
        "100000005": (None, "override_brreg_only", None),
        "100000006": (None, "unmatched", None),
        "871033552": ("sentralt", "override", None),
    }
    fuzzy = [w for w in warnings if w.startswith("fuzzy match for review")]
    assert len(fuzzy) == 2 and "LØRENSKOG" in fuzzy[1] + fuzzy[0]


def test_overrides_win_and_a_slug_is_claimed_once():
    E = identity.BrregEntity
    entities = [E("100000001", "NORSK FOLKEHJELP OSLO"), E("100000002", "NORSK FOLKEHJELP OSLO SANITET")]
    # the override sends the exact-looking entity elsewhere; the other cannot take oslo by distance
    ov = Overrides(brreg_to_slug={"100000002": "oslo"})
    got = {m.orgnr: (m.slug, m.method) for m in identity.match_entities(entities, ["oslo", "bergen"], ov)[0]}
    assert got == {"100000001": (None, "unmatched"), "100000002": ("oslo", "override")}


def test_a_fuzzy_tie_is_no_match():
    E = identity.BrregEntity
    matches, warnings = identity.match_entities([E("100000001", "NORSK FOLKEHJELP BODA")], ["bodo", "bodi"],
                                                Overrides())
    assert (matches[0].slug, matches[0].method) == (None, "unmatched") and "ambiguous" in matches[0].note
    assert any("several slugs" in w for w in warnings)


def test_the_committed_overrides_file_validates(overrides):
    assert overrides.brreg_to_slug == {"871033552": "sentralt"}
    assert overrides.subtype_rule("solidaritetsungdom-bergen") == ("solidaritetsungdom-*", "youth-political")
    assert overrides.subtype_rule("sanitet-haukeland") == ("sanitet-haukeland", "hospital")
    assert overrides.subtype_rule("studentgruppe-ntnu") == ("studentgruppe-*", "student")
    assert overrides.kommune_override("svalbard") == (True, [])
    assert overrides.kommune_override("oslo") == (False, [])


@pytest.mark.parametrize("data, problem", [
    ({"brreg_to_slug": {"12345": "oslo"}}, "nine-digit"),
    ({"slug_to_kommune_nr": {"oslo": "301"}}, "four-digit"),
    ({"slug_to_chapter_subtype": {"oslo": "club"}}, "unknown subtype"),
    ({"slug_to_chapter_subtype": {"Oslo*": "student"}}, "pattern"),
    ({"slug_to_kommune": {}}, "Extra inputs"),
])
def test_malformed_overrides_name_the_entry(data, problem):
    with pytest.raises(OverridesError, match=problem) as err:
        validate_overrides(data, "overrides.json")
    assert "overrides.json: invalid overrides" in str(err.value)


# ------------------------------------------------------------------------------ placement
@pytest.mark.parametrize("slug, group, expected", [
    ("oslo", "Oslo", ("local", "lokallag", "kommune", ("0301",), "direct", "name+fylke")),
    ("asker-og-baerum", "Akershus", ("local", "lokallag", "multi_kommune", ("3203", "3201"), "direct", "name+fylke")),
    ("loerenskog", None, ("local", "lokallag", "kommune", ("3222",), "direct", "name")),
    ("soer-varanger", "Finnmark", ("local", "lokallag", "kommune", ("5605",), "direct", "name+fylke")),
    ("aalesund-og-omegn", "Møre og Romsdal", ("local", "lokallag", "kommune", ("1508",), "direct", "name+fylke")),
    ("heroey", "Møre og Romsdal", ("local", "lokallag", "kommune", ("1515",), "direct", "name+fylke")),
    ("heroey", "Nordland", ("local", "lokallag", "kommune", ("1818",), "direct", "name+fylke")),
    ("heroey", None, ("local", "lokallag", "none", (), None, "unresolved")),
    ("foerde", "Vestland", ("local", "lokallag", "kommune", ("4647",), "direct", "name+fylke")),  # Førde -> Sunnfjord
    ("nordland", "Nordland", ("regional", "regional", "region", (), None, "fylke")),
    ("troms", "Troms", ("regional", "regional", "region", (), None, "fylke")),
    ("oslo", "Landsdekkende", ("local", "lokallag", "kommune", ("0301",), "direct", "name")),  # a non-fylke heading
    ("solidaritetsungdom-bergen", "Vestland",
     ("local", "youth-political", "kommune", ("4601",), "override", "override")),
    ("solidaritetsungdom-trondheim", None, ("local", "youth-political", "kommune", ("5001",), "direct", "name")),
    ("sentralt", None, ("national", "umbrella", "region", (), None, "override")),
    ("svalbard", "Svalbard", ("local", "lokallag", "none", (), None, "override")),
    ("bergen-sentrum-xyz", "Vestland", ("local", "lokallag", "none", (), None, "unresolved")),
])
def test_placement(gaz, overrides, slug, group, expected):
    p = places.place(slug, gazetteer=gaz, overrides=overrides, fylke_group_name=group)
    got = (p.chapter_level, p.chapter_subtype, p.kommune_scope, p.kommune_nrs, p.kommune_source, p.resolution)
    assert got == expected


def test_placement_notes_say_why(gaz, overrides):
    assert "og omegn" in places.place("aalesund-og-omegn", gazetteer=gaz, overrides=overrides).resolution_note
    assert places.place("nordland", gazetteer=gaz, overrides=overrides).fylke_nr == "18"
    assert "2 different kommuner" in places.place("heroey", gazetteer=gaz, overrides=overrides).resolution_note


# ------------------------------------------------------------------------------ the parse step (pure core)
def site_inputs(variant: str | None = None):
    index = SNAPSHOTS / ("index.json" if variant is None else f"variants/{variant}/index.json")
    entries = {e["request"]["url"]: e for e in json.loads(index.read_text(encoding="utf-8"))["entries"]}
    sub = entries["https://folkehjelp.no/sitemaps-1-section-localBranch-1-sitemap.xml"]
    found, _ = sitemap_scrape.discovered_pages([("sub", (SNAPSHOTS / sub["file"]).read_bytes())], PATTERN)
    return entries, found


def pages_of(entries, found, slugs=None):
    out = []
    for e in found:
        slug = e.loc.rsplit("/", 1)[1]
        if slugs is not None and slug not in slugs:
            continue
        rec = entries[e.loc]
        status = rec.get("status", 200)
        body = (SNAPSHOTS / rec["file"]).read_bytes()
        out.append(fh_parse.PageBody(e.loc, e.lastmod, status, body if status == 200 else b"",
                                     None if status == 200 else f"HTTP {status}"))
    return out


def build(gaz, overrides, variant=None, slugs=None, index_ok=True, brreg=(), stored=None):
    entries, found = site_inputs(variant)
    index_file = SNAPSHOTS / entries["https://folkehjelp.no/lokallag"]["file"]
    return fh_parse.build(source_id=SOURCE, entries=found, pages=pages_of(entries, found, slugs),
                          index_html=index_file.read_bytes() if index_ok else None,
                          index_url="https://folkehjelp.no/lokallag", index_error=None if index_ok else "HTTP 500",
                          url_pattern=PATTERN, stored_groups=stored or {}, brreg=brreg, gazetteer=gaz,
                          overrides=overrides)


def test_first_run_tables_over_the_constructed_site(gaz, overrides):
    built = build(gaz, overrides, brreg=[identity.BrregEntity("871033552", "NORSK FOLKEHJELP")])
    rows = built.rows
    assert {t: len(r) for t, r in rows.items()} == {
        "raw.sitemap_log": 62, "raw.folkehjelp_chapters": 62, "raw.folkehjelp_chapter_activities": 122,
        "raw.folkehjelp_chapter_placement": 62, "raw.folkehjelp_brreg_matches": 1}
    assert built.details["placement"] == {"levels": {"local": 58, "regional": 3, "national": 1},
                                          "resolutions": {"name+fylke": 54, "fylke": 3, "override": 5}}
    assert built.details["unknown_labels"] == {"Minerydding": 1} and built.details["warning_count"] == 1
    chapters = {r["slug"]: r for r in rows["raw.folkehjelp_chapters"]}
    assert chapters["sentralt"]["brreg_orgnr"] == "871033552"
    assert chapters["heroey"]["fylke_group_name"] == "Møre og Romsdal"
    assert chapters["alta"]["activities_section"] == "empty"
    assert all(r["processed_lastmod"] == r["lastmod"] for r in rows["raw.sitemap_log"])
    unknown = [r for r in rows["raw.folkehjelp_chapter_activities"] if not r["is_known_bin"]]
    assert [(r["slug"], r["activity_label"], r["activity_slug"]) for r in unknown] == [
        ("haugesund", "Minerydding", "minerydding")]


def test_missing_heading_and_failed_pages_do_not_advance_the_log(gaz, overrides):
    built = build(gaz, overrides, variant="run2-lastmod-moved",
                  slugs={"moss", "bodoe", "larvik", "skien", "hamar", "drammen"})
    assert (built.details["fetched"], built.details["fetch_failed"], built.details["heading_missing"]) == (5, 1, 1)
    log = {r["url"].rsplit("/", 1)[1]: r for r in built.rows["raw.sitemap_log"]}
    advanced = {s for s, r in log.items() if r["processed_lastmod"]}
    assert advanced == {"moss", "bodoe", "larvik", "skien"}
    chapters = {r["slug"]: r["activities_section"] for r in built.rows["raw.folkehjelp_chapters"]}
    assert chapters == {"moss": "listed", "bodoe": "listed", "larvik": "listed", "skien": "listed", "hamar": "missing"}
    assert not [r for r in built.rows["raw.folkehjelp_chapter_activities"] if r["slug"] == "hamar"]
    assert any("drammen failed" in w for w in built.warnings)


def test_a_failed_index_page_degrades_to_the_stored_grouping(gaz, overrides):
    built = build(gaz, overrides, slugs={"heroey"}, index_ok=False, stored={"heroey": "Nordland"})
    assert built.details["index_page_ok"] is False
    assert any("index page" in w and "failed" in w for w in built.warnings)
    placement = {r["slug"]: r for r in built.rows["raw.folkehjelp_chapter_placement"]}
    assert placement["heroey"]["kommune_nrs"] == "{1818}"  # the stored heading is the hint
    assert placement["bergen"]["fylke_group_name"] is None and placement["bergen"]["kommune_nrs"] == "{4601}"


# ------------------------------------------------------------------------------ discover and fetch (replay)
def ctx_for(snapshot_dir: Path, tmp_path: Path, force: bool = False) -> RunContext:
    m = get_manifest(SOURCE)
    client = HttpClient(source_id=m.id, snapshot_dir=snapshot_dir, mode="replay", respect_robots=True)
    return RunContext(manifest=m, run_key="t", client=client, landing=LandingStore(str(tmp_path / "landing")),
                      force=force)


@pytest.fixture
def no_warehouse(monkeypatch):
    state = {"processed": {}, "records": set(), "after": {"brreg-enheter": 7, "ssb-klass-kommuner": 1}}
    monkeypatch.setattr(sitemap_scrape, "read_state", lambda *a: (state["processed"], state["records"], state["after"]))
    return state


def variant_snapshots(tmp_path: Path, variant: str) -> Path:
    return replay.variant_sources_dir(SOURCE, variant, tmp_path / "sources") / SOURCE / "snapshots"


def test_discover_plans_every_new_page_and_the_index(no_warehouse, tmp_path):
    plan = SitemapScrapeAdapter().discover(ctx_for(SNAPSHOTS, tmp_path))
    assert (plan.notes["discovered"], plan.notes["ignored_urls"], plan.notes["fetch_reasons"]) == (62, 2, {"new": 62})
    assert plan.requests[0].role == "index" and len(plan.requests) == 63
    assert [f.role for f in plan.fetched] == ["sitemap_index", "sitemap"]
    assert plan.upstream_version.startswith("sitemap:") and not plan.skip


def test_discover_skips_when_nothing_moved_and_nothing_else_changed(no_warehouse, tmp_path):
    first = SitemapScrapeAdapter().discover(ctx_for(SNAPSHOTS, tmp_path))
    entries, found = site_inputs()
    no_warehouse["processed"] = {e.loc: e.lastmod for e in found}
    no_warehouse["records"] = {e.loc for e in found}
    ctx = ctx_for(SNAPSHOTS, tmp_path)
    ctx.last_success = {"upstream_version": first.upstream_version}
    again = SitemapScrapeAdapter().discover(ctx)
    assert again.skip and again.notes["skipped_unchanged"] == 62 and len(again.requests) == 1
    no_warehouse["after"]["brreg-enheter"] = 8  # Brreg loaded again: identity must be re-matched
    assert not SitemapScrapeAdapter().discover(ctx).skip


def test_the_second_run_fetches_only_the_moved_pages(no_warehouse, tmp_path):
    entries, found = site_inputs()
    no_warehouse["processed"] = {e.loc: e.lastmod for e in found}
    no_warehouse["records"] = {e.loc for e in found}
    plan = SitemapScrapeAdapter().discover(ctx_for(variant_snapshots(tmp_path, "run2-lastmod-moved"), tmp_path))
    pages = sorted(r.url.rsplit("/", 1)[1] for r in plan.requests if r.role == "page")
    assert pages == ["bodoe", "drammen", "hamar", "larvik", "moss", "skien"]
    assert plan.notes["skipped_unchanged"] == 56 and plan.notes["fetch_reasons"] == {"moved": 6}


def test_fetch_warns_and_continues_on_a_failing_page(no_warehouse, tmp_path):
    entries, found = site_inputs()
    no_warehouse["processed"] = {e.loc: e.lastmod for e in found}
    no_warehouse["records"] = {e.loc for e in found}
    ctx = ctx_for(variant_snapshots(tmp_path, "run2-lastmod-moved"), tmp_path)
    adapter = SitemapScrapeAdapter()
    fetched = adapter.fetch(ctx, adapter.discover(ctx))
    failed = [f for f in fetched if f.meta.get("error")]
    assert [(f.url, f.status, f.bytes) for f in failed] == [(URL.format("drammen"), 503, 0)]
    assert len([f for f in fetched if f.role == "page" and not f.meta.get("error")]) == 5


def test_too_few_urls_fail_before_anything_is_planned(no_warehouse, tmp_path):
    with pytest.raises(TooFewUrls,
                       match="lists 40 page URL.*fewer than min_discovered_urls 50.*nothing was marked inactive"):
        SitemapScrapeAdapter().discover(ctx_for(variant_snapshots(tmp_path, "run4-40-urls"), tmp_path))


def copy_snapshots(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "snaps"
    shutil.copytree(SNAPSHOTS, target)
    return target


def test_a_robots_disallow_stops_the_run(no_warehouse, tmp_path):
    snaps = copy_snapshots(tmp_path)
    robots = snaps / "robots.txt"
    robots.write_text(robots.read_text().replace("Disallow: /vendor/",
                                                 "Disallow: /vendor/\nDisallow: /lokallag/heroey"))
    with pytest.raises(RobotsDisallowed, match="disallows https://folkehjelp.no/lokallag/heroey.*nothing was fetched"):
        SitemapScrapeAdapter().discover(ctx_for(snaps, tmp_path))


@pytest.mark.parametrize("failing", ["https://folkehjelp.no/robots.txt",
                                     "https://folkehjelp.no/sitemaps-1-sitemap.xml",
                                     "https://folkehjelp.no/sitemaps-1-section-localBranch-1-sitemap.xml"])
def test_robots_or_the_sitemap_failing_fails_the_run(no_warehouse, tmp_path, failing):
    snaps = copy_snapshots(tmp_path)
    index = json.loads((snaps / "index.json").read_text())
    for e in index["entries"]:
        if e["request"]["url"] == failing:
            e["status"] = 503
    (snaps / "index.json").write_text(json.dumps(index))
    with pytest.raises(UpstreamError, match=f"{failing} answered 503"):
        SitemapScrapeAdapter().discover(ctx_for(snaps, tmp_path))


def test_a_renamed_sub_sitemap_is_a_clear_error(no_warehouse, tmp_path):
    snaps = copy_snapshots(tmp_path)
    index = snaps / "sitemaps-1-sitemap.xml"
    index.write_text(index.read_text().replace("section-localBranch-1", "section-chapters-1"))
    with pytest.raises(ScrapeDiscoveryError, match="no sub-sitemap .* matches"):
        SitemapScrapeAdapter().discover(ctx_for(snaps, tmp_path))


def test_consecutive_page_failures_mean_the_site_is_down(no_warehouse, tmp_path):
    snaps = copy_snapshots(tmp_path)
    index = json.loads((snaps / "index.json").read_text())
    for e in index["entries"]:
        if "/lokallag/" in e["request"]["url"]:
            e["status"] = 502
    (snaps / "index.json").write_text(json.dumps(index))
    ctx = ctx_for(snaps, tmp_path)
    adapter = SitemapScrapeAdapter()
    with pytest.raises(SiteUnavailable, match="5 pages failed in a row"):
        adapter.fetch(ctx, adapter.discover(ctx))


def test_the_parse_step_reads_its_bodies_from_the_landing_store(monkeypatch, tmp_path, gaz):
    umbrella = identity.BrregEntity("871033552", "NORSK FOLKEHJELP")
    monkeypatch.setattr(fh_parse, "stored_inputs", lambda *a: ({}, [umbrella]))
    monkeypatch.setattr(fh_parse, "gazetteer", lambda *a: gaz)
    monkeypatch.setattr(sitemap_scrape, "read_state", lambda *a: ({}, set(), {}))
    ctx = ctx_for(SNAPSHOTS, tmp_path)
    adapter = SitemapScrapeAdapter()
    plan = adapter.discover(ctx)
    fetched: list[Fetched] = plan.fetched + adapter.fetch(ctx, plan)
    result = fh_parse.parse(ctx, fetched)
    assert result.merge == "atlas_ingest.families.folkehjelp.load:merge" and result.quarantine == []
    assert [(t.table, t.rows) for t in result.tables] == [
        ("raw.sitemap_log", 62), ("raw.folkehjelp_chapters", 62), ("raw.folkehjelp_chapter_activities", 122),
        ("raw.folkehjelp_chapter_placement", 62), ("raw.folkehjelp_brreg_matches", 1)]
    assert result.details["fetched"] == 62 and result.records == 62


def test_an_index_page_answering_500_degrades_through_fetch_and_parse(monkeypatch, tmp_path, gaz):
    """The `/lokallag` index failing upstream is a WARN: every chapter still loads, placed from the
    stored grouping (here none, so from the slug and the overrides)."""
    snaps = copy_snapshots(tmp_path)
    index = json.loads((snaps / "index.json").read_text())
    for e in index["entries"]:
        if e["request"]["url"] == "https://folkehjelp.no/lokallag":
            e["status"] = 500
    (snaps / "index.json").write_text(json.dumps(index))
    monkeypatch.setattr(fh_parse, "stored_inputs", lambda *a: ({}, []))
    monkeypatch.setattr(fh_parse, "gazetteer", lambda *a: gaz)
    monkeypatch.setattr(sitemap_scrape, "read_state", lambda *a: ({}, set(), {}))
    ctx = ctx_for(snaps, tmp_path)
    adapter = SitemapScrapeAdapter()
    plan = adapter.discover(ctx)
    fetched: list[Fetched] = plan.fetched + adapter.fetch(ctx, plan)
    assert [(f.status, f.meta.get("error") is not None) for f in fetched if f.role == "index"] == [(500, True)]
    result = fh_parse.parse(ctx, fetched)
    assert result.details["index_page_ok"] is False
    assert any("index page" in w and "failed" in w for w in result.warnings)
    assert dict((t.table, t.rows) for t in result.tables)["raw.folkehjelp_chapters"] == 62


def test_the_scrape_is_paced_at_one_request_per_second_to_folkehjelp():
    from atlas_ingest.http import HOST_MIN_INTERVAL

    assert HOST_MIN_INTERVAL["folkehjelp.no"] == 1.0


# ------------------------------------------------------------------------------ manifest, seeds, variants
def test_manifest_and_its_floor():
    m = get_manifest(SOURCE)
    opts = m.fetch_options()
    assert (m.family, m.fetch.kind.value, m.fetch.pool) == ("ngo_scrape", "sitemap_scrape", "scrape_polite")
    assert opts.min_discovered_urls == 50  # MIN_DISCOVERED_URLS (issue 5)
    assert opts.url_pattern == PATTERN and m.raw_table == "raw.folkehjelp_chapters"


def test_the_six_bins_and_their_categories_agree_with_the_seeds():
    with (DBT_PROJECT_DIR / "seeds" / "folkehjelp_activity_category.csv").open(encoding="utf-8") as fh:
        seed = list(csv.DictReader(fh))
    with (DBT_PROJECT_DIR / "seeds" / "ref_atlas_service_category.csv").open(encoding="utf-8") as fh:
        categories = {r["code"] for r in csv.DictReader(fh)}
    assert tuple(r["activity_label"] for r in seed) == page.KNOWN_BINS
    assert all(r["activity_id"] == "folkehjelp-" + slugify(r["activity_label"]) for r in seed)
    assert {r["activity_label"]: r["service_category_code"] for r in seed} == {
        "Førstehjelp og redningstjeneste": "rescue_corps", "Sanitetsungdom": "youth_activity_groups",
        "Samfunnsarbeid": "youth_drop_in", "Flyktning og inkludering": "language_practice",
        "Internasjonale spørsmål": "international_solidarity", "Solidaritetsungdom": "youth_political_action"}
    assert {r["service_category_code"] for r in seed} <= categories


def test_every_variant_replays_and_names_real_files(tmp_path):
    assert replay.variants(SOURCE) == ["run2-lastmod-moved", "run3-55-urls", "run4-40-urls"]
    for variant in replay.variants(SOURCE):
        sources = replay.variant_sources_dir(SOURCE, variant, tmp_path / variant)
        assert (sources / SOURCE / "manifest.yml").exists() and (sources / "brreg-enheter" / "manifest.yml").exists()
        index = json.loads((sources / SOURCE / "snapshots" / "index.json").read_text())
        assert all((sources / SOURCE / "snapshots" / e["file"]).is_file() for e in index["entries"])
    with pytest.raises(replay.VariantMissing, match="no snapshot variant"):
        replay.variant_sources_dir(SOURCE, "nope", tmp_path / "x")
