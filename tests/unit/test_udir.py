"""Udir: the pivot reader against Udir's REAL captures (tests/resources/udir), the planner, the
manifests, and the constructed replay snapshots (no network, no database)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from atlas_ingest.families.udir.api import (
    EnhetTree,
    UdirApiAdapter,
    UdirReportError,
    owner_kind,
    plan_report,
    report_info,
    school_years,
)
from atlas_ingest.families.udir.parse import (
    UdirPivotError,
    clean_name,
    column_paths,
    parse,
    udir_number,
    valid_orgnr,
)
from atlas_ingest.http import HttpClient
from atlas_ingest.kinds import Fetched, RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import get_manifest, manifests_for_family

REAL = Path(__file__).resolve().parents[1] / "resources" / "udir"
ENDPOINT = "https://statistikkportalen.udir.no/api/rapportering"
UDIR_SOURCES = ["udir-elevundersokelsen", "udir-fravar", "udir-gsi", "udir-nasjonale-prover", "udir-sluttet-vgs"]


def real(name: str):
    return json.loads((REAL / name).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ small pieces
@pytest.mark.parametrize("cell, expected", [
    ("38 101", ("38101", None)),
    ("38\u2009101", ("38101", None)),
    ("  116", ("116", None)),
    ("0,3", ("0.3", None)),
    ("12,2", ("12.2", None)),
    ("*", (None, "*")),
    ("", (None, None)),
    (None, (None, None)),
    ("12*", ("12*", None)),  # not a number: the writer quarantines it
])
def test_udir_numbers(cell, expected):
    assert udir_number(cell) == expected


def test_orgnr_check_digit():
    for orgnr in ("990334021", "975280888", "975283259", "975283267", "975283283", "975280640"):
        assert valid_orgnr(orgnr), orgnr  # the real schools of the Elevundersøkelsen capture
    assert not valid_orgnr("975283260")
    assert not valid_orgnr("U90099006")  # a school abroad
    assert not valid_orgnr("4203")


def test_names_are_trimmed_and_nfc():
    assert clean_name("Asdal skole ") == "Asdal skole"
    assert clean_name("Troms - Romsa - Tromssa ") == "Troms - Romsa - Tromssa"


def test_header_levels_unfold_to_one_path_per_measure():
    paths = column_paths(real("gsi_data_202510_TRIMMED.json"), "gsi")
    assert len(paths) == 4
    assert paths[0] == ("2025-26", "Alle trinn", "Alle trinn", "Alle kjønn", "Alle eierformer", "Antall elever")
    eug = column_paths(real("eug_data_arendal_10.json"), "eug")
    assert eug == [("2025-26", "Hele landet", "Agder", "Arendal", "Alle skoler", "10. årstrinn", "Alle eierformer",
                    "Alle kjønn", "Andel mobbet")]
    broken = real("fravar_data_202506_TRIMMED.json")
    broken["metadata"]["columns"][0][0]["columnCount"] = 4
    with pytest.raises(UdirPivotError, match="spans 4 columns, the measures 5"):
        column_paths(broken, "fravar")


def test_report_descriptors_and_years():
    gsi = report_info(real("gsi_rapportside.json"), "GSK_Elev_Skol", "u")
    assert gsi.base_path == "rest/v1/Statistikk/GSK/GSI/1/8"
    assert gsi.filter_values_path == "rest/v1/Statistikk/GSK/GSI/1/8/filterVerdier"
    assert gsi.defaults["TidID"] == [202510]
    eug = report_info(real("eug_rapportside.json"), "GSK_EUG_mobbing", "u")
    assert eug.base_path == "rest/v1/Statistikk/GSK/EUG/5/5" and "VisAntallBesvart" in eug.valid_filters
    years = school_years(real("gsi_filterverdier_years.json"), "TidID", "u")
    assert [y.period_id for y in years[:2]] == ["2025-2026", "2024-2025"] and len(years) == 12
    with pytest.raises(UdirReportError, match="no `rappside`"):
        report_info({"oops": 1}, "X", "https://x")


def test_the_real_enhet_tree():
    tree = EnhetTree.from_document(real("eug_filterverdier_TRIMMED.json"), "u")
    schools = {n.kode: n for n in tree.schools()}
    assert {"990334021", "975280888", "975283259", "975283267", "975283283", "975280640", "U90099006"} == set(schools)
    asdal = schools["975280888"]
    assert asdal.navn == "Asdal skole" and tree.ancestor(asdal, 3).kode == "4203" and tree.ancestor(asdal, 2).kode == "42"
    assert tree.root_kode(schools["U90099006"]) == "U"  # Utlandet: never asked (roots = Hele landet)
    asked = tree.nodes(["land", "fylke", "kommune", "school"], ["I"])
    assert "U90099006" not in {n.kode for n in asked} and asked[0].id == -12


def test_owner_labels():
    assert owner_kind("Offentlig skole") == "offentlig" and owner_kind("Privat eiet") == "privat"
    assert owner_kind("Ikke-kommunal") == "privat" and owner_kind("Alle eierformer") is None


def test_the_planner_builds_udir_filter_strings():
    m = get_manifest("udir-gsi")
    report = m.fetch_options().reports[0]
    info = report_info(real("gsi_rapportside.json"), "GSK_Elev_Skol", "u")
    years = school_years(real("gsi_filterverdier_years.json"), "TidID", "u")[:2]
    requests = plan_report(ENDPOINT, report, info, years)
    assert len(requests) == 2
    assert requests[0].url == f"{ENDPOINT}/rest/v1/Statistikk/GSK/GSI/1/8/data"
    assert dict(requests[0].params) == {
        "filter": "TidID(202510)_TrinnID(-10)_KjoennID(-10)_KommunalitetID(-10)_SpoersmaalID(1_2_3_5)",
        "radSti": "-12.*.*.*", "inkluderKoder": "true"}
    # Elevundersøkelsen: one request per enhet of the tree and per grade
    eug = get_manifest("udir-elevundersokelsen").fetch_options().reports[0]
    tree = EnhetTree.from_document(real("eug_filterverdier_TRIMMED.json"), "u")
    eyears = school_years(real("eug_filterverdier_TRIMMED.json"), "TidID", "u")[:1]
    planned = plan_report(ENDPOINT, eug, report_info(real("eug_rapportside.json"), "GSK_EUG_mobbing", "u"), eyears,
                          tree=tree)
    enheter = len(tree.nodes(eug.enhet_levels, ["I"]))
    assert len(planned) == enheter * 2
    assert dict(planned[0].params)["filter"] == \
        "TidID(202512)_EierformID(-10)_KjoennID(-10)_VisAntallBesvart(0)_TrinnID(6)_EnhetID(-12)"


# ------------------------------------------------------------------------------ the parser on real answers
def _ctx(tmp_path, source_id: str) -> RunContext:
    return RunContext(manifest=get_manifest(source_id), run_key="t", landing=LandingStore(str(tmp_path)))


def _fetched(ctx, doc, role="data", **meta) -> Fetched:
    body = json.dumps(doc).encode()
    return Fetched(role=role, method="GET", url=f"{ENDPOINT}/x", params=[], json_body=None, key=ctx.landing.put(body),
                   status=200, bytes=len(body), meta=meta)


def _rows(ctx, result, table="raw.observations"):
    t = next(t for t in result.tables if t.table == table)
    return list(csv.DictReader(io.StringIO(ctx.landing.get(t.key).decode())))


def test_real_gsi_answer(tmp_path):
    ctx = _ctx(tmp_path, "udir-gsi")
    result = parse(ctx, [_fetched(ctx, real("gsi_rapportside.json"), "report", report="GSK_Elev_Skol",
                                  name="Elever og skoler"),
                         _fetched(ctx, real("gsi_data_202510_TRIMMED.json"), report="GSK_Elev_Skol",
                                  school_year="2025-2026")])
    rows = _rows(ctx, result)
    assert len(rows) == (83 - 1) * 4  # Svalbard (2100) quarantined
    assert len(result.quarantine) == 4 and "Svalbard" in result.quarantine[0]["reason"]
    cell = {(r["region_code"], r["contents_code"]): r for r in rows}
    assert cell[("42", "ELEVER")]["value"] == "38101" and cell[("42", "ELEVER")]["region_level"] == "fylke"
    assert cell[("0301", "ELEVER_FORSTERKET_NORSK")]["value"] == "14071"
    hidden = cell[("4226", "ELEVER_FORSTERKET_NORSK")]  # Hægebostad: "*"
    assert (hidden["value"], hidden["status"]) == ("", "*")
    assert {r["table_id"] for r in rows} == {"GSK_Elev_Skol"} and {r["period_id"] for r in rows} == {"2025-2026"}
    catalog = _rows(ctx, result, "raw.indicator_catalog")
    assert {c["contents_code"] for c in catalog} == {"ELEVER", "ELEVER_SPESIALUNDERVISNING",
                                                     "ELEVER_FORSTERKET_NORSK", "SKOLER"}


def test_real_fravar_and_np_answers(tmp_path):
    ctx = _ctx(tmp_path, "udir-fravar")
    result = parse(ctx, [_fetched(ctx, real("fravar_data_202506_TRIMMED.json"), report="GSK_fravaer",
                                  school_year="2024-2025")])
    rows = _rows(ctx, result)
    assert len(rows) == 24 * 5 and not result.quarantine
    berlevag = [r for r in rows if r["region_code"] == "5630"]
    assert {(r["value"], r["status"]) for r in berlevag} == {("", "*")}
    assert next(r for r in rows if r["region_code"] == "4203" and r["contents_code"] == "SNITT_DAGER_10_TRINN")["value"] == "14.8"
    ctx = _ctx(tmp_path / "np", "udir-nasjonale-prover")
    result = parse(ctx, [_fetched(ctx, real("np_data_trinn5_lesing_TRIMMED.json"), report="GSK_NP_Geo_Trinn5",
                                  school_year="2025-2026")])
    rows = _rows(ctx, result)
    assert len(rows) == 46 * 3
    assert json.loads(rows[0]["dimensions"]) == {"prove": "Lesing", "trinn": "5. årstrinn"}
    assert next(r for r in rows if r["region_code"] == "4204" and r["contents_code"] == "ELEVER_DELTATT")["value"] == "1289"


def test_real_elevundersokelsen_answer(tmp_path):
    ctx = _ctx(tmp_path, "udir-elevundersokelsen")
    enhet = {"id": -720, "kode": "4203", "navn": "Arendal", "level": "kommune"}
    result = parse(ctx, [_fetched(ctx, real("eug_filterverdier_TRIMMED.json"), "filters", report="GSK_EUG_mobbing"),
                         _fetched(ctx, real("eug_data_arendal_10.json"), report="GSK_EUG_mobbing",
                                  school_year="2025-2026", enhet=enhet)])
    rows = _rows(ctx, result)
    assert [(r["region_code"], json.loads(r["dimensions"])["sporsmal"], r["value"]) for r in rows] == [
        ("4203", "EUIndeks_1398", "12.2"), ("4203", "EUSpoersmaal_Q11811", "7.6"),
        ("4203", "EUSpoersmaal_Q11824", "6.0"), ("4203", "EUSpoersmaal_Q11816", "4.9")]
    assert json.loads(rows[0]["dimensions"])["trinn"] == "10. årstrinn"
    # the tree's schools seed the roster even before their own figures are fetched
    roster = _rows(ctx, result, "raw.udir_schools")
    # (Kirkelund skole is left out: the trimmed capture dropped Skiptvet's fylke node, so the school
    # cannot be placed under Hele landet; the school abroad is never a roster school)
    assert {r["orgnr"] for r in roster} == {"990334021", "975280888", "975283259", "975283267", "975283283"}
    assert next(r for r in roster if r["orgnr"] == "975283267")["kommune_nr"] == "4216"


def test_a_school_row_without_a_valid_orgnr_is_quarantined(tmp_path):
    ctx = _ctx(tmp_path, "udir-gsi")
    doc = real("gsi_data_202510_TRIMMED.json")
    doc["rows"] = [doc["rows"][0], doc["rows"][1],
                   {"navn": "Skole med feil nummer ", "kode": "975283260", "id": "1.49.1423.77", "data": ["10", "*", "*", "1"]},
                   {"navn": "Asdal skole ", "kode": "975280888", "id": "1.49.1423.28041", "data": ["94", "7", "*", "1"]}]
    result = parse(ctx, [_fetched(ctx, doc, report="GSK_Elev_Skol", school_year="2025-2026")])
    assert len(result.quarantine) == 4 and "not a valid organisasjonsnummer" in result.quarantine[0]["reason"]
    schools = [r for r in _rows(ctx, result) if r["region_level"] == "school"]
    assert {r["region_code"] for r in schools} == {"975280888"}
    roster = _rows(ctx, result, "raw.udir_schools")
    assert [(r["orgnr"], r["school_name"], r["kommune_nr"]) for r in roster] == [("975280888", "Asdal skole", "4203")]


def test_a_renamed_measure_fails_the_parse(tmp_path):
    ctx = _ctx(tmp_path, "udir-gsi")
    doc = real("gsi_data_202510_TRIMMED.json")
    doc["metadata"]["columns"][-1][0]["name"] = "Elever totalt"
    with pytest.raises(UdirPivotError, match="measure column 'Elever totalt' is not in the manifest"):
        parse(ctx, [_fetched(ctx, doc, report="GSK_Elev_Skol", school_year="2025-2026")])


def test_a_new_header_level_fails_the_parse(tmp_path):
    ctx = _ctx(tmp_path, "udir-fravar")
    doc = real("fravar_data_202506_TRIMMED.json")
    doc["metadata"]["columns"].insert(1, [{"name": "Alle trinn", "columnCount": 5}])
    with pytest.raises(UdirPivotError, match="the header has 5 levels"):
        parse(ctx, [_fetched(ctx, doc, report="GSK_fravaer", school_year="2024-2025")])


def test_the_wrong_school_year_fails_the_parse(tmp_path):
    ctx = _ctx(tmp_path, "udir-fravar")
    with pytest.raises(UdirPivotError, match="asked for school year 2023-2024, Udir answered 2024-2025"):
        parse(ctx, [_fetched(ctx, real("fravar_data_202506_TRIMMED.json"), report="GSK_fravaer",
                             school_year="2023-2024")])


# ------------------------------------------------------------------------------ manifests and replay
def test_the_udir_family():
    assert [m.id for m in manifests_for_family("udir")] == UDIR_SOURCES
    for source_id in UDIR_SOURCES:
        m = get_manifest(source_id)
        assert m.period_grain.value == "SCHOOL_YEAR" and m.provider.value == "udir"
        assert set(m.parse_options().reports) == {r.code for r in m.fetch_options().reports}
        assert set(m.suppression_markers) == {"*", ".."}
    note = get_manifest("udir-sluttet-vgs").methodology_note
    assert "fhi-vgs-gjennomforing" in note and "WITHIN ONE SCHOOL YEAR" in note and "FIVE YEARS" in note


# rows each constructed snapshot parses to (SNAPSHOT.md records them; the integration test loads them)
EXPECTED = {"udir-elevundersokelsen": (248, 0, 10), "udir-fravar": (1080, 20, 21), "udir-gsi": (970, 20, 15),
            "udir-nasjonale-prover": (5238, 108, 15), "udir-sluttet-vgs": (66, 0, 6)}


@pytest.mark.parametrize("source_id", UDIR_SOURCES)
def test_replay_snapshots_parse(tmp_path, source_id):
    m = get_manifest(source_id)
    ctx = RunContext(manifest=m, run_key="t", landing=LandingStore(str(tmp_path)),
                     client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay"))
    adapter = UdirApiAdapter()
    plan = adapter.discover(ctx)
    result = parse(ctx, plan.fetched + adapter.fetch(ctx, plan))
    rows = _rows(ctx, result)
    assert (len(rows), len(result.quarantine), len(_rows(ctx, result, "raw.udir_schools"))) == EXPECTED[source_id]
    assert any(r["status"] == "*" and r["value"] == "" for r in rows)
    # the same plan again, after a success with this upstream version: skipped
    ctx.last_success = {"upstream_version": plan.upstream_version}
    again = adapter.discover(ctx)
    assert again.skip and "unchanged" in again.skip_reason


def test_periods_pick_the_school_years(tmp_path):
    m = get_manifest("udir-gsi")
    ctx = RunContext(manifest=m, run_key="t", landing=LandingStore(str(tmp_path)), periods=["2024-2025"],
                     client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay"))
    plan = UdirApiAdapter().discover(ctx)
    assert {r.meta["school_year"] for r in plan.requests} == {"2024-2025"}
    ctx.periods = ["2019-2020"]
    plan = UdirApiAdapter().discover(ctx)
    assert plan.skip and "none of the school years" in plan.skip_reason


# ------------------------------------------------------------------------------ the constructed reports (issue 10)
def _replayed(tmp_path, source_id):
    m = get_manifest(source_id)
    ctx = RunContext(manifest=m, run_key="t", landing=LandingStore(str(tmp_path)),
                     client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay"))
    adapter = UdirApiAdapter()
    plan = adapter.discover(ctx)
    return ctx, plan, parse(ctx, plan.fetched + adapter.fetch(ctx, plan))


def test_laerertetthet_and_trivsel_are_not_additive():
    gsi = get_manifest("udir-gsi")
    assert gsi.measures.for_code("LAERERTETTHET_ORDINAER").kind.value == "rate"
    assert not gsi.measures.for_code("LAERERTETTHET_ORDINAER").kind.additive
    assert all(gsi.measures.for_code(c).kind.additive for c in ("ELEVER", "ELEVER_SPESIALUNDERVISNING", "SKOLER"))
    eug = get_manifest("udir-elevundersokelsen")
    assert eug.measures.for_code("TRIVSEL_SNITT").kind.value == "mean"
    assert eug.measures.for_code("ANDEL_MOBBET").kind.value == "share"
    assert [r.code for r in gsi.fetch_options().reports] == ["GSK_Elev_Skol", "GSK_Laerertetthet"]
    assert [r.code for r in eug.fetch_options().reports] == ["GSK_EUG_mobbing", "GSK_EUG_trivsel"]


def test_the_laerertetthet_report_replays(tmp_path):
    ctx, plan, result = _replayed(tmp_path, "udir-gsi")
    assert plan.notes["reports"]["GSK_Laerertetthet"]["base_path"] == "rest/v1/Statistikk/GSK/GSI/3/1"
    rows = [r for r in _rows(ctx, result) if r["contents_code"] == "LAERERTETTHET_ORDINAER"]
    assert {r["table_id"] for r in rows} == {"GSK_Laerertetthet"}
    levels: dict[str, int] = {}
    for r in rows:
        levels[r["region_level"]] = levels.get(r["region_level"], 0) + 1
    # 5 fylker, 77 kommuner (Svalbard quarantined) and 15 schools, two school years
    assert levels == {"fylke": 10, "kommune": 154, "school": 30}
    assert all(json.loads(r["dimensions"]) == {"trinngruppe": "1.-10. trinn"} for r in rows)
    hidden = [r for r in rows if r["status"] == "*"]
    assert hidden and all(r["region_level"] == "school" and r["value"] == "" for r in hidden)
    values = [float(r["value"]) for r in rows if r["value"]]
    assert values and all(5 < v < 25 for v in values)  # pupils per teacher FTE, decimal commas read
    # the GSI counts are untouched by the second report
    assert sum(r["contents_code"] != "LAERERTETTHET_ORDINAER" for r in _rows(ctx, result)) == 776
    catalog = {c["contents_code"]: c for c in _rows(ctx, result, "raw.indicator_catalog")}
    assert catalog["LAERERTETTHET_ORDINAER"]["table_id"] == "GSK_Laerertetthet"


def test_the_trivsel_report_replays(tmp_path):
    ctx, plan, result = _replayed(tmp_path, "udir-elevundersokelsen")
    rows = _rows(ctx, result)
    trivsel = [r for r in rows if r["contents_code"] == "TRIVSEL_SNITT"]
    mobbing = [r for r in rows if r["contents_code"] == "ANDEL_MOBBET"]
    assert len(trivsel) == len(mobbing) == 124
    assert {r["table_id"] for r in trivsel} == {"GSK_EUG_trivsel"}
    assert {json.loads(r["dimensions"])["sporsmal"] for r in trivsel} == {
        "EUIndeks_TRIVSEL", "EUSpoersmaal_TRIVSEL_SKOLEN", "EUSpoersmaal_TRIVSEL_KLASSEN",
        "EUSpoersmaal_TRIVSEL_FRIMINUTT"}
    assert {json.loads(r["dimensions"])["trinn"] for r in trivsel} == {"7. årstrinn", "10. årstrinn"}
    assert all(1 <= float(r["value"]) <= 5 for r in trivsel if r["value"])
    # the same schools (too few respondents) are hidden in both reports
    key = lambda r: (r["region_code"], json.loads(r["dimensions"])["trinn"])  # noqa: E731
    assert {key(r) for r in trivsel if r["status"] == "*"} == {key(r) for r in mobbing if r["status"] == "*"} != set()
    # the real Arendal 10th-grade mobbing answer is still the one loaded
    assert next(r["value"] for r in mobbing if r["region_code"] == "4203" and r["period_id"] == "2025-2026"
                and json.loads(r["dimensions"]) == {"sporsmal": "EUIndeks_1398", "trinn": "10. årstrinn"}) == "12.2"


@pytest.mark.parametrize("source_id, code", [("udir-gsi", "GSK_Laerertetthet"),
                                             ("udir-elevundersokelsen", "GSK_EUG_trivsel")])
def test_constructed_reports_are_written_down_as_unconfirmed(source_id, code):
    text = (get_manifest(source_id).snapshot_dir / "SNAPSHOT.md").read_text(encoding="utf-8")
    assert f"### `{code}` — CONSTRUCTED and unconfirmed" in text
    assert "invented" in text and "live" in text


def test_gsi_still_exports_to_microdata_with_the_ratio_beside_it():
    """lærertetthet brings a breakdown (trinngruppe): the manifest names both breakdowns, so the GSI
    counts are not dropped from `atlas export microdata`, and the ratio goes out as DOUBLE."""
    from datetime import date
    from decimal import Decimal

    from atlas_ingest.export.microdata import Cell, Indicator, build_for_source

    m = get_manifest("udir-gsi")
    start, end = date(2025, 8, 1), date(2026, 7, 31)
    indicators = [Indicator(f"udir-gsi:{code}", code, code, None, kind, "last", None, None, "SCHOOL_YEAR")
                  for code, kind in (("ELEVER", "count"), ("LAERERTETTHET_ORDINAER", "rate"))]
    cells = {"ELEVER": [Cell("4216", "2025-2026", start, end, {}, Decimal(738), None)],
             "LAERERTETTHET_ORDINAER": [Cell("4216", "2025-2026", start, end, {"trinngruppe": "1.-10. trinn"},
                                             Decimal("14.2"), None)]}
    datasets, reason = build_for_source(m, indicators, cells, {})
    assert reason is None
    assert {(d.indicator_id, d.breakdown, d.data_type) for d in datasets} == {
        ("udir-gsi:ELEVER", "I_ALT", "LONG"), ("udir-gsi:LAERERTETTHET_ORDINAER", "TRINN_1_10", "DOUBLE")}
