"""brreg-enheter: the Enhetsregister parser against real API fixtures (python-brreg's test data and
the bulk-download format sample, vendored in include/sources/brreg-enheter/reference/), and the
paged planner with its re-check of entities that stop appearing, in replay mode."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from atlas_ingest.families.brreg.api import BrregEnheterAdapter, BrregQueryTooBroad, search_params
from atlas_ingest.families.brreg.parse import BRREG_COLUMNS, matches, parse_bodies, sanitised
from atlas_ingest.http import HttpClient, HttpRequest, SnapshotStore
from atlas_ingest.kinds import Fetched, RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import Manifest, get_manifest
from atlas_ingest.settings import SOURCES_DIR

REFERENCE = SOURCES_DIR / "brreg-enheter" / "reference"
FIXTURES = REFERENCE / "python-brreg_testdata"
API = "https://data.brreg.no/enhetsregisteret/api"
SESAM = {"navn": "Sesam", "organisasjonsform": [], "nameStartsWith": None}


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fetched(role: str, url: str = f"{API}/enheter", status: int = 200, **meta) -> Fetched:
    return Fetched(role=role, method="GET", url=url, params=[], json_body=None, key="0" * 64, status=status,
                   bytes=0, meta=meta)


def search(name: str, query: dict = SESAM, slug: str = "sesam") -> tuple[Fetched, bytes]:
    return fetched("search", slug=slug, query=query), body(name)


def by_orgnr(rows: list[dict]) -> dict[str, dict]:
    return {r["orgnr"]: r for r in rows}


# ------------------------------------------------------------------------------ parser
def test_search_pages_become_one_row_per_entity_with_the_listed_columns():
    rows, quarantine, records, warnings = parse_bodies(
        [search("enheter-search-page1-response.json"), search("enheter-search-page2-response.json"),
         search("enheter-search-empty-response.json")], "brreg-enheter")
    assert quarantine == [] and records == 3 and warnings == []
    got = by_orgnr(rows)
    assert sorted(got) == ["971497017", "976030788", "988879134"]
    barnehage = got["971497017"]
    assert set(barnehage) == set(BRREG_COLUMNS) - {"source_id"} | {"source_id"}
    assert {k: barnehage[k] for k in (
        "navn", "organisasjonsform", "organisasjonsform_beskrivelse", "registrert_dato", "stiftelsesdato",
        "i_frivillighetsreg", "antall_ansatte", "konkurs", "under_avvikling", "under_tvangsavvikling",
        "forretningsadresse_kommunenummer", "postadresse_kommunenummer", "naeringskode1", "slettedato",
        "matched_ngo_slugs", "seen_via")} == {
        "navn": "SESAM FAMILIEBARNEHAGE", "organisasjonsform": "FLI",
        "organisasjonsform_beskrivelse": "Forening/lag/innretning", "registrert_dato": "1995-02-20",
        "stiftelsesdato": "1995-02-20", "i_frivillighetsreg": False, "antall_ansatte": 0, "konkurs": False,
        "under_avvikling": False, "under_tvangsavvikling": False, "forretningsadresse_kommunenummer": "0301",
        "postadresse_kommunenummer": None, "naeringskode1": "88.911", "slettedato": None,
        "matched_ngo_slugs": "{sesam}", "seen_via": "search"}
    filmklubb = got["988879134"]
    assert filmklubb["postadresse_kommunenummer"] == "3101"
    assert filmklubb["hjemmeside"] == "www.sesam.filmklubb.blogspot.com"
    payload = json.loads(filmklubb["raw_payload"])
    assert "_links" not in payload and "_links" not in payload["organisasjonsform"]
    assert payload["postadresse"]["adresse"] == ["FVS", "Boks 40"]
    assert len(filmklubb["record_hash"]) == 64


@pytest.mark.parametrize("query,expected", [
    ({"navn": "Sesam", "organisasjonsform": ["FLI"]}, {"971497017", "988879134"}),
    ({"navn": "Sesam", "organisasjonsform": ["FLI"], "nameStartsWith": "SESAM F"}, {"971497017", "988879134"}),
    ({"navn": "Sesam", "nameStartsWith": "sesam   film"}, {"988879134"}),  # case- and space-insensitive
    ({"navn": "Sesam", "organisasjonsform": ["STI"]}, set()),
])
def test_hits_count_only_when_form_and_name_prefix_match(query, expected):
    rows, _, records, warnings = parse_bodies(
        [search("enheter-search-page1-response.json", query), search("enheter-search-page2-response.json", query)],
        "brreg-enheter")
    assert records == 3 and {r["orgnr"] for r in rows} == expected
    if len(expected) < 3:
        assert any("did not start with" in w for w in warnings)


def test_an_entity_found_by_two_ngos_is_one_row_with_both_slugs():
    a = search("enheter-search-page1-response.json", slug="ngo-a")
    b = search("enheter-search-page1-response.json", slug="ngo-b")
    rows, *_ = parse_bodies([a, b], "brreg-enheter")
    assert len(rows) == 2 and {r["matched_ngo_slugs"] for r in rows} == {"{ngo-a,ngo-b}"}


def test_a_deleted_entity_is_recorded_with_its_slettedato():
    rows, _, records, _ = parse_bodies(
        [(fetched("details", f"{API}/enheter/123456789", orgnr="123456789"),
          body("enheter-details-deleted-response.json"))],
        "brreg-enheter")
    assert records == 1
    (row,) = rows
    assert (row["orgnr"], row["navn"], row["slettedato"], row["seen_via"], row["matched_ngo_slugs"]) == (
        "123456789", "SLETTET ENHET AS", "2017-10-20", "details", "{}")


def test_gone_entities_leave_their_row_alone():
    rows, quarantine, records, warnings = parse_bodies(
        [(fetched("details", f"{API}/enheter/100009006", status=410, orgnr="100009006"), b"")], "brreg-enheter")
    assert rows == [] and quarantine == [] and records == 0
    assert warnings == ["Brreg no longer serves 100009006 (HTTP 410); its row is kept as last seen"]


def test_a_search_hit_also_rechecked_keeps_its_search_match():
    rows, *_ = parse_bodies([search("enheter-search-page1-response.json"),
                             (fetched("details", orgnr="976030788"), body("enheter-search-page1-response.json"))],
                            "brreg-enheter")
    assert by_orgnr(rows)["976030788"]["seen_via"] == "search"


def test_no_person_data_c_o_lines_and_sole_proprietorships():
    details = json.loads(body("enheter-details-response.json"))
    assert details["postadresse"]["adresse"][0] == "c/o reder K. Rusing"  # a person, in the real fixture shape
    rows, *_ = parse_bodies([(fetched("details", orgnr="112233445"), body("enheter-details-response.json"))],
                            "brreg-enheter")
    assert "Rusing" not in json.dumps(rows, ensure_ascii=False)
    assert json.loads(rows[0]["raw_payload"])["postadresse"]["adresse"] == ["Postboks 1752 Vika"]
    # an enkeltpersonforetak is named after its owner: neither loaded nor quarantined
    page = json.loads(body("enheter-search-page1-response.json"))
    person = copy.deepcopy(page["_embedded"]["enheter"][0])
    person.update(organisasjonsnummer="999999999", navn="KARI TESTPERSON")
    person["organisasjonsform"] = {"kode": "ENK", "beskrivelse": "Enkeltpersonforetak"}
    page["_embedded"]["enheter"].append(person)
    rows, quarantine, _, warnings = parse_bodies(
        [(fetched("search", slug="s", query={"navn": "x"}), json.dumps(page).encode())], "brreg-enheter")
    assert "KARI" not in json.dumps([rows, quarantine, warnings])
    assert any("enkeltpersonforetak" in w for w in warnings)
    assert not matches(person, {"navn": "x"})


def test_the_bulk_download_format_reads_the_same():
    (record,) = json.loads((REFERENCE / "brreg_lastned_bulk_format_SAMPLE_enheter.json").read_text())
    page = {"_embedded": {"enheter": [record]}, "page": {"totalElements": 1, "totalPages": 1}}
    rows, *_ = parse_bodies([(fetched("search", slug="s", query={"navn": "palmera"}), json.dumps(page).encode())],
                            "brreg-enheter")
    (row,) = rows
    assert (row["orgnr"], row["organisasjonsform"], row["registrert_dato"], row["i_frivillighetsreg"],
            row["forretningsadresse_kommunenummer"], row["postadresse_kommunenummer"]) == (
        "916627939", "FLI", "2016-01-26", False, "4601", "4601")
    payload = json.loads(row["raw_payload"])
    assert "links" not in payload and payload["postadresse"]["adresse"] == ["Hans Hauges gate 37"]
    assert sanitised(record)["organisasjonsform"] == {"kode": "FLI", "beskrivelse": "Forening/lag/innretning"}


def test_a_malformed_hit_is_quarantined_with_the_reason():
    page = {"_embedded": {"enheter": [{"organisasjonsnummer": "12345", "navn": "X",
                                       "organisasjonsform": {"kode": "FLI"}}]}}
    rows, quarantine, *_ = parse_bodies([(fetched("search", slug="s", query={"navn": "x"}), json.dumps(page).encode())],
                                        "brreg-enheter")
    assert rows == [] and quarantine[0]["reason"] == "organisasjonsnummer '12345' is not nine digits"


def test_the_repository_snapshot_parses():
    """The constructed replay snapshot: one search per landscape NGO, labelled entities."""
    folder = SOURCES_DIR / "brreg-enheter" / "snapshots"
    index = json.loads((folder / "index.json").read_text())["entries"]
    pairs = []
    for e in index:
        if "/enheter?" in e["request"]["url"] or e["request"]["url"].endswith("/enheter"):
            params = dict(e["request"]["params"])
            slug = e["file"].removeprefix("enheter-search-").removesuffix("-page0.json")
            from atlas_ingest.families.ngo.landscape import load_landscape

            query = load_landscape().by_slug(slug).brreg_query.model_dump()
            assert params["navn"] == query["navn"]
            pairs.append((fetched("search", slug=slug, query=query), (folder / e["file"]).read_bytes()))
    rows, quarantine, records, _ = parse_bodies(pairs, "brreg-enheter")
    assert len(pairs) == 11 and records == 15 and quarantine == [] and len(rows) == 14
    got = by_orgnr(rows)
    assert got["871033552"]["navn"] == "NORSK FOLKEHJELP" and got["871033552"]["registrert_dato"] is None
    assert all("KONSTRUERT" in r["navn"] for o, r in got.items() if o != "871033552")
    assert not any("VENNER AV" in r["navn"] for r in rows)
    assert not any("KONSTRUERT PERSON" in r["raw_payload"] for r in rows)


# ------------------------------------------------------------------------------ the planner
def sesam_manifest(tmp_path: Path, **options) -> Manifest:
    landscape = json.loads((SOURCES_DIR / "ngo-landscape" / "landscape.json").read_text())
    ngo = copy.deepcopy(landscape["ngos"][0])
    ngo.update(slug="sesam", brreg_query=SESAM | {"nameStartsWith": "SESAM"})
    (tmp_path / "landscape.json").write_text(json.dumps({**landscape, "ngos": [ngo]}), encoding="utf-8")
    data = get_manifest("brreg-enheter").model_dump(mode="json", exclude_none=True)
    data["fetch"]["options"] = {"api": "brreg_enheter", "page_size": 2, "landscape": str(tmp_path / "landscape.json"),
                                **options}
    return Manifest.model_validate(data)


def replay_context(tmp_path: Path, manifest: Manifest, responses: dict[HttpRequest, tuple[int, bytes]]) -> RunContext:
    store = SnapshotStore(tmp_path / "snapshots")
    for request, (status, content) in responses.items():
        store.record(request, status, {"content-type": "application/json"}, content)
    client = HttpClient(source_id=manifest.id, snapshot_dir=tmp_path / "snapshots", mode="replay")
    return RunContext(manifest=manifest, run_key="test", client=client, landing=LandingStore(str(tmp_path / "landing")))


def sesam_page(n: int) -> HttpRequest:
    return HttpRequest("GET", f"{API}/enheter", tuple(search_params(SESAM, n, 2)))


def test_discover_reads_page_zero_and_plans_the_rest_then_fetch_rechecks_vanished_entities(tmp_path, monkeypatch):
    manifest = sesam_manifest(tmp_path)
    ctx = replay_context(tmp_path, manifest, {
        sesam_page(0): (200, body("enheter-search-page1-response.json")),
        sesam_page(1): (200, body("enheter-search-page2-response.json")),
        HttpRequest("GET", f"{API}/enheter/123456789"): (200, body("enheter-details-deleted-response.json")),
        HttpRequest("GET", f"{API}/enheter/100009006"): (410, b""),
    })
    adapter = BrregEnheterAdapter()
    plan = adapter.discover(ctx)
    assert [f.meta["page"] for f in plan.fetched] == [0]
    assert [dict(r.params)["page"] for r in plan.requests] == ["1"]
    assert plan.notes["search_hits"] == {"sesam": 3}
    # entities loaded before: one still listed, one deleted in Brreg, one Brreg no longer serves
    monkeypatch.setattr(BrregEnheterAdapter, "known_orgnrs", lambda self, c: {"971497017", "123456789", "100009006"})
    got = adapter.fetch(ctx, plan)
    assert [(f.role, f.status, f.meta.get("orgnr")) for f in got] == [
        ("search", 200, None), ("details", 410, "100009006"), ("details", 200, "123456789")]
    rows, _, _, warnings = parse_bodies([(f, ctx.landing.get(f.key)) for f in plan.fetched + got], manifest.id)
    assert {r["orgnr"]: r["seen_via"] for r in rows} == {
        "976030788": "search", "971497017": "search", "988879134": "search", "123456789": "details"}
    assert any("100009006" in w for w in warnings)


def test_a_query_over_the_brreg_hit_limit_fails_naming_the_ngo(tmp_path):
    manifest = sesam_manifest(tmp_path, max_hits_per_query=2)
    ctx = replay_context(tmp_path, manifest, {sesam_page(0): (200, body("enheter-search-page1-response.json"))})
    with pytest.raises(BrregQueryTooBroad, match="'sesam'.*3 hits.*Narrow its brreg_query"):
        BrregEnheterAdapter().discover(ctx)


def test_replay_without_a_snapshot_names_the_request(tmp_path):
    manifest = sesam_manifest(tmp_path)
    ctx = replay_context(tmp_path, manifest, {})
    with pytest.raises(Exception, match="no snapshot for GET .*enheter\\?navn=Sesam"):
        BrregEnheterAdapter().discover(ctx)


def test_the_manifest_uses_the_generic_json_api_kind():
    m = get_manifest("brreg-enheter")
    assert m.fetch.kind.value == "json_api" and m.fetch_options().root.api == "brreg_enheter"
    assert m.raw_table == "raw.brreg_enheter" and m.family == "brreg"
    with pytest.raises(Exception, match="api"):
        Manifest.model_validate({**m.model_dump(mode="json", exclude_none=True),
                                 "fetch": {"kind": "json_api", "endpoint": API, "options": {"api": "nope"}}})
