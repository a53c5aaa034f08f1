"""Husbanken family: the parser on the REAL hypercube capture, the replayed source (both cubes: the
real-shaped bostøtte cube and the CONSTRUCTED second cube with kommunale boliger, vanskeligstilte
and bostedsløse), the vanskeligstilte edition pin, layout drift, and the Qlik Engine client's
JSON-RPC handling against a local WebSocket server (no network)."""

from __future__ import annotations

import copy
import csv
import io
import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from atlas_ingest.families.husbanken.parse import QlikLayoutError, parse
from atlas_ingest.families.husbanken.qlik import QlikError, QlikHypercubeAdapter, QlikSession, fetch_hypercube
from atlas_ingest.http import HttpClient, SnapshotMissing
from atlas_ingest.kinds import Fetched, RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import ParseSpec, get_manifest
from pydantic import ValidationError

SOURCE = "husbanken-statistikkbank"
REAL = Path(__file__).resolve().parents[1] / "resources" / "husbanken" / "qlik_hypercube_bostotte_sample_TRIMMED.json"


def ctx_for(periods=None, last_success=None, parse_options=None, single_cube=False) -> RunContext:
    m = get_manifest(SOURCE)
    if single_cube:  # only the bostøtte cube: what the real capture answers
        options = {k: v for k, v in m.fetch.options.items() if k != "cubes"}
        m = m.model_copy(update={"fetch": m.fetch.model_copy(update={"options": options})})
    if parse_options:
        m = m.model_copy(update={"parse": ParseSpec(parser="qlik_hypercube", options={**m.parse.options, **parse_options})})
    return RunContext(manifest=m, run_key="test", periods=periods, last_success=last_success, landing=LandingStore(),
                      client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay"))


def rows_of(ctx, result):
    return list(csv.DictReader(io.StringIO(ctx.landing.get(result.tables[0].key).decode())))


def parse_layout(doc: dict, pages: list[dict] | None = None, second: dict | None = None, periods=None, **options):
    """Parse one bostøtte layout (+ pages); with `second`, the manifest's both cubes (the second
    cube's layout with its data inline), else the manifest reduced to the bostøtte cube."""
    ctx = ctx_for(periods=periods, parse_options=options or None, single_cube=second is None)
    url = "wss://qlik.husbanken.no/public/app/ee185fe5-e94d-463e-bff8-cd1c5f2f566f"
    fetched = [Fetched(role="layout", method="RPC", url=url, params=[], json_body=None,
                       key=ctx.landing.put(json.dumps(doc).encode()), status=200, bytes=0)]
    for page in pages or []:
        fetched.append(Fetched(role="page", method="RPC", url=url, params=[], json_body=None,
                               key=ctx.landing.put(json.dumps(page).encode()), status=200, bytes=0))
    if second is not None:
        fetched.append(Fetched(role="layout", method="RPC", url=url, params=[], json_body=None,
                               key=ctx.landing.put(json.dumps(second).encode()), status=200, bytes=0,
                               meta={"cube": "boligsosialt"}))
    result = parse(ctx, fetched)
    return result, rows_of(ctx, result)


def real_sample() -> dict:
    return json.loads(REAL.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ the real capture
def test_the_real_hypercube_parses_with_its_null_year_and_svalbard():
    doc = real_sample()
    # the capture keeps 14 of the cube's 69 rows (qcy still 69); it is one inline page
    result, rows = parse_layout(doc, first_year=2008)
    assert len(rows) == 13 * 5 and {r["region_code"] for r in rows} == {"0301"}
    by = {(r["period_id"], r["contents_code"]): r["value"] for r in rows}
    assert by[("2017", "soknad")] == "13" and by[("2017", "belop")] == "140966"
    assert by[("2014", "avslag")] == "1" and by[("2008", "vedtak")] == "0"  # real zeros stay zeros
    assert all(r["status"] == "" and r["region_level"] == "kommune" for r in rows)
    # Svalbard with the null year: quarantined (never given a year), one record per measure
    assert len(result.quarantine) == 5
    assert {q["reason"] for q in result.quarantine} == {
        "2100 Svalbard is not a kommune (no Klass 131 code); Husbanken reports it with zeros"}
    assert result.records == 70


def test_first_year_and_periods_select_years():
    _, rows = parse_layout(real_sample())  # first_year 2020 from the manifest
    assert {r["period_id"] for r in rows} == {"2020"}
    ctx = ctx_for(periods=["2016", "2017"], parse_options={"first_year": 2008}, single_cube=True)
    doc = json.dumps(real_sample()).encode()
    fetched = [Fetched(role="layout", method="RPC", url="wss://x", params=[], json_body=None, key=ctx.landing.put(doc),
                       status=200, bytes=len(doc))]
    assert {r["period_id"] for r in rows_of(ctx, parse(ctx, fetched))} == {"2016", "2017"}


# ------------------------------------------------------------------------------ the replayed source
def test_the_replayed_source_maps_oslo_bydeler_and_quarantines_what_it_cannot_place():
    ctx = ctx_for()
    adapter = QlikHypercubeAdapter()
    plan = adapter.discover(ctx)
    assert not plan.skip and plan.upstream_updated == datetime(2026, 11, 2, 4, 12, 37, tzinfo=timezone.utc)
    fetched = plan.fetched + adapter.fetch(ctx, plan)
    assert [f.role for f in fetched] == ["app"] + ["layout", "page", "page", "page"] * 2
    assert [f.meta.get("cube") for f in fetched[1:]] == ["bostotte"] * 4 + ["boligsosialt"] * 4
    # the metadata GET; OpenDoc once; per cube CreateSessionObject, GetLayout and three pages
    assert ctx.client.stats["requests"] == 1 + 1 + 5 * 2
    result = parse(ctx, fetched)
    rows = rows_of(ctx, result)
    assert len(rows) == 16708
    assert result.periods == ["2020", "2021", "2022", "2023", "2024", "2025"]
    by_code = {}
    for r in rows:
        by_code[r["contents_code"]] = by_code.get(r["contents_code"], 0) + 1
    assert by_code == {**dict.fromkeys(["soknad", "vedtak", "utbetaling", "avslag", "belop"], 2228),
                       **dict.fromkeys(["kommunale_boliger", "vanskeligstilte", "bostedslose"], 1856)}
    bydeler = [r for r in rows if r["region_level"] == "bydel"]
    assert len(bydeler) == 15 * 6 * 5 + 15 * 5 * 3  # the second cube ends in 2024
    gamle_oslo = {r["dimensions"] for r in bydeler if r["region_code"] == "030101" and r["contents_code"] != "vanskeligstilte"}
    assert gamle_oslo == {'{"husbanken_region": "0311"}'}
    assert not any(r["region_code"].startswith("031") or r["region_code"] in ("2100", "2111") for r in rows)
    reasons = {}
    for q in result.quarantine:
        key = q["reason"].split(" (")[0].split(";")[0]
        reasons[key] = reasons.get(key, 0) + 1
    # 0326 and 2100 for six years × five measures + five years × three; 2111 also has a null-year
    # row; 0301 and 5043 too
    assert reasons == {"no year": 10, "Husbanken's Oslo code 0326": 45,
                       "2100 Svalbard is not a kommune": 45, "2111 is a Svalbard pseudo-code": 50}
    # the vanskeligstilte edition is pinned on every one of its rows, and only there
    editions = {}
    for r in rows:
        edition = json.loads(r["dimensions"]).get("vanskeligstilte_edition")
        assert (edition is not None) == (r["contents_code"] == "vanskeligstilte")
        if edition:
            editions.setdefault(edition, set()).add(r["period_id"])
    assert editions == {"v1": {"2020", "2021", "2022"}, "v2": {"2023", "2024"}}
    # bostedsløse are counted in the survey years only; the other years are NULL `..`, never 0
    missing = {(r["period_id"], r["status"]) for r in rows if r["contents_code"] == "bostedslose" and r["value"] == ""}
    assert {p for p, _ in missing} == {"2021", "2022", "2023"} and {s for _, s in missing} == {".."}
    # the real capture's own cells (0301, 2020) came through the constructed cube unchanged
    assert {r["value"] for r in rows if r["region_code"] == "0301" and r["period_id"] == "2020"
            and r["contents_code"] in ("soknad", "vedtak", "utbetaling", "avslag", "belop")} == {"0"}


def test_an_app_not_reloaded_since_the_last_good_run_is_skipped():
    reloaded = datetime(2026, 11, 2, 4, 12, 37, tzinfo=timezone.utc)
    plan = QlikHypercubeAdapter().discover(ctx_for(last_success={"upstream_updated": reloaded}))
    assert plan.skip and "has not been reloaded since" in plan.skip_reason
    assert not QlikHypercubeAdapter().discover(ctx_for(periods=["2021"], last_success={"upstream_updated": reloaded})).skip


def test_a_replayed_call_without_a_snapshot_is_an_error_naming_it():
    m = get_manifest(SOURCE)
    with QlikSession(m.fetch_options().engine_url, mode="replay", snapshot_dir=m.snapshot_dir, source_id=m.id) as s:
        with pytest.raises(SnapshotMissing, match=r"no snapshot for the Qlik call RPC wss://qlik.husbanken.no/public/app/"
                                                   r".* body=\{\"method\": \"GetLayout\", \"handle\": 9"):
            s.call("GetLayout", 9, [])


# ------------------------------------------------------------------------------ layout drift
def test_a_renamed_measure_fails_naming_the_titles_found():
    doc = real_sample()
    doc["qLayout"]["qHyperCube"]["qMeasureInfo"][4]["qFallbackTitle"] = "beløp"
    with pytest.raises(QlikLayoutError) as err:
        parse_layout(doc)
    message = str(err.value)
    assert "the cube lacks ['measure belop'] and has unlisted measures ['beløp']" in message
    assert "found dimensions ['KommuneNr', 'År'], measures ['soknad', 'vedtak', 'utbetaling', 'avslag', 'beløp']" in message
    assert "ee185fe5-e94d-463e-bff8-cd1c5f2f566f" in message


def test_the_drift_snapshot_fails_the_replayed_source():
    drift = json.loads((get_manifest(SOURCE).snapshot_dir / "drift" / "GetLayout_belop_renamed.json").read_text())
    with pytest.raises(QlikLayoutError, match=r"the cube lacks \['measure belop'\] and has unlisted measures \['beløp'\]"):
        parse_layout(drift)


def test_a_missing_dimension_and_misaligned_pages_fail():
    doc = real_sample()
    doc["qLayout"]["qHyperCube"]["qDimensionInfo"][1]["qFallbackTitle"] = "Aar"
    with pytest.raises(QlikLayoutError, match=r"the cube lacks \['År'\]"):
        parse_layout(doc)
    doc = real_sample()
    page = doc["qLayout"]["qHyperCube"]["qDataPages"][0]
    doc["qLayout"]["qHyperCube"]["qDataPages"] = []
    doc["qLayout"]["qHyperCube"]["qSize"]["qcy"] = 14
    shifted = copy.deepcopy(page)
    shifted["qArea"]["qTop"] = 1
    with pytest.raises(QlikLayoutError, match="the pages cover rows up to 0 and then start at 1"):
        parse_layout(doc, [{"qDataPages": [shifted]}])
    page["qArea"]["qHeight"] = 14
    short = copy.deepcopy(page)
    short["qMatrix"][3] = short["qMatrix"][3][:6]
    with pytest.raises(QlikLayoutError, match="row 3 has 6 cells, the cube 7 columns"):
        parse_layout(doc, [{"qDataPages": [short]}])


def test_a_wrong_bydel_mapping_is_refused_when_the_app_names_its_codes():
    doc = real_sample()
    cube = doc["qLayout"]["qHyperCube"]
    cube["qDimensionInfo"].insert(1, {"qFallbackTitle": "KommuneNavn"})
    row = cube["qDataPages"][0]["qMatrix"][0]
    cube["qDataPages"][0]["qMatrix"] = [[{**row[0], "qText": "0312", "qNum": 312}, {"qText": "Sagene"}] + row[1:]]
    cube["qDataPages"][0]["qArea"]["qHeight"] = 1
    cube["qSize"] = {"qcx": 8, "qcy": 1}
    with pytest.raises(QlikLayoutError, match="the app names 0312 'Sagene', the manifest's bydel_codes say 'Grünerløkka'"):
        parse_layout(doc, name_dimension="KommuneNavn", first_year=2008)
    cube["qDataPages"][0]["qMatrix"][0][1]["qText"] = "Grunerløkka"  # folded spelling still matches
    _, rows = parse_layout(doc, name_dimension="KommuneNavn", first_year=2008)
    assert {r["region_code"] for r in rows} == {"030102"}


# ------------------------------------------------------------------------------ the second cube
def second_cube(rows: list[tuple], extra_dims: list[str] = ()) -> dict:
    """A `boligsosialt` GetLayout in the real capture's shape, its one page inline: rows of
    (KommuneNr, År, *extra dimension texts, kommunale_boliger, vanskeligstilte, bostedslose) —
    a measure None is Qlik's null."""
    def c(text, num, state="L"):
        return {"qText": text, "qNum": num, "qElemNumber": 0, "qState": state}
    matrix = []
    for code, year, *rest in rows:
        extras, measures = rest[:len(extra_dims)], rest[len(extra_dims):]
        matrix.append([c(code, int(code), "O"), c(str(year), year, "O")] + [c(e, "NaN", "O") for e in extras]
                      + [c(str(v), v) if v is not None else {**c("-", "NaN"), "qIsNull": True} for v in measures])
    width = 2 + len(extra_dims) + 3
    return {"qLayout": {"qHyperCube": {
        "qSize": {"qcx": width, "qcy": len(rows)},
        "qDimensionInfo": [{"qFallbackTitle": t} for t in ["KommuneNr", "År", *extra_dims]],
        "qMeasureInfo": [{"qFallbackTitle": t} for t in ["kommunale_boliger", "vanskeligstilte", "bostedslose"]],
        "qDataPages": [{"qMatrix": matrix, "qArea": {"qTop": 0, "qLeft": 0, "qWidth": width, "qHeight": len(rows)}}]}}}


def test_the_second_cube_parses_beside_bostotte_and_pins_the_vanskeligstilte_edition():
    second = second_cube([("0301", 2022, 10_500, 9_800, None), ("0301", 2023, 10_700, 15_900, 1_200),
                          ("0312", 2023, 900, 1_400, 60), ("2100", 2023, 0, 0, 0)])
    result, rows = parse_layout(real_sample(), second=second)
    ours = [r for r in rows if r["contents_code"] in ("kommunale_boliger", "vanskeligstilte", "bostedslose")]
    by = {(r["region_code"], r["period_id"], r["contents_code"]): r for r in ours}
    assert len(ours) == 9 and len(rows) == 9 + 5  # the real capture's bostøtte rows for 2020 still load
    assert by[("0301", "2022", "vanskeligstilte")]["dimensions"] == '{"vanskeligstilte_edition": "v1"}'
    assert by[("0301", "2023", "vanskeligstilte")]["dimensions"] == '{"vanskeligstilte_edition": "v2"}'
    assert json.loads(by[("030102", "2023", "vanskeligstilte")]["dimensions"]) == {
        "husbanken_region": "0312", "vanskeligstilte_edition": "v2"}
    assert by[("030102", "2023", "kommunale_boliger")]["dimensions"] == '{"husbanken_region": "0312"}'
    assert by[("0301", "2022", "kommunale_boliger")]["dimensions"] == "{}"
    # a null measure is NULL `..`, never 0
    assert (by[("0301", "2022", "bostedslose")]["value"], by[("0301", "2022", "bostedslose")]["status"]) == ("", "..")
    assert by[("0301", "2023", "bostedslose")]["value"] == "1200"
    # Svalbard in the second cube is quarantined like in the first: 3 measures here, 5 in the capture
    assert len(result.quarantine) == 3 + 5


def test_the_catalog_names_the_second_cubes_measures_and_title():
    ctx = ctx_for()
    url = "wss://qlik.husbanken.no/public/app/ee185fe5-e94d-463e-bff8-cd1c5f2f566f"
    fetched = [Fetched(role="layout", method="RPC", url=url, params=[], json_body=None,
                       key=ctx.landing.put(json.dumps(real_sample()).encode()), status=200, bytes=0,
                       meta={"cube": "bostotte"}),
               Fetched(role="layout", method="RPC", url=url, params=[], json_body=None,
                       key=ctx.landing.put(json.dumps(second_cube([("0301", 2021, 1, 2, 3)])).encode()), status=200,
                       bytes=0, meta={"cube": "boligsosialt"})]
    result = parse(ctx, fetched)
    catalog = {r["contents_code"]: r for r in csv.DictReader(io.StringIO(ctx.landing.get(result.tables[1].key).decode()))}
    assert list(catalog) == ["soknad", "vedtak", "utbetaling", "avslag", "belop",
                             "kommunale_boliger", "vanskeligstilte", "bostedslose"]
    assert (catalog["kommunale_boliger"]["label"], catalog["kommunale_boliger"]["unit"]) == (
        "Kommunalt disponerte boliger", "boliger")
    assert catalog["vanskeligstilte"]["unit"] == "husholdninger"
    assert catalog["bostedslose"]["table_title"] == "Husbanken statistikkbank: kommunale boliger, vanskeligstilte, bostedsløse"
    assert catalog["belop"]["table_title"] == "Husbanken statistikkbank: bostøtte"


def test_a_year_before_the_first_pinned_edition_is_quarantined_for_vanskeligstilte_only():
    second = second_cube([("0301", 2019, 10_000, 9_000, None)])
    result, rows = parse_layout(real_sample(), second=second, first_year=2019)
    ours = {r["contents_code"] for r in rows if r["period_id"] == "2019"} - {"soknad", "vedtak", "utbetaling", "avslag", "belop"}
    assert ours == {"kommunale_boliger", "bostedslose"}
    assert [q["reason"] for q in result.quarantine if q["payload"]["contents_code"] == "vanskeligstilte"] == [
        "no methodology edition of vanskeligstilte is pinned for 2019 (measure_editions.vanskeligstilte.by_year starts 2020)"]


def test_an_edition_field_in_the_app_pins_each_row_and_an_unknown_edition_fails():
    pin = {"vanskeligstilte": {"key": "vanskeligstilte_edition", "dimension": "Utgave",
                               "editions": {"v1": "old", "v2": "new"}}}
    second = second_cube([("0301", 2021, "v1", 1, 2, 3), ("0301", 2024, "v1", 1, 2, 3)], extra_dims=["Utgave"])
    second["qLayout"]["qHyperCube"]["qDataPages"][0]["qMatrix"][0][2]["qText"] = "v2"  # the app says so, not the year
    second["qLayout"]["qHyperCube"]["qDataPages"][0]["qMatrix"][1][2]["qText"] = "v2"
    _, rows = parse_layout(real_sample(), second=second, measure_editions=pin)
    assert {r["period_id"]: r["dimensions"] for r in rows if r["contents_code"] == "vanskeligstilte"} == {
        "2021": '{"vanskeligstilte_edition": "v2"}', "2024": '{"vanskeligstilte_edition": "v2"}'}
    second["qLayout"]["qHyperCube"]["qDataPages"][0]["qMatrix"][1][2]["qText"] = "v3"
    with pytest.raises(QlikLayoutError, match=r"vanskeligstilte for 0301 2024 is of the edition 'v3' \(Utgave\), which "
                                              r"the manifest's measure_editions do not define \(\['v1', 'v2'\]\)"):
        parse_layout(real_sample(), second=second, measure_editions=pin)
    # a cube without the edition field the manifest names fails naming it
    with pytest.raises(QlikLayoutError, match=r"cube boligsosialt: the cube lacks \['Utgave'\]"):
        parse_layout(real_sample(), second=second_cube([("0301", 2021, 1, 2, 3)]), measure_editions=pin)


def test_the_second_cube_missing_or_drifted_fails_the_parse():
    ctx = ctx_for()
    url = "wss://qlik.husbanken.no/public/app/ee185fe5-e94d-463e-bff8-cd1c5f2f566f"
    only_first = [Fetched(role="layout", method="RPC", url=url, params=[], json_body=None,
                          key=ctx.landing.put(json.dumps(real_sample()).encode()), status=200, bytes=0)]
    with pytest.raises(QlikLayoutError, match="expected one hypercube layout for the cube boligsosialt, got 0"):
        parse(ctx, only_first)
    drifted = second_cube([("0301", 2021, 1, 2, 3)])
    drifted["qLayout"]["qHyperCube"]["qMeasureInfo"][2]["qFallbackTitle"] = "bostedsløse"
    with pytest.raises(QlikLayoutError, match=r"cube boligsosialt: the cube lacks \['measure bostedslose'\] and has "
                                              r"unlisted measures \['bostedsløse'\]"):
        parse_layout(real_sample(), second=drifted)


def test_the_manifest_refuses_an_undefined_edition_and_a_measure_label_in_two_cubes():
    from atlas_ingest.families.husbanken.options import MeasureEdition, QlikFetchOptions

    with pytest.raises(ValidationError, match=r"by_year names editions \['v3'\] that `editions` does not define"):
        MeasureEdition(key="vanskeligstilte_edition", by_year={2020: "v1", 2025: "v3"}, editions={"v1": "x"})
    with pytest.raises(ValidationError, match="name the cube's edition `dimension` or pin editions `by_year`"):
        MeasureEdition(key="vanskeligstilte_edition", editions={"v1": "x"})
    options = dict(get_manifest(SOURCE).fetch.options)
    options["cubes"] = {"boligsosialt": {**options["cubes"]["boligsosialt"],
                                         "measures": {"belop": "Sum(X)"}}}
    with pytest.raises(ValidationError, match=r"measure labels \['belop'\] are already used by another cube"):
        QlikFetchOptions.model_validate(options)
    pin = get_manifest(SOURCE).parse_options().measure_editions["vanskeligstilte"]
    assert [pin.for_year(y) for y in (2019, 2020, 2022, 2023, 2030)] == [None, "v1", "v1", "v2", "v2"]
    assert set(pin.editions) == {"v1", "v2"} and all(pin.editions.values())


# ------------------------------------------------------------------------------ the live client
class FakeEngine:
    """A local Qlik-like engine: pushes OnConnected, answers OpenDoc/CreateSessionObject/GetLayout/
    GetHyperCubeData from the real capture, and an error for anything else."""

    def __init__(self):
        from websockets.sync.server import serve

        self.calls: list[dict] = []
        self.server = serve(self.handler, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/app/ee185fe5"

    def handler(self, ws):
        ws.send(json.dumps({"jsonrpc": "2.0", "method": "OnConnected", "params": {"qSessionState": "SESSION_CREATED"}}))
        sample = real_sample()["qLayout"]
        for text in ws:
            message = json.loads(text)
            self.calls.append(message)
            method = message["method"]
            results = {
                "OpenDoc": {"qReturn": {"qType": "Doc", "qHandle": 1}},
                "CreateSessionObject": {"qReturn": {"qType": "GenericObject", "qHandle": 2}},
                "GetLayout": {"qLayout": {"qHyperCube": {**sample["qHyperCube"], "qSize": {"qcx": 7, "qcy": 14},
                                                         "qDataPages": []}}},
            }
            if method == "GetHyperCubeData":
                area = message["params"][1][0]
                matrix = sample["qHyperCube"]["qDataPages"][0]["qMatrix"][area["qTop"]:area["qTop"] + area["qHeight"]]
                result = {"qDataPages": [{"qMatrix": matrix, "qArea": area}]}
            elif method in results:
                result = results[method]
            else:
                ws.send(json.dumps({"jsonrpc": "2.0", "id": message["id"],
                                    "error": {"code": 2, "parameter": method, "message": "Invalid method"}}))
                continue
            ws.send(json.dumps({"jsonrpc": "2.0", "method": "OnAuthenticationInformation",
                                "params": {"mustAuthenticate": False}}))  # a push between answers
            ws.send(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}))

    def close(self):
        self.server.shutdown()


def test_the_live_client_speaks_json_rpc_pages_and_records(tmp_path):
    engine = FakeEngine()
    try:
        ctx = ctx_for()
        with QlikSession(engine.url, mode="record", snapshot_dir=tmp_path, source_id=SOURCE) as session:
            fetched = fetch_hypercube(session, ctx, "ee185fe5", ["KommuneNr", "År"],
                                      {k: f"Sum({k})" for k in ("soknad", "vedtak", "utbetaling", "avslag", "belop")}, 5)
            with pytest.raises(QlikError, match="Qlik error 2 'Invalid method' Nope"):
                session.call("Nope", 1, [])
        assert [c["method"] for c in engine.calls] == ["OpenDoc", "CreateSessionObject", "GetLayout"] + \
            ["GetHyperCubeData"] * 3 + ["Nope"]
        assert [c["id"] for c in engine.calls] == list(range(1, 8))
        assert [c["params"][1][0]["qHeight"] for c in engine.calls[3:6]] == [5, 5, 4]
        measures = engine.calls[1]["params"][0]["qHyperCubeDef"]["qMeasures"]
        assert measures[4] == {"qDef": {"qDef": "Sum(belop)", "qLabel": "belop"}}
        assert [f.role for f in fetched] == ["layout", "page", "page", "page"]
        # what was recorded replays: the same calls, answered from the snapshots
        with QlikSession(engine.url, mode="replay", snapshot_dir=tmp_path, source_id=SOURCE) as replay:
            again = fetch_hypercube(replay, ctx, "ee185fe5", ["KommuneNr", "År"],
                                    {k: f"Sum({k})" for k in ("soknad", "vedtak", "utbetaling", "avslag", "belop")}, 5)
        assert [ctx.landing.get(f.key) for f in again] == [ctx.landing.get(f.key) for f in fetched]
        assert len(engine.calls) == 7  # replay never touched the engine
    finally:
        engine.close()
