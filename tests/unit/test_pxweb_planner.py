"""The PxWebApi v2 request planner: expand, split by SSB's cell limit, GET or POST by URL length."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from atlas_ingest.families.ssb.options import PxSelection
from atlas_ingest.families.ssb.pxweb import (
    Dimension,
    PlannerError,
    build_request,
    cell_count,
    dimensions_from_metadata,
    expand_values,
    plan_data_requests,
    split_selection,
)
from atlas_ingest.formats.jsonstat import dataset_info

ENDPOINT = "https://data.ssb.no/api/pxwebapi/v2"
METADATA_14216 = Path(__file__).resolve().parents[1] / "resources" / "pxweb" / "ssb_pxwebapi_v2_tables_14216_metadata.json"

YEARS = tuple(str(y) for y in range(2005, 2025))  # 20 years, ascending as in the metadata
TID = Dimension("Tid", YEARS, eliminable=False, role="time")
CONTENTS = Dimension("ContentsCode", ("Personer1", "Personer2"), eliminable=False, role="metric")
REGION = Dimension("Region", tuple(f"{i:04d}" for i in range(1, 401)), eliminable=True, role="geo")
KJONN = Dimension("Kjonn", ("1", "2"), eliminable=True)
ALDER = Dimension("Alder", tuple(f"{a:03d}" for a in range(100)), eliminable=True)
DIMS = [REGION, KJONN, ALDER, CONTENTS, TID]


def sel(*values: str, codelist: str | None = None) -> PxSelection:
    return PxSelection(values=list(values), codelist=codelist)


def cells_of(selection: dict[str, list[str]]) -> set[tuple[str, ...]]:
    codes = sorted(selection)
    return set(itertools.product(*(selection[c] for c in codes)))


# ------------------------------------------------------------------------------ expand_values
def test_star_is_every_value_in_metadata_order():
    assert expand_values(TID, ["*"]) == list(YEARS)


def test_top_n_is_the_n_latest():
    assert expand_values(TID, ["top(3)"]) == ["2022", "2023", "2024"]
    assert expand_values(TID, ["TOP(1)"]) == ["2024"]
    assert expand_values(TID, ["top(0)"]) == []
    assert expand_values(TID, ["top(99)"]) == list(YEARS)


def test_from_code_is_that_code_and_everything_after():
    assert expand_values(TID, ["from(2021)"]) == ["2021", "2022", "2023", "2024"]
    with pytest.raises(PlannerError, match=r"Tid: from\(1999\) — '1999' is not a value of the dimension"):
        expand_values(TID, ["from(1999)"])


def test_explicit_codes_are_deduplicated_and_put_in_metadata_order():
    assert expand_values(TID, ["2024", "2010", "2024", " 2010 "]) == ["2010", "2024"]
    assert expand_values(TID, ["top(2)", "2024", "2005"]) == ["2005", "2023", "2024"]
    assert expand_values(KJONN, ["*", "1", "2"]) == ["1", "2"]


def test_unknown_code_names_the_dimension_and_the_code():
    with pytest.raises(PlannerError, match=r"Kjonn: value '3' is not in the table's metadata"):
        expand_values(KJONN, ["1", "3"])


def test_code_list_universe_replaces_the_metadata_values():
    universe = ["0301", "1103", "4601"]
    assert expand_values(REGION, ["*"], universe) == universe
    assert expand_values(REGION, ["4601", "0301"], universe) == ["0301", "4601"]
    with pytest.raises(PlannerError, match=r"Region: value '0001' is not in the code list"):
        expand_values(REGION, ["0001"], universe)


# ------------------------------------------------------------------------------ split_selection
def big_selection() -> dict[str, list[str]]:
    return {"Region": list(REGION.values), "Kjonn": list(KJONN.values), "Alder": list(ALDER.values),
            "ContentsCode": list(CONTENTS.values), "Tid": list(YEARS)}


def test_selection_within_the_limit_is_one_piece():
    selection = {"Region": ["0301"], "Tid": list(YEARS)}
    assert split_selection(selection, DIMS, 800_000) == [selection]


def test_selection_above_800k_is_split_along_non_time_non_content_dimensions():
    selection = big_selection()
    assert cell_count(selection) == 400 * 2 * 100 * 2 * 20 == 3_200_000
    pieces = split_selection(selection, DIMS, 800_000)

    assert len(pieces) == 4
    assert all(cell_count(p) <= 800_000 for p in pieces)
    for p in pieces:  # time and contents are never cut
        assert p["Tid"] == list(YEARS) and p["ContentsCode"] == list(CONTENTS.values)
        assert p["Kjonn"] == ["1", "2"] and p["Alder"] == list(ALDER.values)
    # the largest splittable dimension (Region, 400 values) was cut into 4 runs of 100
    assert [p["Region"][0] for p in pieces] == ["0001", "0101", "0201", "0301"]
    # disjoint, and the union is exactly the selection: the Region runs concatenate to the whole
    assert list(itertools.chain.from_iterable(p["Region"] for p in pieces)) == list(REGION.values)
    assert sum(cell_count(p) for p in pieces) == 3_200_000


def test_split_pieces_are_disjoint_and_cover_the_selection_cell_by_cell():
    # the same shape at 1/100 of the size, so every cell can be enumerated
    selection = {"Region": list(REGION.values[:40]), "Kjonn": ["1", "2"], "Alder": list(ALDER.values[:10]),
                 "ContentsCode": list(CONTENTS.values), "Tid": list(YEARS)}
    assert cell_count(selection) == 32_000
    pieces = split_selection(selection, DIMS, 7_000)
    assert len(pieces) == 5 and all(cell_count(p) <= 7_000 for p in pieces)
    all_cells = [cells_of(p) for p in pieces]
    assert sum(len(c) for c in all_cells) == 32_000  # no cell twice
    assert set().union(*all_cells) == cells_of(selection)  # none missing, none extra


def test_recursive_split_over_two_dimensions():
    dims = [Dimension("A", ("a1", "a2", "a3"), True), Dimension("B", ("b1", "b2"), True),
            Dimension("Tid", tuple(str(y) for y in range(2015, 2025)), False, "time"),
            Dimension("ContentsCode", ("x", "y"), False, "metric")]
    selection = {d.code: list(d.values) for d in dims}
    assert cell_count(selection) == 120
    pieces = split_selection(selection, dims, 20)
    assert len(pieces) == 6
    assert all(cell_count(p) == 20 for p in pieces)
    assert {(p["A"][0], p["B"][0]) for p in pieces} == {(a, b) for a in ("a1", "a2", "a3") for b in ("b1", "b2")}
    assert set().union(*(cells_of(p) for p in pieces)) == cells_of(selection)


def test_time_and_contents_alone_above_the_limit_is_an_error():
    selection = {"Region": ["0301", "4601"], "ContentsCode": list(CONTENTS.values), "Tid": list(YEARS)}
    with pytest.raises(PlannerError) as err:
        split_selection(selection, DIMS, 30)  # 2 × 20 = 40 cells even for one region
    assert "only ContentsCode, Tid are left to split" in str(err.value)
    assert "40 cells" in str(err.value) and "below 30 cells" in str(err.value)


def test_time_dimension_is_recognised_by_role_not_only_by_name():
    aar = Dimension("Aar", tuple(str(y) for y in range(2000, 2010)), False, "time")
    maal = Dimension("Maal", ("m1", "m2", "m3"), False, "metric")
    geo = Dimension("Geo", ("g1", "g2"), False, "geo")
    selection = {"Geo": ["g1", "g2"], "Maal": ["m1", "m2", "m3"], "Aar": list(aar.values)}
    pieces = split_selection(selection, [geo, maal, aar], 30)
    assert [p["Geo"] for p in pieces] == [["g1"], ["g2"]]
    with pytest.raises(PlannerError):
        split_selection(selection, [geo, maal, aar], 29)


# ------------------------------------------------------------------------------ build_request
def test_get_below_the_url_limit():
    selection = {"Region": ["0301", "4601"], "ContentsCode": ["Personer1"], "Tid": ["2024"]}
    req = build_request(ENDPOINT, "07459", "no", selection, {"Region": "vs_Kommun"}, 2000)
    assert req.method == "GET"
    assert req.url == f"{ENDPOINT}/tables/07459/data"
    assert req.params == [("lang", "no"), ("outputFormat", "json-stat2"),
                          ("valueCodes[Region]", "0301,4601"), ("codelist[Region]", "vs_Kommun"),
                          ("valueCodes[ContentsCode]", "Personer1"), ("valueCodes[Tid]", "2024")]
    assert req.json_body is None
    assert req.meta["cells"] == 2
    assert req.meta["url_length"] == len(req.url) + 1 + len(urlencode(req.params))


def test_post_above_the_url_limit():
    regions = [f"{i:04d}" for i in range(1, 401)]
    selection = {"Region": regions, "ContentsCode": ["Personer1"], "Tid": ["2023", "2024"]}
    req = build_request(ENDPOINT, "07459", "no", selection, {"Region": "vs_Kommun"}, 2000)
    assert req.method == "POST"
    assert req.params == [("lang", "no"), ("outputFormat", "json-stat2")]
    assert req.json_body == {"selection": [
        {"variableCode": "Region", "codeList": "vs_Kommun", "valueCodes": regions},
        {"variableCode": "ContentsCode", "valueCodes": ["Personer1"]},
        {"variableCode": "Tid", "valueCodes": ["2023", "2024"]},
    ]}
    assert req.meta["cells"] == 800 and req.meta["url_length"] > 2000
    assert "GET URL would be" in req.meta["why_post"]


def test_get_post_switch_is_exactly_at_the_limit():
    selection = {"Region": ["0301"], "Tid": ["2024"]}
    length = build_request(ENDPOINT, "07459", "no", selection, {}, 10_000).meta["url_length"]
    assert build_request(ENDPOINT, "07459", "no", selection, {}, length).method == "GET"
    assert build_request(ENDPOINT, "07459", "no", selection, {}, length - 1).method == "POST"


def test_url_length_matches_what_requests_sends():
    import requests

    selection = {"Region": ["0301", "4601"], "Tid": ["2023", "2024"]}
    req = build_request(ENDPOINT, "07459", "no", selection, {"Region": "vs_Kommun"}, 2000)
    prepared = requests.Request("GET", req.url, params=req.params).prepare()
    assert len(prepared.url) == req.meta["url_length"]


# ------------------------------------------------------------------------------ plan_data_requests
def plan(spec, dims=DIMS, max_cells=800_000, max_url_length=2000, codelists=None, time_override=None):
    return plan_data_requests(endpoint=ENDPOINT, table="07459", lang="no", dims=dims, selection_spec=spec,
                              codelist_values=codelists or {}, max_cells=max_cells,
                              max_url_length=max_url_length, time_override=time_override)


def requested_selection(req) -> dict[str, list[str]]:
    if req.method == "POST":
        return {s["variableCode"]: s["valueCodes"] for s in req.json_body["selection"]}
    return {k[len("valueCodes["):-1]: v.split(",") for k, v in req.params if k.startswith("valueCodes[")}


def test_eliminable_dimensions_are_omitted_when_not_selected():
    [req] = plan({"Region": sel("0301"), "Tid": sel("top(1)")})
    got = requested_selection(req)
    # Kjonn and Alder are eliminable and unselected: left out (SSB sums them away);
    # ContentsCode is not eliminable: every value.
    assert got == {"Region": ["0301"], "ContentsCode": ["Personer1", "Personer2"], "Tid": ["2024"]}
    assert req.method == "GET"


def test_plan_for_a_large_selection_is_split_and_posted():
    spec = {"Region": sel("*"), "Kjonn": sel("*"), "Alder": sel("*"), "ContentsCode": sel("*"), "Tid": sel("*")}
    reqs = plan(spec)
    assert len(reqs) == 4
    assert all(r.meta["cells"] == 800_000 for r in reqs)
    assert [r.method for r in reqs] == ["GET"] * 4  # 100 regions + 100 ages still fit in 2,000 chars
    assert all(r.meta["url_length"] <= 2000 for r in reqs)
    posted = plan(spec, max_url_length=1000)
    assert [r.method for r in posted] == ["POST"] * 4
    assert [requested_selection(r) for r in posted] == [requested_selection(r) for r in reqs]
    regions = itertools.chain.from_iterable(requested_selection(r)["Region"] for r in posted)
    assert list(regions) == list(REGION.values)


def test_plan_uses_the_code_list_and_names_it():
    codelists = {"vs_Kommun": ["0301", "4601", "5001"]}
    [req] = plan({"Region": sel("*", codelist="vs_Kommun"), "Tid": sel("2024")}, codelists=codelists)
    assert ("codelist[Region]", "vs_Kommun") in req.params
    assert requested_selection(req)["Region"] == ["0301", "4601", "5001"]
    with pytest.raises(PlannerError, match="code list vs_Fylke for Region was not fetched"):
        plan({"Region": sel("*", codelist="vs_Fylke")})


def test_time_override_replaces_the_time_selection():
    [req] = plan({"Region": sel("0301"), "Tid": sel("top(1)")}, time_override=["2019", "2020"])
    assert requested_selection(req)["Tid"] == ["2019", "2020"]


def test_unknown_dimension_and_empty_selection_are_errors():
    with pytest.raises(PlannerError, match=r"table 07459 has no dimension\(s\) Kommune"):
        plan({"Kommune": sel("0301")})
    with pytest.raises(PlannerError, match=r"Tid: the selection \['top\(0\)'\] matches no values"):
        plan({"Region": sel("0301"), "Tid": sel("top(0)")})


def test_plan_raises_when_time_and_contents_exceed_the_limit():
    with pytest.raises(PlannerError, match="narrow the time or measure \(contents\) selection"):
        plan({"Region": sel("0301", "0302"), "Tid": sel("*")}, max_cells=39)


# ------------------------------------------------------------------------------ real metadata
def test_dimensions_from_real_14216_metadata():
    info = dataset_info(METADATA_14216.read_bytes())
    dims = {d.code: d for d in dimensions_from_metadata(info)}
    assert list(dims) == ["Region", "TettSted", "ContentsCode", "Tid"]
    assert (dims["Region"].role, dims["Region"].eliminable, len(dims["Region"].values)) == ("geo", True, 120)
    assert (dims["TettSted"].role, dims["TettSted"].eliminable) == ("geo", True)
    assert (dims["ContentsCode"].role, dims["ContentsCode"].eliminable) == ("metric", False)
    assert dims["ContentsCode"].values == ("Areal", "Bosatte")
    assert (dims["Tid"].role, dims["Tid"].eliminable, len(dims["Tid"].values)) == ("time", False, 25)

    [req] = plan_data_requests(endpoint=ENDPOINT, table="14216", lang="no", dims=list(dims.values()),
                               selection_spec={"ContentsCode": sel("Bosatte"), "Tid": sel("top(2)")},
                               codelist_values={}, max_cells=800_000, max_url_length=2000)
    # both eliminable geo dimensions are left out; the two latest years are the metadata's last two
    assert requested_selection(req) == {"ContentsCode": ["Bosatte"], "Tid": list(dims["Tid"].values[-2:])}
    assert json.loads(METADATA_14216.read_text())["value"] == []  # a metadata document, no cells
