"""The FHI family: planner, discover (change detection, renumbered tables), flags → markers, and
golden parses of each response shape FHI sends (rolling periods, suppression, bydel rows, the
array `category.index`), plus every FHI source's snapshots replayed without a database.

No network, no database: discover runs against HttpClient replay snapshots written to tmp_path.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from atlas_ingest.families.fhi import api
from atlas_ingest.families.fhi.api import (
    FhiApiAdapter,
    FhiDimension,
    FhiPlannerError,
    FhiTableError,
    dimensions_from_document,
    expand_values,
    fhi_period_code,
    plan_data_requests,
    split_selection,
)
from atlas_ingest.families.fhi.parse import FhiFlagError, flag_legend, marker_for_meaning, parse, status_map
from atlas_ingest.formats.jsonstat import iter_cells
from atlas_ingest.http import HttpClient, HttpRequest, SnapshotStore
from atlas_ingest.kinds import Fetched, RunContext, parser_for
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import Manifest, manifests_for_family
from atlas_ingest.settings import SOURCES_DIR

ROOT = Path(__file__).resolve().parents[2]
FHI_EXAMPLE = ROOT / "tests" / "resources" / "jsonstat" / "fhi_openapi_README_example_jsonstat2_response.json"
REFERENCE_BODY = Path("/work/shared/reference/fhi/fhi_openapi_README_example_data_request_body.json")
ENDPOINT = "https://statistikk-data.fhi.no/api/open/v1"
FHI_IDS = sorted(p.parent.name for p in SOURCES_DIR.glob("fhi-*/manifest.yml"))
UNGDATA = {"fhi-livskvalitet", "fhi-depresjon", "fhi-alkohol", "fhi-hasj", "fhi-fortrolig-venn", "fhi-smertestillende",
           "fhi-mediebruk-skjerm", "fhi-mediebruk-spill", "fhi-mediebruk-sosiale", "fhi-ensomhet"}
ISSUE_IDS = sorted(UNGDATA | {"fhi-mobbing", "fhi-trangbodd", "fhi-neet", "fhi-vgs-gjennomforing", "fhi-innvkat",
                              "fhi-innvandrere", "fhi-kpr-psykisk"})


# ------------------------------------------------------------------------------ helpers
def manifest(source_id: str = "fhi-livskvalitet", *, fetch_options: dict | None = None,
             parse_options: dict | None = None, **overrides) -> Manifest:
    """A real FHI manifest (so the test follows the schema), with overrides."""
    data = yaml.safe_load((SOURCES_DIR / source_id / "manifest.yml").read_text(encoding="utf-8"))
    if fetch_options:
        data["fetch"]["options"].update(fetch_options)
    if parse_options is not None:
        data["parse"]["options"] = parse_options
    data.update(overrides)
    return Manifest.model_validate(data)


def cube(geo, aar, measures, values, *, extra=None, role="fhi", status=""):
    """An FHI-shaped json-stat2 answer: array indexes, role without time/geo, status ""."""
    dims = [("GEO", geo), ("AAR", aar), *(extra or []), ("MEASURE_TYPE", measures)]
    doc = {
        "class": "dataset", "version": "2.0", "href": None, "label": "Test_Ungdata_KH",
        "updated": "2026-03-17T09:30:00.1234567+00:00", "source": None,
        "id": [d for d, _ in dims], "size": [len(v) for _, v in dims],
        "role": {"time": None, "geo": None, "metric": ["MEASURE_TYPE"]} if role == "fhi" else None,
        "dimension": {d: {"label": d, "category": {"index": list(v), "label": {c: c for c in v}}} for d, v in dims},
        "value": values, "status": status,
    }
    doc["dimension"]["MEASURE_TYPE"]["category"]["unit"] = {
        m: {"decimals": 1, "label": "prosent", "symbol": None, "position": None} for m in measures}
    return doc


FLAGS = [{"title": "..", "text": "Manglende data"}, {"title": ".", "text": "Lar seg ikke beregne"},
         {"title": ":", "text": "Anonymisert. Tallet vises ikke av personvernhensyn"}]


def run_parse(tmp_path, m: Manifest, *docs, flags=FLAGS, table=373):
    landing = LandingStore(str(tmp_path / "landing"))
    fetched = []
    if flags is not None:
        body = json.dumps(flags).encode()
        fetched.append(Fetched(role="flags", method="GET", url=f"{ENDPOINT}/nokkel/Table/{table}/flag", params=[],
                               json_body=None, key=landing.put(body), status=200, bytes=len(body)))
    for i, doc in enumerate(docs):
        body = json.dumps(doc).encode()
        fetched.append(Fetched(role="data", method="POST", url=f"{ENDPOINT}/nokkel/Table/{table}/data", params=[],
                               json_body={"piece": i}, key=landing.put(body), status=200, bytes=len(body),
                               meta={"fhi_table": table}))
    ctx = RunContext(manifest=m, run_key="test", landing=landing)
    result = parse(ctx, fetched)
    tables = {t.table: list(csv.DictReader(io.StringIO(landing.get(t.key).decode("utf-8")))) for t in result.tables}
    return result, tables


def rows_of(tables):
    return [(r["region_code"], r["region_level"], r["period_id"], r["contents_code"], r["value"], r["status"])
            for r in tables["raw.observations"]]


# ------------------------------------------------------------------------------ golden parses
def test_rolling_periods_bydel_rows_and_suppression(tmp_path):
    doc = cube(["0", "0301", "030116", "030101"], ["2019_2021", "2022_2024"], ["MEIS", "SMR"],
               [61.2, 100, 62.0, 100,
                58.1, 95, ":", ":",
                ":", ":", "..", "..",
                49.9, 82, 0, 0],
               extra=[("KJONN", ["0"])])
    result, tables = run_parse(tmp_path, manifest(), doc)
    assert rows_of(tables) == [
        ("0", "land", "2019-2021", "MEIS", "61.2", ""),
        ("0", "land", "2019-2021", "SMR", "100", ""),
        ("0", "land", "2022-2024", "MEIS", "62.0", ""),
        ("0", "land", "2022-2024", "SMR", "100", ""),
        ("0301", "kommune", "2019-2021", "MEIS", "58.1", ""),
        ("0301", "kommune", "2019-2021", "SMR", "95", ""),
        ("0301", "kommune", "2022-2024", "MEIS", "", ":"),       # anonymised: NULL + marker, never 0
        ("0301", "kommune", "2022-2024", "SMR", "", ":"),
        ("030116", "bydel", "2019-2021", "MEIS", "", ":"),       # a bydel, suppressed
        ("030116", "bydel", "2019-2021", "SMR", "", ":"),
        ("030116", "bydel", "2022-2024", "MEIS", "", ".."),      # missing: NULL + marker
        ("030116", "bydel", "2022-2024", "SMR", "", ".."),
        ("030101", "bydel", "2019-2021", "MEIS", "49.9", ""),
        ("030101", "bydel", "2019-2021", "SMR", "82", ""),
        ("030101", "bydel", "2022-2024", "MEIS", "0", ""),       # a real 0 stays 0
        ("030101", "bydel", "2022-2024", "SMR", "0", ""),
    ]
    got = rows_of(tables)
    assert len(got) == 16 and result.quarantine == []
    assert result.periods == ["2019-2021", "2022-2024"]
    assert {r["dimensions"] for r in tables["raw.observations"]} == {'{"KJONN": "0"}'}
    assert {r["table_id"] for r in tables["raw.observations"]} == {"373"}
    # never 0 for a suppressed cell: value NULL iff a marker
    assert all((r["value"] == "") == (r["status"] != "") for r in tables["raw.observations"])
    catalog = {r["contents_code"]: r for r in tables["raw.indicator_catalog"]}
    assert catalog["MEIS"]["unit"] == "prosent" and catalog["MEIS"]["decimals"] == "1"
    assert catalog["SMR"]["table_title"] == "Test_Ungdata_KH"


def test_single_year_periods_and_role_null(tmp_path):
    # FHI's README example has `"role": null`; single years come as `2024_2024`.
    doc = cube(["0", "4601", "460102"], ["2023_2023", "2024_2024"], ["TELLER", "RATE"],
               [1000, 5.1, 1100, 5.4, 300, 6.2, ":", ":", 40, 7.0, 41, 7.1], role=None)
    result, tables = run_parse(tmp_path, manifest("fhi-neet"), doc, table=809)
    assert rows_of(tables) == [
        ("0", "land", "2023", "TELLER", "1000", ""),
        ("0", "land", "2023", "RATE", "5.1", ""),
        ("0", "land", "2024", "TELLER", "1100", ""),
        ("0", "land", "2024", "RATE", "5.4", ""),
        ("4601", "kommune", "2023", "TELLER", "300", ""),
        ("4601", "kommune", "2023", "RATE", "6.2", ""),
        ("4601", "kommune", "2024", "TELLER", "", ":"),
        ("4601", "kommune", "2024", "RATE", "", ":"),
        ("460102", "bydel", "2023", "TELLER", "40", ""),
        ("460102", "bydel", "2023", "RATE", "7.0", ""),
        ("460102", "bydel", "2024", "TELLER", "41", ""),
        ("460102", "bydel", "2024", "RATE", "7.1", ""),
    ]
    assert result.quarantine == [] and result.periods == ["2023", "2024"]


def test_fhi_readme_example_through_the_fhi_parser(tmp_path):
    """The real documented answer (array index, null roles, `status: ""`) via parser `fhi_jsonstat2`."""
    m = manifest("fhi-neet", parse_options={"table_id": "befolkningsvekst"})
    doc = json.loads(FHI_EXAMPLE.read_bytes())
    result, tables = run_parse(tmp_path, m, doc, flags=None)
    assert rows_of(tables) == [
        ("03", "fylke", "2020", "BEFVEKST_ANT", "3516", ""),
        ("03", "fylke", "2021", "BEFVEKST_ANT", "2817", ""),
        ("30", "fylke", "2020", "BEFVEKST_ANT", "11219", ""),
        ("30", "fylke", "2021", "BEFVEKST_ANT", "16846", ""),
    ]
    assert tables["raw.observations"][0]["dimensions"] == '{"ALDER": "0", "KJONN": "0"}'
    assert result.quarantine == []
    assert any("no /flag legend" in w for w in result.warnings)
    # an explicit parse option names the table; otherwise it is the table FHI served (fetch meta)
    assert {r["table_id"] for r in tables["raw.observations"]} == {"befolkningsvekst"}


def test_rolling_window_on_a_single_year_source_is_quarantined(tmp_path):
    doc = cube(["0"], ["2022_2024"], ["RATE"], [5.0])
    result, tables = run_parse(tmp_path, manifest("fhi-neet"), doc, table=809)
    assert tables["raw.observations"] == []
    assert "spans 3 years, but the source's grain is P1Y" in result.quarantine[0]["reason"]


def test_bydel_outside_the_bydel_kommuner_is_quarantined_with_the_reason(tmp_path):
    doc = cube(["300101", "110309", "0"], ["2022_2024"], ["MEIS"], [12.0, 13.0, 14.0])
    result, tables = run_parse(tmp_path, manifest(), doc)
    assert [r["region_code"] for r in tables["raw.observations"]] == ["110309", "0"]
    [q] = result.quarantine
    assert q["payload"]["region_code"] == "300101"
    assert "cannot resolve through the bydel classification" in q["reason"]
    assert q["locator"].endswith("/nokkel/Table/373/data#cell=0")
    assert result.records == 3


def test_unknown_region_shape_is_quarantined(tmp_path):
    doc = cube(["0", "EAK"], ["2022_2024"], ["MEIS"], [12.0, 13.0])
    result, _ = run_parse(tmp_path, manifest(), doc)
    assert "is not a 1-, 2-, 4- or 6-digit SSB code" in result.quarantine[0]["reason"]


def test_flag_meanings_decide_the_marker(tmp_path):
    # FHI could use other symbols; the legend's wording maps them: "*" anonymised → ":",
    # "-" missing → "..". A symbol that reads as "anonymised" wins over its SSB look-alike.
    flags = [{"title": "*", "text": "Anonymisert av personvernhensyn"},
             {"title": "-", "text": "Manglende data"},
             {"title": ".", "text": "Prikket: for få tilfeller"}]
    doc = cube(["0301", "0302", "0303", "0304"], ["2022_2024"], ["MEIS"], ["*", "-", ".", 1.5])
    result, tables = run_parse(tmp_path, manifest(), doc, flags=flags)
    assert [(r["region_code"], r["value"], r["status"]) for r in tables["raw.observations"]] == [
        ("0301", "", ":"), ("0302", "", ".."), ("0303", "", ":"), ("0304", "1.5", "")]
    assert result.quarantine == []


def test_unmapped_flag_is_quarantined_never_zero(tmp_path):
    flags = [{"title": "#", "text": "Ny tegnforklaring uten kjent betydning"}]
    doc = cube(["0301", "0302"], ["2022_2024"], ["MEIS"], ["#", 3.0])
    result, tables = run_parse(tmp_path, manifest(), doc, flags=flags)
    assert [r["region_code"] for r in tables["raw.observations"]] == ["0302"]
    assert "unknown status marker '#'" in result.quarantine[0]["reason"]
    assert any("'#'" in w and "quarantined" in w for w in result.warnings)


def test_explicit_flag_markers_in_the_manifest_win(tmp_path):
    m = manifest(parse_options={"flag_markers": {"#": ".."}})
    doc = cube(["0301"], ["2022_2024"], ["MEIS"], ["#"])
    result, tables = run_parse(tmp_path, m, doc, flags=[{"title": "#", "text": "Anonymisert"}])
    assert [(r["value"], r["status"]) for r in tables["raw.observations"]] == [("", "..")]
    with pytest.raises(FhiFlagError, match="does not list"):
        status_map({}, {"#": "x"}, [":", ".."])


def test_status_object_from_fhi_is_translated_too(tmp_path):
    # Should FHI ever send markers in `status` (as SSB does), the same mapping applies.
    doc = cube(["0301", "0302"], ["2022_2024"], ["MEIS"], [None, 2.0], status={"0": "*"})
    _, tables = run_parse(tmp_path, manifest(), doc, flags=[{"title": "*", "text": "Anonymisert"}])
    assert [(r["value"], r["status"]) for r in tables["raw.observations"]] == [("", ":"), ("2.0", "")]


def test_decoder_turns_flag_strings_in_value_into_status():
    doc = cube(["0301"], ["2022_2024"], ["MEIS", "SMR", "RATE", "TELLER"], [":", "12.5", "", None])
    cells = list(iter_cells(json.dumps(doc)))
    assert [(c.value, c.status) for c in cells] == [(None, ":"), ("12.5", None), (None, None), (None, None)]


# ------------------------------------------------------------------------------ flag legend
@pytest.mark.parametrize("doc, expected", [
    (FLAGS, {"..": "Manglende data", ".": "Lar seg ikke beregne",
             ":": "Anonymisert. Tallet vises ikke av personvernhensyn"}),
    ([{"symbol": ":", "description": "Anonymisert"}], {":": "Anonymisert"}),
    ([{"text": "Manglende data", "title": ".."}], {"..": "Manglende data"}),
    ({"flags": [{"flag": ":", "label": "Skjult"}]}, {":": "Skjult"}),
    ([{"title": "Ingen symbol her", "text": "bare tekst"}], {}),
])
def test_flag_legend_shapes(doc, expected):
    assert flag_legend(doc) == expected


@pytest.mark.parametrize("meaning, marker", [
    ("Anonymisert", ":"), ("Tallet vises ikke av personvernhensyn", ":"), ("For få tilfeller", ":"),
    ("Manglende data", ".."), ("Ikke tilgjengelig", ".."), ("Lar seg ikke beregne", "."),
    ("Kan ikke beregnes fordi nevneren er 0", "."), ("noe helt annet", None),
])
def test_marker_for_meaning(meaning, marker):
    assert marker_for_meaning(meaning) == marker


# ------------------------------------------------------------------------------ planner
GEO = FhiDimension("GEO", "Geografi", ("0", "03", "0301", "030101", "030102", "11", "1103", "110301"),
                   {c: c for c in ("0", "03", "0301", "030101", "030102", "11", "1103", "110301")})
AAR = FhiDimension("AAR", "År", ("2018_2020", "2019_2021", "2020_2022", "2021_2023", "2022_2024"),
                   {c: c for c in ("2018_2020", "2019_2021", "2020_2022", "2021_2023", "2022_2024")})
KJONN = FhiDimension("KJONN", "Kjønn", ("0", "1", "2"), {"0": "0", "1": "1", "2": "2"})
MT = FhiDimension("MEASURE_TYPE", "Måltall", ("MEIS", "SMR"), {"MEIS": "MEIS", "SMR": "SMR"})
DIMS = [GEO, AAR, KJONN, MT]


@pytest.mark.parametrize("dim, tokens, expected", [
    (AAR, ["bottom(2)"], ["2021_2023", "2022_2024"]),                   # FHI's bottom = the latest
    (AAR, ["top(1)"], ["2018_2020"]),                                   # FHI's top = the oldest
    (AAR, ["2022_2024", "bottom(1)", "2019_2021"], ["2019_2021", "2022_2024"]),  # de-duplicated, FHI order
    (GEO, ["03*"], ["03", "0301", "030101", "030102"]),                 # FHI's wildcard: a prefix
    (GEO, ["*"], list(GEO.values)),
    (KJONN, ["2", "0"], ["0", "2"]),
])
def test_expand_values(dim, tokens, expected):
    assert expand_values(dim, tokens) == expected


def test_expand_values_errors():
    with pytest.raises(FhiPlannerError, match="'9' is not a category"):
        expand_values(KJONN, ["9"])
    with pytest.raises(FhiPlannerError, match="matches no category"):
        expand_values(GEO, ["99*"])


def test_dimension_tree_is_flattened_depth_first():
    doc = {"dimensions": [{"code": "GEO", "label": "Geografi", "categories": [
        {"value": "0", "label": "Hele landet", "children": [
            {"value": "03", "label": "Oslo", "children": [
                {"value": "0301", "label": "Oslo", "children": [{"value": "030101", "label": "Gamle Oslo", "children": None}]}]},
            {"value": "11", "label": "Rogaland", "children": None}]}]},
        {"code": "AAR", "label": "År", "categories": [{"value": "2024_2024", "label": "2024"}]}]}
    geo, aar = dimensions_from_document(doc)
    assert geo.values == ("0", "03", "0301", "030101", "11") and geo.labels["030101"] == "Gamle Oslo"
    assert aar.values == ("2024_2024",)
    with pytest.raises(FhiPlannerError):
        dimensions_from_document({"nothing": []})


def test_plan_is_one_item_request_in_the_documented_body_shape():
    spec = {"GEO": ["*"], "AAR": ["bottom(2)"], "KJONN": ["0"], "MEASURE_TYPE": ["*"]}
    [req] = plan_data_requests(endpoint=ENDPOINT, source="nokkel", table=373, dims=DIMS, selection_spec=spec,
                               max_rows=50_000, time_dimension="AAR", measure_dimension="MEASURE_TYPE")
    assert (req.method, req.url) == ("POST", f"{ENDPOINT}/nokkel/Table/373/data")
    assert req.json_body == {
        "dimensions": [
            {"code": "GEO", "filter": "item", "values": list(GEO.values)},
            {"code": "AAR", "filter": "item", "values": ["2021_2023", "2022_2024"]},
            {"code": "KJONN", "filter": "item", "values": ["0"]},
            {"code": "MEASURE_TYPE", "filter": "item", "values": ["MEIS", "SMR"]},
        ],
        "response": {"format": "json-stat2", "maxRowCount": 50_000},
    }
    assert req.meta == {"cells": 8 * 2 * 1 * 2, "fhi_table": 373}
    if REFERENCE_BODY.exists():  # the same keys as FHI's documented example body
        reference = json.loads(REFERENCE_BODY.read_text())
        assert set(reference) == set(req.json_body)
        assert set(reference["response"]) == set(req.json_body["response"])
        assert all(set(d) == {"code", "filter", "values"} for d in reference["dimensions"])


def test_plan_splits_above_max_rows_along_geo_never_time_or_measure():
    spec = {"GEO": ["*"], "AAR": ["*"], "KJONN": ["*"], "MEASURE_TYPE": ["*"]}
    reqs = plan_data_requests(endpoint=ENDPOINT, source="nokkel", table=373, dims=DIMS, selection_spec=spec,
                              max_rows=60, time_dimension="AAR", measure_dimension="MEASURE_TYPE")
    bodies = [{d["code"]: d["values"] for d in r.json_body["dimensions"]} for r in reqs]
    assert all(r.meta["cells"] <= 60 for r in reqs) and sum(r.meta["cells"] for r in reqs) == 8 * 5 * 3 * 2
    assert all(b["AAR"] == list(AAR.values) and b["MEASURE_TYPE"] == ["MEIS", "SMR"] for b in bodies)
    geo_pieces = [v for b in bodies for v in b["GEO"]]
    assert sorted(geo_pieces) == sorted(GEO.values)  # disjoint, and together the whole selection


def test_split_refuses_when_only_time_and_measure_are_left():
    with pytest.raises(FhiPlannerError, match="narrow the time or measure"):
        split_selection({"AAR": ["a", "b", "c"], "MEASURE_TYPE": ["x", "y"]}, ("AAR", "MEASURE_TYPE"), 5)


def test_plan_needs_every_dimension_and_no_unknown_one():
    with pytest.raises(FhiPlannerError, match="add KJONN"):
        plan_data_requests(endpoint=ENDPOINT, source="nokkel", table=1, dims=DIMS,
                           selection_spec={"GEO": ["*"], "AAR": ["*"], "MEASURE_TYPE": ["*"]}, max_rows=10,
                           time_dimension="AAR", measure_dimension="MEASURE_TYPE")
    with pytest.raises(FhiPlannerError, match="no dimension"):
        plan_data_requests(endpoint=ENDPOINT, source="nokkel", table=1, dims=DIMS,
                           selection_spec={"GEO": ["*"], "AAR": ["*"], "KJONN": ["*"], "MEASURE_TYPE": ["*"],
                                           "SOES": ["0"]}, max_rows=10, time_dimension="AAR",
                           measure_dimension="MEASURE_TYPE")


@pytest.mark.parametrize("period, code", [("2024", "2024_2024"), ("2019-2021", "2019_2021"),
                                          ("2019_2021", "2019_2021"), ("2019/2021", "2019_2021")])
def test_fhi_period_code(period, code):
    assert fhi_period_code(period) == code


def test_backfill_periods_replace_the_time_selection():
    spec = {"GEO": ["0"], "AAR": ["bottom(1)"], "KJONN": ["0"], "MEASURE_TYPE": ["MEIS"]}
    [req] = plan_data_requests(endpoint=ENDPOINT, source="nokkel", table=373, dims=DIMS, selection_spec=spec,
                               max_rows=100, time_dimension="AAR", measure_dimension="MEASURE_TYPE",
                               time_override=["2018-2020", "2019_2021"])
    assert req.json_body["dimensions"][1]["values"] == ["2018_2020", "2019_2021"]


def test_fetch_options_validate_tokens():
    with pytest.raises(Exception, match="not a selection token"):
        manifest(fetch_options={"dimensions": {"GEO": ["a b"], "AAR": ["*"], "MEASURE_TYPE": ["*"]}})
    with pytest.raises(Exception, match="time/measure dimension"):
        manifest(fetch_options={"dimensions": {"GEO": ["*"], "MEASURE_TYPE": ["*"]}})


# ------------------------------------------------------------------------------ discover
DIMENSION_DOC = {"dimensions": [
    {"code": "GEO", "label": "Geografi", "categories": [{"value": "0", "label": "Hele landet", "children": [
        {"value": "03", "label": "Oslo", "children": [{"value": "0301", "label": "Oslo", "children": [
            {"value": "030101", "label": "Gamle Oslo", "children": None}]}]}]}]},
    {"code": "AAR", "label": "År", "categories": [{"value": "2021_2023", "label": "2021-2023", "children": None},
                                                   {"value": "2022_2024", "label": "2022-2024", "children": None}]},
    {"code": "KJONN", "label": "Kjønn", "categories": [{"value": "0", "label": "Kjønn samlet", "children": None}]},
    {"code": "ALDER", "label": "Alder", "categories": [{"value": "1_6", "label": "Ungdata", "children": None}]},
    {"code": "SOES", "label": "SES", "categories": [{"value": "0", "label": "Alle", "children": None}]},
    {"code": "LIVSKVALITET", "label": "Livskvalitet", "categories": [{"value": "8_10", "label": "8-10", "children": None}]},
    {"code": "MEASURE_TYPE", "label": "Måltall", "categories": [{"value": "MEIS", "label": "MEIS", "children": None},
                                                                 {"value": "SMR", "label": "SMR", "children": None}]},
]}
TABLE = {"tableId": 373, "title": "Livskvalitet_Ungdata_KH", "publishedAt": "2025-03-18T08:00:00",
         "modifiedAt": "2026-03-17T09:30:00"}


def snapshots(tmp_path, *, table=TABLE, table_status=200, listing=None, table_id=373):
    store = SnapshotStore(tmp_path / "snap")
    headers = {"content-type": "application/json"}
    store.record(HttpRequest("GET", f"{ENDPOINT}/nokkel/table/{table_id}"), table_status, headers, json.dumps(table).encode())
    if listing is not None:
        store.record(HttpRequest("GET", f"{ENDPOINT}/nokkel/table"), 200, headers, json.dumps(listing).encode())
    store.record(HttpRequest("GET", f"{ENDPOINT}/nokkel/Table/373/dimension"), 200, headers,
                 json.dumps(DIMENSION_DOC).encode())
    store.record(HttpRequest("GET", f"{ENDPOINT}/nokkel/Table/373/flag"), 200, headers, json.dumps(FLAGS).encode())
    return tmp_path / "snap"


def context(tmp_path, snap, m=None, **kwargs) -> RunContext:
    m = m or manifest()
    return RunContext(manifest=m, run_key="t", client=HttpClient(source_id=m.id, snapshot_dir=snap, mode="replay"),
                      landing=LandingStore(str(tmp_path / "landing")), **kwargs)


def test_discover_first_run_plans_and_keeps_the_legend(tmp_path):
    ctx = context(tmp_path, snapshots(tmp_path))
    plan = FhiApiAdapter().discover(ctx)
    assert plan.skip_reason is None
    assert plan.upstream_updated == datetime(2026, 3, 17, 9, 30, tzinfo=timezone.utc)  # no offset: read as UTC
    assert plan.upstream_version == "2026-03-17T09:30:00"
    assert [f.role for f in plan.fetched] == ["table", "dimension", "flags"]
    [req] = plan.requests
    assert req.json_body["dimensions"][1] == {"code": "AAR", "filter": "item", "values": ["2021_2023", "2022_2024"]}
    assert plan.notes["fhi_table"] == 373 and plan.notes["cells"] == 4 * 2 * 2


def test_discover_skips_an_unchanged_table_without_reading_more(tmp_path):
    previous = {"upstream_updated": datetime(2026, 3, 17, 9, 30, tzinfo=timezone.utc)}
    ctx = context(tmp_path, snapshots(tmp_path), last_success=previous)
    plan = FhiApiAdapter().discover(ctx)
    assert plan.skip and "not modified since" in plan.skip_reason
    assert plan.requests == [] and [f.role for f in plan.fetched] == ["table"]
    assert ctx.client.stats["requests"] == 1  # only the table's modifiedAt was asked for


def test_discover_loads_a_modified_table_and_honours_force_and_periods(tmp_path):
    older = {"upstream_updated": datetime(2025, 1, 1, tzinfo=timezone.utc)}
    assert not FhiApiAdapter().discover(context(tmp_path, snapshots(tmp_path), last_success=older)).skip
    same = {"upstream_updated": datetime(2026, 3, 17, 9, 30, tzinfo=timezone.utc)}
    forced = FhiApiAdapter().discover(context(tmp_path, snapshots(tmp_path), last_success=same, force=True))
    assert forced.skip and len(forced.requests) == 1  # the pipeline logs the skip reason, then fetches anyway
    backfill = FhiApiAdapter().discover(context(tmp_path, snapshots(tmp_path), last_success=same,
                                                params={"periods": ["2021-2023"]}))
    assert not backfill.skip and backfill.requests[0].json_body["dimensions"][1]["values"] == ["2021_2023"]


def test_discover_periods_from_the_pipeline_and_empty_params(tmp_path):
    # the DAG's `periods` param defaults to []: that is "the latest", not "no period at all"
    plan = FhiApiAdapter().discover(context(tmp_path, snapshots(tmp_path), params={"periods": []}))
    assert plan.requests[0].json_body["dimensions"][1]["values"] == ["2021_2023", "2022_2024"]
    # a backfill: the pipeline hands canonical period ids (ctx.periods); only published ones are asked for
    ctx = context(tmp_path, snapshots(tmp_path))
    ctx.periods = ["2021-2023", "2015-2017"]
    plan = FhiApiAdapter().discover(ctx)
    assert plan.requests[0].json_body["dimensions"][1]["values"] == ["2021_2023"]
    assert plan.notes["periods"] == ["2021_2023"]
    ctx = context(tmp_path, snapshots(tmp_path))
    ctx.periods = ["2015-2017"]
    plan = FhiApiAdapter().discover(ctx)
    assert plan.skip and "publishes none of the periods" in plan.skip_reason and plan.requests == []


def test_discover_refuses_a_table_with_another_title(tmp_path):
    snap = snapshots(tmp_path, table={**TABLE, "title": "Noe helt annet"})
    with pytest.raises(FhiTableError, match="renumbered"):
        FhiApiAdapter().discover(context(tmp_path, snap))


def test_discover_names_the_new_id_when_a_table_is_gone(tmp_path):
    listing = [{"tableId": 999, "title": "Livskvalitet_Ungdata_KH", "modifiedAt": "2026-09-01T00:00:00"},
               {"tableId": 1, "title": "Befolkning"}]
    snap = snapshots(tmp_path, table={"status": "Not found"}, table_status=404, listing=listing)
    with pytest.raises(FhiTableError, match="it is now table 999"):
        FhiApiAdapter().discover(context(tmp_path, snap))


def test_discover_finds_an_unpinned_table_by_title(tmp_path):
    listing = [{"tableId": 12, "title": "Annet"}, {**TABLE, "title": "livskvalitet_ungdata_kh "}]
    snap = snapshots(tmp_path, listing=listing)
    m = manifest()
    data = m.model_dump(mode="json")
    data["fetch"]["options"].pop("table")
    unpinned = Manifest.model_validate(data)
    plan = FhiApiAdapter().discover(context(tmp_path, snap, unpinned))
    assert [f.role for f in plan.fetched][0] == "tables" and plan.notes["fhi_table"] == 373
    with pytest.raises(FhiTableError, match="no FHI table is titled"):
        api.find_table([{"tableId": 1, "title": "Livskvalitet_Ungdata"}], "Ensomhet_Ungdata_KH")


# ------------------------------------------------------------------------------ the real sources
def test_the_issue_s_seventeen_sources_exist_in_the_fhi_family():
    assert FHI_IDS == ISSUE_IDS
    assert [m.id for m in manifests_for_family("fhi")] == ISSUE_IDS


@pytest.mark.parametrize("source_id", ISSUE_IDS)
def test_fhi_manifest(source_id):
    m = manifest(source_id)
    opts = m.fetch_options()
    assert (m.provider.value, m.family, m.fetch.kind.value, m.parse.parser) == ("fhi", "fhi", "fhi_api", "fhi_jsonstat2")
    assert m.fetch.endpoint == ENDPOINT and opts.source == "nokkel" and opts.indicator and opts.table_title
    assert (opts.table is None) == (source_id == "fhi-ensomhet")  # the one table whose id is not known
    assert {":", "..", "."} <= set(m.suppression_markers)
    assert {g.value for g in m.geo_level} == {"land", "fylke", "kommune", "bydel"}
    assert opts.dimensions["GEO"] == ["*"] and opts.dimensions["AAR"][0].startswith("bottom(")
    if source_id in UNGDATA:
        assert m.presentation_policy.value == "sensitive" and "Ungdata" in (m.methodology_note or "")
        assert m.period_grain.value == "P3Y"
    if source_id in ("fhi-mobbing", "fhi-vgs-gjennomforing", "fhi-kpr-psykisk"):
        assert m.period_grain.value == "P3Y"
    readme = (SOURCES_DIR / source_id / "README.md").read_text(encoding="utf-8")
    for section in ("**What.**", "**Why.**", "**API.**", "**Quirks.**", "**Change detection.**", "**Backfill.**",
                    "**Snapshots.**"):
        assert section in readme, f"{source_id}: README has no {section} section"
    snapshot_md = (m.snapshot_dir / "SNAPSHOT.md").read_text(encoding="utf-8")
    assert "CONSTRUCTED" in snapshot_md and "No number in them is FHI's" in snapshot_md


@pytest.mark.parametrize("source_id", ISSUE_IDS)
def test_snapshots_replay_cleanly_with_suppression_and_bydel_rows(tmp_path, source_id):
    """discover → fetch → parse in replay, no database: what `airflow dags test fhi` will load."""
    m = manifest(source_id)
    ctx = RunContext(manifest=m, run_key="t", landing=LandingStore(str(tmp_path)),
                     client=HttpClient(source_id=m.id, snapshot_dir=SOURCES_DIR / source_id / "snapshots", mode="replay"))
    adapter = FhiApiAdapter()
    plan = adapter.discover(ctx)
    result = parser_for(m)(ctx, plan.fetched + adapter.fetch(ctx, plan))
    obs = next(t for t in result.tables if t.table == "raw.observations")
    rows = list(csv.DictReader(io.StringIO(ctx.landing.get(obs.key).decode("utf-8"))))
    assert result.quarantine == []
    assert len(rows) > m.min_rows
    assert any(r["status"] == ":" and r["value"] == "" for r in rows), "no anonymised cell"
    assert any(r["region_level"] == "bydel" and r["value"] != "" for r in rows), "no bydel row"
    assert all((r["value"] == "") == (r["status"] != "") for r in rows)
    assert len({r["contents_code"] for r in rows}) >= 2  # each measure type its own contents code


def test_fhi_snapshots_stay_small():
    total = sum(p.stat().st_size for p in SOURCES_DIR.glob("fhi-*/snapshots/*"))
    assert total < 6 * 1024 * 1024, f"FHI snapshots are {total / 1024 / 1024:.1f} MB"


def test_dags_file_is_thin_and_documented():
    text = (ROOT / "dags" / "fhi.py").read_text(encoding="utf-8")
    assert 'build_family_dag("fhi", intro=__doc__)' in text and len(text.splitlines()) < 40


def test_gx_suite_for_fhi_is_valid_json_with_known_placeholders():
    from atlas_ingest.periods import CANONICAL_PERIOD_REGEX
    from atlas_ingest.quality import load_suite_definition

    suite = load_suite_definition("raw_observations__fhi", {"source_id": "fhi-mobbing", "period_regex": CANONICAL_PERIOD_REGEX,
                                                            "min_rows": 1, "provider": "fhi"})
    assert suite["name"] == "raw_observations__fhi" and len(suite["expectations"]) >= 5


def test_copy_of_cube_is_not_mutated():
    doc = cube(["0"], ["2022_2024"], ["MEIS"], [1.0])
    before = copy.deepcopy(doc)
    list(iter_cells(doc))
    assert doc == before
