"""JSON-stat 2 decoding: golden tests on real SSB and FHI responses, plus constructed edge cases.

The real samples live in tests/resources/jsonstat/ (see PROVENANCE.md there).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from atlas_ingest.formats.jsonstat import Cell, JsonStatError, dataset_info, iter_cells
from atlas_ingest.formats.jsonstat_observations import JsonStatParseError, parse
from atlas_ingest.kinds import Fetched, RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import Manifest

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "jsonstat"
SSB_05300 = RESOURCES / "ssb_v0_table_05300_jsonstat2_response.json"
FHI_EXAMPLE = RESOURCES / "fhi_openapi_README_example_jsonstat2_response.json"


def test_resources_are_the_verbatim_reference_files():
    # sha256 of /work/shared/reference/{ssb,fhi}/… at the time of copying
    assert hashlib.sha256(SSB_05300.read_bytes()).hexdigest() == \
        "f67286e1b544b24d0c8ed4f15988f5c78ccf3358e5382d929914ace8ab0d904f"
    assert hashlib.sha256(FHI_EXAMPLE.read_bytes()).hexdigest() == \
        "9cfaf25cb6ae8056d5cefee77f14c8262e0b35dc6be130f7fb3585b8c1210dd7"


# ------------------------------------------------------------------------------ SSB 05300 (real)
@pytest.fixture(scope="module")
def cells_05300() -> list[Cell]:
    return list(iter_cells(SSB_05300.read_bytes()))


def test_05300_info():
    info = dataset_info(SSB_05300.read_bytes())
    assert info.dimension_ids == ["Avstand1", "Kulturtilbud", "ContentsCode", "Tid"]
    assert info.sizes == [6, 8, 1, 9] and info.cell_count == 432
    assert info.roles == {"time": ["Tid"], "metric": ["ContentsCode"]}
    assert info.updated == "2022-05-24T06:00:00Z"
    assert list(info.labels["Tid"]) == ["1991", "1994", "1997", "2000", "2004", "2008", "2012", "2016", "2021"]
    assert info.labels["Avstand1"]["06"] == "50 km eller over"
    assert info.units == {"Avstand": {"base": "prosent", "decimals": 0}}
    assert info.extension == {"px": {"infofile": "None", "tableid": "05300", "decimals": 0}}


def test_05300_cell_count_and_row_major_order(cells_05300):
    assert len(cells_05300) == 432
    assert [c.index for c in cells_05300] == list(range(432))
    # the last dimension varies fastest
    assert cells_05300[0].codes == {"Avstand1": "01", "Kulturtilbud": "01", "ContentsCode": "Avstand", "Tid": "1991"}
    assert cells_05300[1].codes["Tid"] == "1994"
    assert cells_05300[9].codes == {"Avstand1": "01", "Kulturtilbud": "02", "ContentsCode": "Avstand", "Tid": "1991"}
    assert cells_05300[72].codes["Avstand1"] == "02"


@pytest.mark.parametrize(
    ("index", "avstand", "kultur", "tid", "value", "status"),
    [
        (0, "01", "01", "1991", 16, None),
        (8, "01", "01", "2021", 12, None),
        (17, "01", "02", "2021", 7, None),
        (71, "01", "08", "2021", None, "."),     # suppressed: "." (not applicable)
        (72, "02", "01", "1991", 39, None),
        (360, "06", "01", "1991", None, ".."),   # suppressed: ".." (not available)
        (423, "06", "08", "1991", None, ".."),
        (406, "06", "06", "1994", 0, None),      # a real zero stays a zero
        (430, "06", "08", "2016", 2, None),
        (431, "06", "08", "2021", None, "."),
    ],
)
def test_05300_golden_cells(cells_05300, index, avstand, kultur, tid, value, status):
    cell = cells_05300[index]
    assert cell.codes == {"Avstand1": avstand, "Kulturtilbud": kultur, "ContentsCode": "Avstand", "Tid": tid}
    assert cell.value == value
    assert cell.status == status


def test_05300_every_marker_kept_and_every_suppressed_cell_null(cells_05300):
    marked = {c.index: c.status for c in cells_05300 if c.status is not None}
    assert len(marked) == 28
    assert sum(1 for s in marked.values() if s == ".") == 20
    assert sum(1 for s in marked.values() if s == "..") == 8
    assert all(cells_05300[i].value is None for i in marked)  # never 0
    assert {c.index for c in cells_05300 if c.value is None} == set(marked)
    assert sum(c.value for c in cells_05300 if c.value is not None) == 6667


# ------------------------------------------------------------------------------ FHI example (real)
def test_fhi_example_array_index_and_empty_status():
    info = dataset_info(FHI_EXAMPLE.read_text(encoding="utf-8"))
    assert info.dimension_ids == ["GEO", "AAR", "KJONN", "ALDER", "MEASURE_TYPE"]
    assert info.roles == {"metric": ["MEASURE_TYPE"]}  # time/geo are null upstream
    assert info.labels["GEO"] == {"03": "Oslo", "30": "Viken"}
    assert info.labels["AAR"] == {"2020_2020": "2020", "2021_2021": "2021"}
    assert info.units["BEFVEKST_ANT"]["label"] == "antall"

    cells = list(iter_cells(FHI_EXAMPLE.read_bytes()))
    got = [(c.codes["GEO"], c.codes["AAR"], c.value, c.status) for c in cells]
    assert got == [("03", "2020_2020", 3516, None), ("03", "2021_2021", 2817, None),
                   ("30", "2020_2020", 11219, None), ("30", "2021_2021", 16846, None)]
    assert all(c.codes["KJONN"] == "0" and c.codes["ALDER"] == "0" and c.codes["MEASURE_TYPE"] == "BEFVEKST_ANT"
               for c in cells)


# ------------------------------------------------------------------------------ constructed
def cube(value, status=None, **extra) -> dict:
    doc = {
        "class": "dataset", "version": "2.0", "id": ["Region", "Tid"], "size": [2, 3],
        "dimension": {
            "Region": {"category": {"index": {"0301": 0, "4601": 1}}},
            "Tid": {"category": {"index": ["2022", "2023", "2024"]}},
        },
        "value": value,
    }
    if status is not None:
        doc["status"] = status
    doc.update(extra)
    return doc


def decoded(doc) -> list[tuple[str, str, float | None, str | None]]:
    return [(c.codes["Region"], c.codes["Tid"], c.value, c.status) for c in iter_cells(doc)]


def test_sparse_value_object():
    got = decoded(cube({"0": 1.5, "4": 7}, {"1": ".."}))
    assert got == [("0301", "2022", 1.5, None), ("0301", "2023", None, ".."), ("0301", "2024", None, None),
                   ("4601", "2022", None, None), ("4601", "2023", 7, None), ("4601", "2024", None, None)]


def test_sparse_value_index_out_of_range():
    with pytest.raises(JsonStatError, match="outside 0..5"):
        list(iter_cells(cube({"0": 1, "6": 2})))


def test_status_as_a_string_applies_to_every_cell():
    assert [s for *_, s in decoded(cube([None] * 6, ":"))] == [":"] * 6


def test_status_as_a_list():
    got = decoded(cube([1, None, 3, None, 5, 6], [None, "..", "", ".", None, None]))
    assert [(v, s) for _, _, v, s in got] == [(1, None), (None, ".."), (3, None), (None, "."), (5, None), (6, None)]


def test_status_as_a_one_element_list_applies_to_every_cell():
    assert {s for *_, s in decoded(cube([None] * 6, ["-"]))} == {"-"}


def test_status_list_of_the_wrong_length():
    with pytest.raises(JsonStatError, match="status array has 2 entries for 6 cells"):
        list(iter_cells(cube([1] * 6, [".", ".."])))


def test_status_as_an_object():
    got = decoded(cube([1, 2, None, 4, None, 6], {"2": "..", "4": ":"}))
    assert [s for *_, s in got] == [None, None, "..", None, ":", None]
    assert [v for _, _, v, _ in got] == [1, 2, None, 4, None, 6]


def test_status_object_with_non_index_keys():
    with pytest.raises(JsonStatError, match="status object keys must be cell indexes"):
        list(iter_cells(cube([1] * 6, {"Oslo": ".."})))


def test_status_of_an_unsupported_type():
    with pytest.raises(JsonStatError, match="unsupported status of type int"):
        list(iter_cells(cube([1] * 6, 5)))


def test_mismatched_value_length():
    with pytest.raises(JsonStatError, match="'value' has 5 entries but the dimensions describe 6 cells"):
        list(iter_cells(cube([1, 2, 3, 4, 5])))


def test_value_of_the_wrong_type():
    with pytest.raises(JsonStatError, match="'value' must be an array or an object, not str"):
        list(iter_cells(cube("123456")))


def test_values_are_kept_as_sent_even_next_to_a_null():
    cells = list(iter_cells(cube([16, None, 2.5, 0, 7, 1_000_000_001])))
    assert [c.value for c in cells] == [16, None, 2.5, 0, 7, 1_000_000_001]
    assert type(cells[0].value) is int and type(cells[2].value) is float


def test_metadata_document_with_empty_value_is_an_error():
    with pytest.raises(JsonStatError, match="metadata document"):
        list(iter_cells(cube([])))
    no_value = cube([1] * 6)
    del no_value["value"]
    with pytest.raises(JsonStatError, match="has no 'value'"):
        list(iter_cells(no_value))


def test_dataset_info_works_on_a_metadata_document():
    info = dataset_info(cube([]))
    assert info.cell_count == 6 and info.labels["Region"] == {"0301": "0301", "4601": "4601"}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (b"{not json", "not JSON"),
        ([1, 2], "must be an object"),
        ({"class": "collection"}, "expected class 'dataset'"),
        ({"class": "dataset", "id": ["A"], "size": [1]}, "no 'dimension'"),
        ({"class": "dataset", "id": ["A", "B"], "size": [1], "dimension": {}}, "'id' has 2 dimensions but 'size' has 1"),
        ({"class": "dataset", "id": ["A"], "size": [1], "dimension": {}, "value": [1]}, "'A' is listed in 'id' but not"),
        ({"class": "dataset", "id": ["A"], "size": [1], "dimension": {"A": {"category": {"index": 3}}}, "value": [1]},
         "neither an array nor an object"),
    ],
)
def test_malformed_documents(doc, message):
    with pytest.raises(JsonStatError, match=message):
        list(iter_cells(doc))


def test_single_category_dimension_with_labels_only_and_no_version():
    doc = cube([1, 2, 3, 4, 5, 6])
    del doc["version"]
    doc["id"].append("ContentsCode")
    doc["size"].append(1)
    doc["dimension"]["ContentsCode"] = {"category": {"label": {"Personer1": "Personer"}}}
    cells = list(iter_cells(doc))
    assert [c.codes["ContentsCode"] for c in cells] == ["Personer1"] * 6
    assert [c.value for c in cells] == [1, 2, 3, 4, 5, 6]


def test_index_object_order_is_by_position_not_by_key():
    doc = cube([10, 11, 12, 20, 21, 22])
    doc["dimension"]["Region"]["category"]["index"] = {"4601": 1, "0301": 0}
    doc["dimension"]["Tid"]["category"]["index"] = {"2024": 2, "2022": 0, "2023": 1}
    assert decoded(doc)[0] == ("0301", "2022", 10, None)
    assert decoded(doc)[5] == ("4601", "2024", 22, None)


# ------------------------------------------------------------------------------ the jsonstat2 parser
MICRODATA = {"temporalityType": "STATUS", "sensitivityLevel": "PUBLIC",
             "measure": {"dataType": "LONG", "valueDomain": {"measurementUnitDescription": "Antall"}}}


def manifest(**overrides) -> Manifest:
    data = {
        "id": "ssb-99999", "provider": "ssb", "family": "ssb", "title": "Test", "description": "A test source.",
        "eu_theme": "SOCI", "licence": "CC-BY-4.0", "cadence": "annual", "period_grain": "P1Y",
        "geo_level": ["kommune"], "methodology_version": "1",
        "fetch": {"kind": "pxweb_v2", "endpoint": "https://data.ssb.no/api/pxwebapi/v2",
                  "options": {"table": "99999", "selection": {}}},
        "parse": {"parser": "jsonstat2"}, "raw_table": "raw.observations", "min_rows": 0,
        "suppression_markers": {"..": "missing", ".": "not applicable", ":": "confidential", "-": "nil"},
        "microdata": MICRODATA,
        "measures": {"default": {"kind": "count", "annual": "last"}},
    }
    data.update(overrides)
    return Manifest.model_validate(data)


def run_parser(tmp_path, m: Manifest, *bodies: bytes):
    landing = LandingStore(str(tmp_path / "landing"))
    fetched = [Fetched(role="data", method="POST", url="https://data.ssb.no/api/pxwebapi/v2/tables/99999/data",
                       params=[("lang", "no")], json_body={"selection": []}, key=landing.put(b), status=200,
                       bytes=len(b)) for b in bodies]
    ctx = RunContext(manifest=m, run_key="test", landing=landing)
    result = parse(ctx, fetched)
    tables = {t.table: list(csv.DictReader(io.StringIO(landing.get(t.key).decode("utf-8")))) for t in result.tables}
    return result, tables


SSB_SHAPED = {
    "class": "dataset", "version": "2.0", "label": "99999: Test", "updated": "2024-03-01T07:00:00Z",
    "id": ["Region", "Kjonn", "ContentsCode", "Tid"], "size": [4, 1, 1, 2],
    "role": {"geo": ["Region"], "metric": ["ContentsCode"], "time": ["Tid"]},
    "dimension": {
        "Region": {"category": {"index": {"0301": 0, "4601": 1, "EAK": 2, "0": 3}}},
        "Kjonn": {"category": {"index": {"2": 0}, "label": {"2": "Kvinner"}}},
        "ContentsCode": {"category": {"index": {"Personer1": 0}, "label": {"Personer1": "Personer"},
                                      "unit": {"Personer1": {"base": "personer", "decimals": 0}}},
                         "extension": {"measuringType": {"Personer1": "Stock"},
                                       "refperiod": {"Personer1": "1. januar"}}},
        "Tid": {"category": {"index": {"2023": 0, "2024": 1}}},
    },
    "value": [350000, None, None, 0, 12, 13, 5000000, None],
    "status": {"1": ":", "2": "."},
}


def test_parser_golden_ssb_shaped(tmp_path):
    result, tables = run_parser(tmp_path, manifest(), json.dumps(SSB_SHAPED).encode())
    obs = tables["raw.observations"]
    got = [(r["region_code"], r["region_level"], r["period_id"], r["value"], r["status"]) for r in obs]
    assert got == [
        ("0301", "kommune", "2023", "350000", ""),
        ("0301", "kommune", "2024", "", ":"),        # suppressed: NULL + marker
        ("4601", "kommune", "2023", "", "."),
        ("4601", "kommune", "2024", "0", ""),         # a real 0 stays 0
        ("0", "land", "2023", "5000000", ""),
        ("0", "land", "2024", "", ".."),              # NULL without a marker gets ".."
    ]
    assert {r["dimensions"] for r in obs} == {'{"Kjonn": "2"}'}
    assert {(r["source_id"], r["table_id"], r["contents_code"]) for r in obs} == {("ssb-99999", "99999", "Personer1")}
    assert result.records == 8 and result.periods == ["2023", "2024"]
    assert [q["payload"]["region_code"] for q in result.quarantine] == ["EAK", "EAK"]
    assert result.quarantine[0]["locator"].endswith("/tables/99999/data?lang=no#cell=4")
    assert "is not a 1-, 2-, 4- or 6-digit SSB code" in result.quarantine[0]["reason"]

    catalog = tables["raw.indicator_catalog"]
    assert catalog == [{"source_id": "ssb-99999", "table_id": "99999", "contents_code": "Personer1",
                        "label": "Personer", "unit": "personer", "decimals": "0", "measuring_type": "Stock",
                        "reference_time": "1. januar", "table_title": "99999: Test",
                        "table_updated": "2024-03-01T07:00:00+00:00"}]


def test_parser_golden_fhi_example(tmp_path):
    # FHI leaves role.geo/time null, so the manifest names them; periods come as `2020_2020`.
    m = manifest(id="fhi-befvekst", provider="fhi", family="fhi", geo_level=["fylke"],
                 parse={"parser": "jsonstat2", "options": {"region_dimension": "GEO", "time_dimension": "AAR",
                                                           "table_id": "befolkningsvekst"}})
    result, tables = run_parser(tmp_path, m, FHI_EXAMPLE.read_bytes())
    obs = tables["raw.observations"]
    assert [(r["region_code"], r["region_level"], r["period_id"], r["contents_code"], r["value"], r["status"])
            for r in obs] == [
        ("03", "fylke", "2020", "BEFVEKST_ANT", "3516", ""),
        ("03", "fylke", "2021", "BEFVEKST_ANT", "2817", ""),
        ("30", "fylke", "2020", "BEFVEKST_ANT", "11219", ""),
        ("30", "fylke", "2021", "BEFVEKST_ANT", "16846", ""),
    ]
    assert obs[0]["dimensions"] == '{"ALDER": "0", "KJONN": "0"}'
    assert {r["table_id"] for r in obs} == {"befolkningsvekst"}
    assert result.quarantine == [] and result.periods == ["2020", "2021"]
    assert tables["raw.indicator_catalog"][0]["label"] == "antall"


def test_parser_without_region_role_asks_the_manifest(tmp_path):
    with pytest.raises(JsonStatParseError, match="name them in parse.options"):
        run_parser(tmp_path, manifest(), FHI_EXAMPLE.read_bytes())


def test_parser_names_the_body_on_a_decoding_error(tmp_path):
    broken = copy.deepcopy(SSB_SHAPED)
    broken["value"] = broken["value"][:-1]
    with pytest.raises(JsonStatParseError) as err:
        run_parser(tmp_path, manifest(), json.dumps(broken).encode())
    assert "ssb-99999: POST https://data.ssb.no/api/pxwebapi/v2/tables/99999/data?lang=no" in str(err.value)
    assert "'value' has 7 entries" in str(err.value)
