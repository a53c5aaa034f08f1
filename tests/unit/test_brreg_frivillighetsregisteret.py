"""brreg-frivillighetsregisteret: the searchAfter walk (replay, the real adapter), the pure parser
against the constructed snapshot and hand-made records, and the manifest options."""

from __future__ import annotations

import json
import shutil

import pytest
from pydantic import ValidationError

from atlas_ingest.families.brreg.frivillighetsregisteret import (
    COLUMNS,
    FrivillighetsregisterAdapter,
    FrivillighetsregisterError,
    check_walk_complete,
    icnpo_ranked,
    next_search_after,
    parse_bodies,
    register_records,
    registered_kommune,
)
from atlas_ingest.families.ngo.landscape import icnpo_codes
from atlas_ingest.families.ngo.options import JsonApiOptions
from atlas_ingest.http import HttpClient, SnapshotStore
from atlas_ingest.kinds import Fetched, RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import get_manifest
from atlas_ingest.settings import SOURCES_DIR

SOURCE = "brreg-frivillighetsregisteret"
SNAPSHOTS = SOURCES_DIR / SOURCE / "snapshots"
REGISTER = "https://data.brreg.no/frivillighetsregisteret/api/frivillige-organisasjoner"


def snapshot_bodies() -> list[tuple[Fetched, bytes]]:
    out = []
    for entry in json.loads((SNAPSHOTS / "index.json").read_text())["entries"]:
        role = "register" if entry["file"].startswith("register") else "enheter"
        f = Fetched(role=role, method="GET", url=entry["request"]["url"],
                    params=[tuple(p) for p in entry["request"]["params"]], json_body=None, key="0" * 64,
                    status=200, bytes=0)
        out.append((f, (SNAPSHOTS / entry["file"]).read_bytes()))
    return out


def fetched(role: str) -> Fetched:
    return Fetched(role=role, method="GET", url=REGISTER, params=[], json_body=None, key="0" * 64, status=200, bytes=0)


def register_page(*records: dict, next_after: str | None = None) -> bytes:
    links = {"self": {"href": f"{REGISTER}?size=100"}}
    if next_after:
        links["next"] = {"href": f"{REGISTER}?searchAfter={next_after}&size=100"}
    return json.dumps({"_embedded": {"frivilligeOrganisasjoner": list(records)}, "_links": links}).encode()


def enheter_page(*hits: dict) -> bytes:
    return json.dumps({"_embedded": {"enheter": list(hits)}, "page": {"totalElements": len(hits)}}).encode()


def record(orgnr: str, *codes: tuple[str, int]) -> dict:
    return {"organisasjonsnummer": orgnr, "frivilligOrganisasjonsstatus": "frivilligOrganisasjonsstatus.innfoert",
            "kontonummer": "12345678903", "innfoertDato": "2013-08-24",
            "grasrotandel": {"deltarI": True, "utestengelsesperiode": None},
            "icnpoKategorier": [{"kategori": "x", "icnpoNummer": c, "rekkefoelge": r} for c, r in codes]}


# ------------------------------------------------------------------------------ the parser, on the snapshot
@pytest.fixture(scope="module")
def parsed():
    return parse_bodies(snapshot_bodies(), SOURCE, icnpo_codes())


def test_the_snapshot_parses_to_one_row_per_organisation(parsed):
    rows, quarantine, records, warnings = parsed
    assert records == 283 and len(rows) == 281 and len(quarantine) == 2
    assert sorted(q["reason"].split(" ")[0] for q in quarantine) == ["ICNPO", "organisasjonsnummer"]
    assert any("'15100'" in q["reason"] for q in quarantine)
    assert any("'12345' is not nine digits" in q["reason"] for q in quarantine)
    assert set(rows[0]) == set(COLUMNS)
    assert len({r["orgnr"] for r in rows}) == 281
    assert sum(r["kommune_nr"] is not None for r in rows) == 278
    assert sum(not r["in_enhetsregisteret"] for r in rows) == 1
    assert [r["kommune_basis"] for r in rows].count("postadresse") == 1
    assert any("no Enhetsregister answer" in w for w in warnings)
    assert any("no Norwegian kommunenummer" in w for w in warnings)


def test_no_account_number_or_c_o_line_is_stored(parsed):
    rows = parsed[0]
    for row in rows:
        payload = json.loads(row["raw_payload"])
        assert "kontonummer" not in payload and "_links" not in payload
        assert "c/o" not in row["raw_payload"]


def test_categories_are_stored_in_the_organisations_rank_order(parsed):
    three = [r for r in parsed[0] if r["icnpo_codes"].count(",") == 2]
    shuffled = [r for r in three if json.loads(r["raw_payload"])["icnpoKategorier"][0]["rekkefoelge"] != 1]
    assert len(shuffled) == 1
    assert shuffled[0]["icnpo_codes"] == "{4100,1200,13100}"
    assert [c["rekkefoelge"] for c in json.loads(shuffled[0]["icnpo_kategorier"])] == [1, 2, 3]


def test_folkehjelp_is_loaded_without_a_kommune(parsed):
    folkehjelp = next(r for r in parsed[0] if r["orgnr"] == "871033552")
    assert (folkehjelp["navn"], folkehjelp["organisasjonsform"], folkehjelp["kommune_nr"],
            folkehjelp["icnpo_codes"]) == ("NORSK FOLKEHJELP", "FLI", None, "{4200,9100,7100}")


# ------------------------------------------------------------------------------ the parser, hand-made cases
def test_kommune_comes_from_the_business_address_then_the_postal_one():
    both = {"forretningsadresse": {"kommunenummer": "0301", "postnummer": "0150"},
            "postadresse": {"kommunenummer": "4601"}}
    assert registered_kommune(both) == ("0301", "forretningsadresse", "0150")
    assert registered_kommune({"postadresse": {"kommunenummer": "4601"}}) == ("4601", "postadresse", None)
    assert registered_kommune({"forretningsadresse": {"landkode": "SE"}}) == (None, None, None)
    assert registered_kommune(None) == (None, None, None)


def test_icnpo_rank_is_rekkefoelge_not_array_order():
    rec = record("1", ("9100", 2), ("1100", 1), ("4200", 3))
    assert [c["icnpoNummer"] for c in icnpo_ranked(rec)] == ["1100", "9100", "4200"]
    assert icnpo_ranked({"icnpoKategorier": None}) == [] and icnpo_ranked({}) == []
    assert icnpo_ranked({"icnpoKategorier": [{"rekkefoelge": 1}]}) == []  # no code: nothing usable


def test_an_enkeltpersonforetak_is_never_loaded_nor_quarantined():
    enk = {"organisasjonsnummer": "100000001", "navn": "OLA NORDMANN", "organisasjonsform": {"kode": "ENK"}}
    rows, quarantine, _, warnings = parse_bodies(
        [(fetched("register"), register_page(record("100000001", ("1200", 1)))),
         (fetched("enheter"), enheter_page(enk))],
        SOURCE, icnpo_codes())
    assert rows == [] and quarantine == []
    assert any("enkeltpersonforetak" in w for w in warnings)


def test_a_page_without_embedded_is_the_end_but_a_wrong_shape_is_an_error():
    assert register_records({"_links": {}}) == []
    with pytest.raises(FrivillighetsregisterError, match="frivilligeOrganisasjoner"):
        register_records({"_embedded": {"enheter": []}})
    with pytest.raises(FrivillighetsregisterError, match="not JSON"):
        parse_bodies([(fetched("register"), b"<html>")], SOURCE, icnpo_codes())


def test_next_link_gives_search_after():
    assert next_search_after(json.loads(register_page(next_after="811555312"))) == "811555312"
    assert next_search_after(json.loads(register_page())) is None
    with pytest.raises(FrivillighetsregisterError, match="no searchAfter"):
        next_search_after({"_links": {"next": {"href": f"{REGISTER}?page=1&size=100"}}})


# ------------------------------------------------------------------------------ the walk (replay)
def replay_ctx(tmp_path, snapshots=SNAPSHOTS) -> RunContext:
    manifest = get_manifest(SOURCE)
    client = HttpClient(source_id=SOURCE, snapshot_dir=snapshots, mode="replay")
    return RunContext(manifest=manifest, run_key="test", client=client, landing=LandingStore(str(tmp_path / "landing")))


def test_the_walk_follows_search_after_and_reads_one_enhetsregister_batch_per_page(tmp_path, monkeypatch):
    monkeypatch.setattr(FrivillighetsregisterAdapter, "previous_rows", lambda self, ctx: None)
    ctx = replay_ctx(tmp_path)
    adapter = FrivillighetsregisterAdapter()
    plan = adapter.discover(ctx)
    assert [f.role for f in plan.fetched] == ["register"] and plan.requests == []
    assert plan.notes["first_page_organisations"] == 100
    out = adapter.fetch(ctx, plan)
    assert [f.role for f in out] == ["enheter", "register", "enheter", "register", "enheter"]
    params = [dict(f.params) for f in plan.fetched + out]
    assert all("page" not in p for p in params), "the register answers 400 to any page parameter"
    assert [p.get("searchAfter") for p in params if "organisasjonsnummer" not in p] == [None, "103017000", "103034001"]
    assert all(int(p["size"]) <= 100 for p in params)
    assert ctx.client.stats["requests"] == 6


def test_a_repeating_next_link_stops_the_walk(tmp_path, monkeypatch):
    monkeypatch.setattr(FrivillighetsregisterAdapter, "previous_rows", lambda self, ctx: None)
    snapshots = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, snapshots)
    page1 = json.loads((snapshots / "register-page1.json").read_text())
    page1["_links"]["next"]["href"] = f"{REGISTER}?searchAfter=103017000&size=100"  # back to page 1 itself
    (snapshots / "register-page1.json").write_text(json.dumps(page1))
    ctx = replay_ctx(tmp_path, snapshots)
    adapter = FrivillighetsregisterAdapter()
    with pytest.raises(FrivillighetsregisterError, match="repeats searchAfter=103017000"):
        adapter.fetch(ctx, adapter.discover(ctx))


def test_max_pages_bounds_the_walk(tmp_path, monkeypatch):
    monkeypatch.setattr(FrivillighetsregisterAdapter, "previous_rows", lambda self, ctx: None)
    ctx = replay_ctx(tmp_path)
    ctx.manifest = ctx.manifest.model_copy(update={"fetch": ctx.manifest.fetch.model_copy(
        update={"options": {**ctx.manifest.fetch.options, "max_pages": 2}})})
    adapter = FrivillighetsregisterAdapter()
    with pytest.raises(FrivillighetsregisterError, match=r"max_pages \(2\)"):
        adapter.fetch(ctx, adapter.discover(ctx))


def test_a_walk_far_shorter_than_the_last_load_fails():
    check_walk_complete(SOURCE, 283, None, 0.9)
    check_walk_complete(SOURCE, 283, 300, 0.9)
    with pytest.raises(FrivillighetsregisterError, match="283 organisations, fewer than 90% of the 72800"):
        check_walk_complete(SOURCE, 283, 72800, 0.9)


def test_the_replay_index_holds_exactly_the_walk():
    requests = list(SnapshotStore(SNAPSHOTS).requests())
    assert len(requests) == 6
    assert {r.url for r in requests} == {REGISTER, "https://data.brreg.no/enhetsregisteret/api/enheter"}


# ------------------------------------------------------------------------------ options
def test_options_refuse_a_page_size_the_register_rejects():
    assert JsonApiOptions.model_validate({"api": "brreg_frivillighetsregisteret"}).root.page_size == 100
    with pytest.raises(ValidationError):
        JsonApiOptions.model_validate({"api": "brreg_frivillighetsregisteret", "page_size": 101})
    with pytest.raises(ValidationError):
        JsonApiOptions.model_validate({"api": "brreg_frivillighetsregisteret", "page": 0})
