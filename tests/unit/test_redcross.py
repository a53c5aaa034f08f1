"""redcross-branches: the getOrganizations parser against the real, redacted 7-branch sample and the
constructed replay dump; personal data never leaves the parser; the dump and live-API fetches."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest

from atlas_ingest.families.ngo.dump import DumpError, StaticDumpAdapter
from atlas_ingest.families.ngo.text import clean, slugify
from atlas_ingest.families.redcross import api as redcross_api
from atlas_ingest.families.redcross.parse import (
    BRANCH_COLUMNS,
    ExportError,
    allowed_payload,
    parse_export,
)
from atlas_ingest.geo import Gazetteer
from atlas_ingest.http import HttpClient, HttpRequest, HttpResponse, SnapshotStore
from atlas_ingest.kinds import RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import Manifest, get_manifest
from atlas_ingest.settings import DBT_PROJECT_DIR, SOURCES_DIR

FOLDER = SOURCES_DIR / "redcross-branches"
SAMPLE = next((FOLDER / "reference").glob("redcross_getOrganizations_2026-04-21_SAMPLE7_redacted.json"))
DUMP = FOLDER / "snapshots" / "getOrganizations-constructed.json"
DUMP_URL = "https://dumps.atlas.invalid/redcross/getOrganizations.json"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_snapshots()


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def mapping() -> dict[str, str]:
    with (DBT_PROJECT_DIR / "seeds" / "redcross_activity_category.csv").open(encoding="utf-8") as fh:
        return {r["activity_id"]: r["service_category_code"] for r in csv.DictReader(fh)}


# ------------------------------------------------------------------------------ the real sample
def test_the_real_sample_golden(gaz):
    parsed = parse_export(load(SAMPLE), gazetteer=gaz, source_id="redcross-branches", locator="sample",
                          require_complete=False)
    assert parsed.quarantine == [] and parsed.records == 7 + 21
    assert parsed.warnings == ["sample: metadata.totalCount is 392 but the export holds 7 branches (a sample)"]
    rows = {r["branch_id"]: r for r in parsed.branches}
    assert {b: (r["branch_type"], r["kommune_nr"], r["kommune_resolution"], r["is_active"], r["is_terminated"])
            for b, r in rows.items()} == {
        "L098": ("Lokalforening", "3316", "postnummer", True, False),   # Modum, 3340 Åmot
        "S006": ("Ukjent", "5524", "postnummer", True, False),          # Målselv, 9325 Bardufoss
        "L176": ("Lokalforening", "4618", "postnummer", False, True),   # Kinsarvik (feilopprettet), terminated
        "L335": ("Lokalforening", "5601", "postnummer", True, False),   # Talvik, Alta
        "L317": ("Lokalforening", "5540", "postnummer", True, False),   # Birtavarre, Kåfjord
        "L174": ("Lokalforening", "4626", "postnummer", True, False),   # Øygarden
        "L169": ("Lokalforening", "4614", "postnummer", True, False),   # Stord
    }
    modum = rows["L098"]
    assert set(modum) == set(BRANCH_COLUMNS)
    assert {k: modum[k] for k in ("branch_number", "organization_number", "branch_name", "creation_date",
                                  "parent_branch_id", "parent_branch_type", "organization_level", "municipality",
                                  "county", "region", "postal_code", "post_office", "web_url", "activity_count",
                                  "dump_timestamp", "kommune_confidence", "kommune_note")} == {
        "branch_number": "0600069", "organization_number": "979345305", "branch_name": "Modum Røde Kors",
        "creation_date": "1914-10-16", "parent_branch_id": "D006", "parent_branch_type": "Distrikt",
        "organization_level": "875880002", "municipality": "Modum", "county": "Buskerud", "region": "Viken",
        "postal_code": "3340", "post_office": "Åmot", "web_url": "https://www.rodekors.no/modum",
        "activity_count": 5, "dump_timestamp": "2026-04-21T04:39:47.576Z", "kommune_confidence": "1.00",
        "kommune_note": None}
    assert rows["S006"]["parent_branch_id"] == "RK01" and rows["S006"]["organization_number"] is None
    assert rows["L335"]["activity_count"] == 2
    acts = [(a["branch_id"], a["activity_seq"], a["global_activity_slug"], a["local_activity_name"])
            for a in parsed.activities if a["branch_id"] in ("L098", "L335")]
    assert acts == [
        ("L098", 1, "besoksvenn-med-hund", "Besøksvenn med hund Modum Røde Kors"),
        ("L098", 2, "besokstjeneste", "Besøkstjeneste Modum Røde Kors"),
        ("L098", 3, "hjelpekorps", "Hjelpekorps Modum Røde Kors"),
        ("L098", 4, "arrangement-og-reise", "Barnehjelp Modum Røde Kors"),
        ("L098", 5, "barnas-rode-kors", "Barnas Røde Kors Modum Røde Kors"),
        ("L335", 1, "sporadisk-frivillige", "Talvik Røde Kors, Lokalforening"),
        ("L335", 2, "sporadisk-frivillige", "Talvik Røde Kors"),
    ]
    # the global name is kept verbatim (double space included); the slug is what joins
    stord = [a for a in parsed.activities if a["branch_id"] == "L169"]
    assert stord[7]["global_activity_name"] == "Øvrige aktiviteter -  Røde Kors Ungdom"
    assert stord[7]["global_activity_slug"] == "ovrige-aktiviteter-rode-kors-ungdom"


def test_a_partial_export_is_refused(gaz):
    with pytest.raises(ExportError, match="totalCount is 392 but the export holds 7 branches: refusing"):
        parse_export(load(SAMPLE), gazetteer=gaz, source_id="redcross-branches", locator="sample")


def test_not_an_export_is_refused(gaz):
    with pytest.raises(ExportError, match="not a getOrganizations export"):
        parse_export({"branches": []}, gazetteer=gaz, source_id="x", locator="x")


# ------------------------------------------------------------------------------ personal data
PERSONAL = ("[REDACTED", "[KONSTRUERT", "+47", "@", "firstName", "lastName", "memberNumber", "branchContacts",
            "C/O", "c/o", "fritekst", "omdøpes")


@pytest.mark.parametrize("path", [SAMPLE, DUMP], ids=["real-sample", "constructed-dump"])
def test_no_personal_data_leaves_the_parser(gaz, path):
    doc = load(path)
    text = json.dumps(doc, ensure_ascii=False)
    assert "branchContacts" in text and ("[REDACTED]" in text or "[KONSTRUERT]" in text)  # it is there upstream
    parsed = parse_export(doc, gazetteer=gaz, source_id="redcross-branches", locator="x", require_complete=False)
    out = json.dumps([parsed.branches, parsed.activities, parsed.quarantine], ensure_ascii=False)
    for marker in PERSONAL:
        assert marker not in out, f"{marker!r} reached the parser's output"
    # the web address is the branch's, not a person's, and is kept
    assert "https://www.rodekors.no/modum" in out or "https://example.invalid/redcross/" in out


def test_the_payload_is_an_allow_list():
    branch = load(SAMPLE)["data"]["branches"][0]
    branch = {**branch, "branchSecret": {"personnummer": "01010112345"}}
    payload = allowed_payload(branch)
    assert set(payload) == {"branchId", "branchNumber", "organizationNumber", "branchType", "branchName",
                            "branchStatus", "branchParent", "branchDetails", "branchLocation",
                            "communicationChannels", "branchActivities"}
    assert payload["communicationChannels"] == {"web": "https://www.rodekors.no/modum"}
    assert payload["branchLocation"]["postalAddress"] == {"postalCode": "3340", "postOffice": "Åmot"}


# ------------------------------------------------------------------------------ the constructed dump
def test_the_constructed_dump(gaz):
    doc = load(DUMP)
    parsed = parse_export(doc, gazetteer=gaz, source_id="redcross-branches", locator=DUMP_URL)
    assert doc["metadata"]["totalCount"] == 38 == len(doc["data"]["branches"])
    assert len(parsed.branches) == 36 and len(parsed.activities) == 93 and parsed.records == 38 + 95
    assert parsed.warnings == []
    kinds: dict[str, int] = {}
    for r in parsed.branches:
        kinds[r["branch_type"]] = kinds.get(r["branch_type"], 0) + 1
    assert kinds == {"Nasjonalkontoret": 1, "Distrikt": 7, "Lokalforening": 26, "Ukjent": 2}
    assert sum(1 for r in parsed.branches if r["is_terminated"]) == 4  # L176 (real), L912, L923, D903
    q = {x["payload"]["branchId"]: x for x in parsed.quarantine}
    assert sorted(q) == ["L921", "L922"]
    assert q["L921"]["reason"].startswith("kommune not resolved (ambiguous): 'Bø' is (or was) the name of 2")
    assert q["L921"]["payload"]["candidates"] == ["0821", "1867"]
    assert "postnummer '0000' is not in the postnummer register" in q["L922"]["reason"]
    assert "no kommune has ever been called 'Ukjentstad'" in q["L922"]["reason"]
    rows = {r["branch_id"]: r for r in parsed.branches}
    # no postal code: the municipality name with the county as fylke hint
    assert (rows["L908"]["kommune_nr"], rows["L908"]["kommune_resolution"]) == ("4622", "name+fylke")  # Kvam
    # Våler in Innlandet (a name two kommuner have had): the county decides
    assert (rows["L918"]["kommune_nr"], rows["L918"]["kommune_resolution"]) == ("3419", "name+fylke")
    assert (rows["S901"]["kommune_nr"], rows["S901"]["postal_code"]) == ("0301", None)
    assert rows["D903"]["kommune_nr"] == "3403"  # a district resolves too (office), even from 'Hedmark'


def test_every_activity_of_the_replay_dump_is_mapped_and_a_new_one_is_not(gaz):
    mapped = mapping()
    doc = load(DUMP)
    slugs = {"redcross-" + slugify(a["globalActivityName"]) for b in doc["data"]["branches"]
             for a in b["branchActivities"]}
    assert slugs <= set(mapped), slugs - set(mapped)
    doc = copy.deepcopy(doc)
    doc["data"]["branches"][-1]["branchActivities"].append(
        {"globalActivityName": "Helt ny aktivitet (konstruert)", "localActivityName": "Ny"})
    parsed = parse_export(doc, gazetteer=gaz, source_id="redcross-branches", locator="x")
    new = {a["global_activity_slug"] for a in parsed.activities} - {s.removeprefix("redcross-") for s in mapped}
    assert new == {"helt-ny-aktivitet-konstruert"}  # loads into raw; the dbt test stops it (integration test)


# ------------------------------------------------------------------------------ edge cases
def branch(**changes) -> dict:
    base = copy.deepcopy(load(SAMPLE)["data"]["branches"][0])  # Modum
    for key, value in changes.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def export(*branches) -> dict:
    return {"data": {"branches": list(branches)}, "metadata": {"totalCount": len(branches)}}


def test_quarantine_unknown_types_bad_ids_and_duplicates(gaz):
    doc = export(branch(), branch(), branch(branchId="L99X"), branch(branchId="L901", branchType="Regionkontor"),
                 branch(branchId="L902", branchName="  "))
    parsed = parse_export(doc, gazetteer=gaz, source_id="x", locator="x")
    assert [b["branch_id"] for b in parsed.branches] == ["L098"]
    assert [q["reason"] for q in parsed.quarantine] == [
        "branchId L098 appears more than once in the export",
        "branchId 'L99X' is not a Red Cross branch id (L###, D###, S###, RK##)",
        "unknown branchType 'Regionkontor' (known: Lokalforening, Distrikt, Nasjonalkontoret, Ukjent)",
        "branch without a branchName",
    ]
    assert len(parsed.activities) == 5  # the duplicate's activities are not loaded twice


def test_unknown_fields_are_reported_not_loaded(gaz):
    parsed = parse_export(export(branch(branchSocialMedia={"x": "y"})), gazetteer=gaz, source_id="x", locator="x")
    assert parsed.warnings == [
        "branch fields not known to the parser (not loaded until reviewed): ['branchSocialMedia']"]
    assert "branchSocialMedia" not in parsed.branches[0]["raw_payload"]


def test_postal_code_wins_and_a_disagreeing_name_is_noted(gaz):
    b = branch()
    b["branchLocation"] = {**b["branchLocation"], "municipality": "Drammen"}
    parsed = parse_export(export(b), gazetteer=gaz, source_id="x", locator="x")
    row = parsed.branches[0]
    assert row["kommune_nr"] == "3316"
    assert row["kommune_note"] == ("postal code 3340 lies in 3316; municipality 'Drammen' names 3301 "
                                   "(the postal code wins)")


def test_a_district_without_a_kommune_is_kept_a_local_branch_is_not(gaz):
    nowhere = {"municipality": "Atlantis", "county": "Havet"}
    district = branch(branchId="D099", branchType="Distrikt", branchLocation=nowhere, branchActivities=[])
    local = branch(branchId="L099", branchLocation=nowhere)
    parsed = parse_export(export(district, local), gazetteer=gaz, source_id="x", locator="x")
    assert [(b["branch_id"], b["kommune_nr"]) for b in parsed.branches] == [("D099", None)]
    assert parsed.branches[0]["kommune_note"].startswith("kommune not resolved (unresolved): no kommune has ever been")
    assert parsed.quarantine[0]["payload"]["branchId"] == "L099"
    assert "Atlantis" in parsed.quarantine[0]["reason"]


def test_activities_without_a_global_name_are_quarantined(gaz):
    b = branch(branchActivities=[{"globalActivityName": "Hjelpekorps", "localActivityName": "A"},
                                 {"globalActivityName": "", "localActivityName": "B"}, {"localActivityName": "C"}])
    parsed = parse_export(export(b), gazetteer=gaz, source_id="x", locator="x")
    assert [a["global_activity_slug"] for a in parsed.activities] == ["hjelpekorps"]
    assert [q["reason"] for q in parsed.quarantine] == ["activity without a globalActivityName"] * 2
    assert parsed.records == 1 + 3


def test_text_helpers():
    assert clean("  NULL ") is None and clean("  a   b ") == "a b" and clean("") is None
    assert slugify("Røde Kors Friluftsliv og Førstehjelp (RØFF)") == "rode-kors-friluftsliv-og-forstehjelp-roff"
    assert slugify("Kors på halsen") == "kors-pa-halsen" and slugify("Opplæring") == "opplaering"


# ------------------------------------------------------------------------------ fetches
def manifest_with(fetch: dict, **parse) -> Manifest:
    data = get_manifest("redcross-branches").model_dump(mode="json", exclude_none=True)
    data["fetch"] = fetch
    if parse:
        data["parse"] = {"parser": "redcross_organizations", "options": parse}
    return Manifest.model_validate(data)


def context(tmp_path: Path, manifest: Manifest, client=None, last_success=None) -> RunContext:
    client = client or HttpClient(source_id=manifest.id, snapshot_dir=FOLDER / "snapshots", mode="replay")
    return RunContext(manifest=manifest, run_key="t", client=client, landing=LandingStore(str(tmp_path / "landing")),
                      last_success=last_success)


def test_the_dump_comes_from_the_manifest_url_in_replay_and_unchanged_bytes_skip(tmp_path):
    m = get_manifest("redcross-branches")
    plan = StaticDumpAdapter().discover(context(tmp_path, m))
    assert plan.skip_reason is None and plan.fetched[0].url == DUMP_URL
    assert plan.upstream_updated.isoformat() == "2026-11-01T06:00:00+00:00"
    again = StaticDumpAdapter().discover(context(tmp_path, m, last_success={"upstream_version": plan.upstream_version}))
    assert again.skip and "byte-identical" in again.skip_reason


def test_the_dump_can_be_a_local_path(tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(SAMPLE.read_bytes())
    m = manifest_with({"kind": "static_dump", "endpoint": DUMP_URL, "options": {"path": str(path)}})
    ctx = context(tmp_path, m)
    plan = StaticDumpAdapter().discover(ctx)
    assert plan.fetched[0].url == path.as_uri() and ctx.landing.get(plan.fetched[0].key) == SAMPLE.read_bytes()
    m = manifest_with({"kind": "static_dump", "endpoint": DUMP_URL, "options": {"path": str(tmp_path / "nope.json")}})
    with pytest.raises(DumpError, match="does not exist"):
        StaticDumpAdapter().discover(context(tmp_path, m))
    m = manifest_with({"kind": "static_dump", "endpoint": DUMP_URL, "options": {"path": str(path), "min_bytes": 10**7}})
    with pytest.raises(DumpError, match="refusing a truncated file"):
        StaticDumpAdapter().discover(context(tmp_path, m))


LIVE = {"kind": "json_api", "endpoint": "https://api.redcross.invalid/v1", "auth_conn_id": "redcross_api",
        "options": {"api": "redcross_organizations", "path": "/getOrganizations", "key_header": "X-Api-Key"}}


class FakeLiveClient:
    """A live-mode client that records what would be sent (no network in tests)."""

    mode = "live"

    def __init__(self, body: bytes):
        self.body, self.sent = body, []

    def get(self, url, *, headers=None, **_):
        self.sent.append((url, dict(headers or {})))
        return HttpResponse(HttpRequest("GET", url), 200, {"content-type": "application/json"}, self.body)


def test_the_live_api_sends_the_key_from_the_airflow_connection_and_never_stores_it(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_REDCROSS_API", json.dumps({"conn_type": "http", "password": "s3cret-key"}))
    m = manifest_with(LIVE)
    client = FakeLiveClient(DUMP.read_bytes())
    ctx = context(tmp_path, m, client=client)
    plan = redcross_api.RedcrossApiAdapter().discover(ctx)
    assert client.sent == [("https://api.redcross.invalid/v1/getOrganizations", {"X-Api-Key": "s3cret-key"})]
    stored = json.dumps([f.to_json() for f in plan.fetched]) + json.dumps(plan.notes)
    assert "s3cret" not in stored
    assert ctx.landing.get(plan.fetched[0].key) == DUMP.read_bytes()


def test_the_live_api_without_its_connection_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_REDCROSS_API", raising=False)
    ctx = context(tmp_path, manifest_with(LIVE), client=FakeLiveClient(b"{}"))
    with pytest.raises(redcross_api.ApiKeyMissing, match="'redcross_api'.*AIRFLOW_CONN_REDCROSS_API"):
        redcross_api.RedcrossApiAdapter().discover(ctx)


def test_the_same_parser_reads_the_live_answer(tmp_path, gaz):
    """Replay of a recorded live answer (same document as the dump) → the same rows."""
    m = manifest_with(LIVE, gazetteer="snapshots")
    snapshots = tmp_path / "snapshots"
    SnapshotStore(snapshots).record(HttpRequest("GET", "https://api.redcross.invalid/v1/getOrganizations"), 200,
                                    {"content-type": "application/json"}, DUMP.read_bytes())
    ctx = context(tmp_path, m, client=HttpClient(source_id=m.id, snapshot_dir=snapshots, mode="replay"))
    plan = redcross_api.RedcrossApiAdapter().discover(ctx)
    from atlas_ingest.families.redcross.parse import parse

    live = parse(ctx, plan.fetched)
    dump = parse_export(load(DUMP), gazetteer=gaz, source_id=m.id, locator="x")
    assert [t.rows for t in live.tables] == [len(dump.branches), len(dump.activities)] == [36, 93]
    assert len(live.quarantine) == 2


def test_manifests_validate_and_reject_a_bad_api():
    m = get_manifest("redcross-branches")
    assert m.fetch.kind.value == "static_dump" and m.parse_options().gazetteer == "warehouse"
    assert manifest_with(LIVE).fetch_options().root.key_header == "X-Api-Key"
    with pytest.raises(Exception, match="local_types"):
        manifest_with(m.fetch.model_dump(mode="json", exclude_none=True), local_types=["Kommune"])
    with pytest.raises(Exception, match="key_header"):
        manifest_with({**LIVE, "options": {**LIVE["options"], "key_header": "X Api"}})
