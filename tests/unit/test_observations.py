"""ObservationWriter: the cross-source rules for raw.observations (pure, no database)."""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal

import pytest

from atlas_ingest.manifest import Manifest
from atlas_ingest.observations import (
    CATALOG_COLUMNS,
    MISSING_MARKER,
    OBSERVATION_COLUMNS,
    OBSERVATIONS_LOAD,
    CsvTable,
    ObservationWriter,
    canonical_number,
    region_level_of,
)

MICRODATA = {"temporalityType": "STATUS", "sensitivityLevel": "PUBLIC",
             "measure": {"dataType": "LONG", "valueDomain": {"measurementUnitDescription": "Antall"}}}


def manifest(grain: str = "P1Y", markers: dict[str, str] | None = None) -> Manifest:
    return Manifest.model_validate({
        "id": "ssb-99999", "provider": "ssb", "family": "ssb", "title": "Test", "description": "A test source.",
        "eu_theme": "SOCI", "licence": "CC-BY-4.0", "cadence": "annual", "period_grain": grain,
        "geo_level": ["kommune"], "methodology_version": "1",
        "fetch": {"kind": "pxweb_v2", "endpoint": "https://data.ssb.no/api/pxwebapi/v2",
                  "options": {"table": "99999", "selection": {}}},
        "parse": {"parser": "jsonstat2"}, "raw_table": "raw.observations", "min_rows": 0,
        "suppression_markers": {"..": "missing", ".": "n/a", ":": "confidential"} if markers is None else markers,
        "microdata": MICRODATA,
        "measures": {"default": {"kind": "count", "annual": "last"}},
    })


def rows(writer: ObservationWriter) -> list[dict[str, str]]:
    text = writer.table.getvalue().decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames) == OBSERVATION_COLUMNS
    return list(reader)


def add(writer: ObservationWriter, **kw) -> bool:
    cell = {"region_code": "0301", "period": "2024", "contents_code": "Personer1", "value": 1,
            "locator": "test#cell=0"}
    cell.update(kw)
    return writer.add(**cell)


@pytest.fixture
def writer() -> ObservationWriter:
    return ObservationWriter(manifest(), "99999")


def test_a_plain_cell(writer):
    assert add(writer, value=693494, dimensions={"Kjonn": "2", "Alder": "037"})
    [row] = rows(writer)
    assert row == {"source_id": "ssb-99999", "table_id": "99999", "region_code": "0301",
                   "region_level": "kommune", "period_id": "2024", "contents_code": "Personer1",
                   "dimensions": '{"Alder": "037", "Kjonn": "2"}', "value": "693494", "status": ""}
    assert writer.periods == {"2024"} and writer.records == 1 and writer.table.rows == 1


@pytest.mark.parametrize("marker", ["..", ".", ":"])
def test_suppressed_cell_is_null_with_its_marker_never_zero(writer, marker):
    assert add(writer, value=0, status=marker)
    [row] = rows(writer)
    assert row["value"] == "" and row["status"] == marker


def test_suppressed_cell_with_no_value(writer):
    assert add(writer, value=None, status=" : ")
    [row] = rows(writer)
    assert (row["value"], row["status"]) == ("", ":")


@pytest.mark.parametrize("value", [None, float("nan"), math.nan])
def test_null_without_marker_gets_the_missing_marker(writer, value):
    assert add(writer, value=value, status=None)
    [row] = rows(writer)
    assert (row["value"], row["status"]) == ("", MISSING_MARKER) == ("", "..")


def test_empty_status_string_is_no_marker(writer):
    assert add(writer, value=5, status="")
    assert rows(writer)[0]["status"] == ""


def test_unknown_marker_is_quarantined(writer):
    assert not add(writer, value=None, status="x", locator="https://x/data#cell=7")
    assert rows(writer) == []
    [q] = writer.quarantine
    assert q["locator"] == "https://x/data#cell=7"
    assert q["reason"] == "unknown status marker 'x' (manifest lists ., .., :)"
    assert q["payload"]["status"] == "x" and q["payload"]["region_code"] == "0301"
    assert writer.records == 1 and writer.periods == set()


def test_unknown_marker_with_no_markers_listed():
    w = ObservationWriter(manifest(markers={}), "99999")
    assert not add(w, value=None, status="..")
    assert "(manifest lists none)" in w.quarantine[0]["reason"]
    assert add(w, value=None)  # but a NULL without a marker is still written, with ".."
    assert rows(w)[0]["status"] == ".."


@pytest.mark.parametrize("code", ["EAK", "030", "03011", "12345678", "", "K-0301"])
def test_unknown_region_shape_is_quarantined(writer, code):
    assert not add(writer, region_code=code)
    assert "is not a 1-, 2-, 4- or 6-digit SSB code" in writer.quarantine[0]["reason"]
    assert rows(writer) == []


@pytest.mark.parametrize(("code", "level"), [("0", "land"), ("03", "fylke"), ("0301", "kommune"),
                                             ("030101", "bydel"), (" 4601 ", "kommune")])
def test_region_level_by_code_shape(writer, code, level):
    assert add(writer, region_code=code)
    row = rows(writer)[0]
    assert row["region_level"] == level and row["region_code"] == code.strip()


def test_explicit_region_level_wins(writer):
    assert add(writer, region_code="2100", region_level="land")
    assert rows(writer)[0]["region_level"] == "land"


@pytest.mark.parametrize(("period", "reason"), [
    ("2024M01", "period: cannot parse period '2024M01' as a P1Y period"),
    ("20x4", "period: cannot parse period '20x4' as a P1Y period"),
    ("1850", "period: year 1850 is outside 1900–2100"),
])
def test_unknown_period_is_quarantined(writer, period, reason):
    assert not add(writer, period=period)
    assert writer.quarantine[0]["reason"] == reason
    assert writer.quarantine[0]["payload"]["period"] == period


def test_period_is_canonicalised_by_the_manifest_grain():
    w = ObservationWriter(manifest("P1M"), "t")
    assert add(w, period="2024-03") and add(w, period="2024M04") and add(w, period="202405")
    assert [r["period_id"] for r in rows(w)] == ["2024M03", "2024M04", "2024M05"]
    assert w.periods == {"2024M03", "2024M04", "2024M05"}

    school = ObservationWriter(manifest("SCHOOL_YEAR"), "t")
    assert add(school, period="2023-24")
    assert rows(school)[0]["period_id"] == "2023-2024"

    fhi = ObservationWriter(manifest("P3Y"), "t")
    assert add(fhi, period="2019_2021")
    assert not add(fhi, period="2020_2021")  # two years in a three-year source
    assert rows(fhi)[0]["period_id"] == "2019-2021"
    assert "spans 2 years, but the source's grain is P3Y" in fhi.quarantine[0]["reason"]


def test_impossible_date_is_quarantined_not_raised():
    w = ObservationWriter(manifest("POINT"), "t")
    assert not add(w, period="2024-02-30")
    assert w.quarantine[0]["reason"].startswith("period: '2024-02-30'")


@pytest.mark.parametrize(("value", "text"), [
    (12, "12"), (0, "0"), (-3, "-3"), (1.5, "1.5"), (0.1, "0.1"), (1e-7, "1e-07"),
    (Decimal("12.50"), "12.50"), ("42", "42"), (" 3.25 ", "3.25"),
])
def test_values_are_written_exactly(writer, value, text):
    assert add(writer, value=value)
    assert rows(writer)[0]["value"] == text


def test_non_numeric_value_is_quarantined(writer):
    assert not add(writer, value="12,5")
    assert writer.quarantine[0]["reason"] == "not a number: '12,5'"


def test_infinite_value_becomes_missing(writer):
    assert add(writer, value=float("inf"))
    assert (rows(writer)[0]["value"], rows(writer)[0]["status"]) == ("", "..")


def test_quarantine_payload_is_json_serialisable(writer):
    add(writer, region_code="EAK", value=float("nan"), dimensions={"Kjonn": "1"})
    payload = writer.quarantine[0]["payload"]
    assert payload == {"region_code": "EAK", "period": "2024", "contents_code": "Personer1", "value": None,
                       "status": None, "dimensions": {"Kjonn": "1"}}
    json.dumps(payload, allow_nan=False)


def test_counts_over_a_mixed_batch(writer):
    results = [
        add(writer, value=1), add(writer, value=None, status=".."), add(writer, region_code="EAK"),
        add(writer, period="x"), add(writer, status="?"), add(writer, period="2023", value=2),
    ]
    assert results == [True, True, False, False, False, True]
    assert writer.records == 6 and writer.table.rows == 3 and len(writer.quarantine) == 3
    assert writer.periods == {"2023", "2024"}
    # "value NULL iff status" holds for every written row
    assert all((r["value"] == "") == (r["status"] != "") for r in rows(writer))


def test_csv_quotes_dimensions_json_and_keeps_unicode(writer):
    add(writer, dimensions={"Kjønn": "Kvinner, i alt", "Alder": '"80+"'})
    text = writer.table.getvalue().decode("utf-8")
    assert text.splitlines()[0] == ",".join(OBSERVATION_COLUMNS)
    row = rows(writer)[0]
    assert json.loads(row["dimensions"]) == {"Alder": '"80+"', "Kjønn": "Kvinner, i alt"}
    assert list(json.loads(row["dimensions"])) == ["Alder", "Kjønn"]  # sorted keys


def test_region_level_of():
    assert [region_level_of(c) for c in ("0", "03", "0301", "030101", "00", "EAK")] == \
        ["land", "fylke", "kommune", "bydel", "fylke", None]


def test_canonical_number():
    assert canonical_number(None) is None
    assert canonical_number(float("nan")) is None
    assert canonical_number(10**20) == "100000000000000000000"
    with pytest.raises(ValueError, match="not a number"):
        canonical_number("abc")


def test_csv_table_header_and_empty_values():
    t = CsvTable(OBSERVATIONS_LOAD)
    t.write({"source_id": "s", "value": None, "status": ".."})
    lines = t.getvalue().decode().splitlines()
    assert lines == [",".join(OBSERVATION_COLUMNS), "s,,,,,,,,.."]
    assert t.rows == 1
    assert CATALOG_COLUMNS[0] == "source_id"
