"""Husbanken family: the parser on the REAL hypercube capture, the replayed source, layout drift,
and the Qlik Engine client's JSON-RPC handling against a local WebSocket server (no network)."""

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

SOURCE = "husbanken-statistikkbank"
REAL = Path(__file__).resolve().parents[1] / "resources" / "husbanken" / "qlik_hypercube_bostotte_sample_TRIMMED.json"


def ctx_for(periods=None, last_success=None, parse_options=None) -> RunContext:
    m = get_manifest(SOURCE)
    if parse_options:
        m = m.model_copy(update={"parse": ParseSpec(parser="qlik_hypercube", options={**m.parse.options, **parse_options})})
    return RunContext(manifest=m, run_key="test", periods=periods, last_success=last_success, landing=LandingStore(),
                      client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay"))


def rows_of(ctx, result):
    return list(csv.DictReader(io.StringIO(ctx.landing.get(result.tables[0].key).decode())))


def parse_layout(doc: dict, pages: list[dict] | None = None, **options):
    ctx = ctx_for(parse_options=options or None)
    url = "wss://qlik.husbanken.no/public/app/ee185fe5-e94d-463e-bff8-cd1c5f2f566f"
    fetched = [Fetched(role="layout", method="RPC", url=url, params=[], json_body=None,
                       key=ctx.landing.put(json.dumps(doc).encode()), status=200, bytes=0)]
    for page in pages or []:
        fetched.append(Fetched(role="page", method="RPC", url=url, params=[], json_body=None,
                               key=ctx.landing.put(json.dumps(page).encode()), status=200, bytes=0))
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
    ctx = ctx_for(periods=["2016", "2017"], parse_options={"first_year": 2008})
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
    assert [f.role for f in fetched] == ["app", "layout", "page", "page", "page"]
    assert ctx.client.stats["requests"] == 1 + 6  # the metadata GET and six engine calls
    result = parse(ctx, fetched)
    rows = rows_of(ctx, result)
    assert len(rows) == 11140
    assert result.periods == ["2020", "2021", "2022", "2023", "2024", "2025"]
    bydeler = [r for r in rows if r["region_level"] == "bydel"]
    assert len(bydeler) == 15 * 6 * 5
    gamle_oslo = {r["dimensions"] for r in bydeler if r["region_code"] == "030101"}
    assert gamle_oslo == {'{"husbanken_region": "0311"}'}
    assert not any(r["region_code"].startswith("031") or r["region_code"] in ("2100", "2111") for r in rows)
    reasons = {}
    for q in result.quarantine:
        key = q["reason"].split(" (")[0].split(";")[0]
        reasons[key] = reasons.get(key, 0) + 1
    # 0326 and 2100 for six years × five measures; 2111 also has a null-year row; 0301 and 5043 too
    assert reasons == {"no year": 10, "Husbanken's Oslo code 0326": 30,
                       "2100 Svalbard is not a kommune": 30, "2111 is a Svalbard pseudo-code": 35}
    # the real capture's own cells (0301, 2020) came through the constructed cube unchanged
    assert {r["value"] for r in rows if r["region_code"] == "0301" and r["period_id"] == "2020"} == {"0"}


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
