"""The microdata.no export without a database: naming, temporality, the data-file rules, and every
dataset checked with Statistics Norway's own `microdata_tools.validate_dataset` (pinned 2.2.3).
Cells are hand-built with real kommune codes (0301 Oslo, 4601 Bergen, 5001 Trondheim)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from atlas_ingest.export import microdata as md
from atlas_ingest.manifest import Manifest, MicrodataBreakdown, parse_manifest

MANIFEST = """
id: ssb-99970
provider: ssb
family: ssb
title: Constructed test table
description: Constructed rows for the microdata export tests.
eu_theme: SOCI
licence: CC-BY-4.0
cadence: annual
period_grain: {grain}
geo_level: kommune
methodology_version: test
fetch:
  kind: pxweb_v2
  endpoint: https://data.ssb.no/api/pxwebapi/v2
  options:
    table: "99970"
    selection: {{Region: ["*"], ContentsCode: ["*"], Tid: ["*"]}}
parse:
  parser: jsonstat2
measures:
  default: {{kind: {kind}, annual: {annual}}}
raw_table: raw.observations
min_rows: 1
suppression_markers:
  "..": data not available
  ":": confidential
microdata:
  temporalityType: {declared}
  sensitivityLevel: PUBLIC
  populationDescription: Bosatte personer
  measure: {{dataType: DOUBLE, valueDomain: {{measurementUnitDescription: personer}}}}
{extra}
"""


def manifest(tmp_path: Path, *, grain="P1Y", kind="count", annual="last", declared="STATUS", extra="") -> Manifest:
    folder = tmp_path / "ssb-99970"
    folder.mkdir(exist_ok=True)
    (folder / "manifest.yml").write_text(MANIFEST.format(grain=grain, kind=kind, annual=annual, declared=declared,
                                                         extra=extra))
    return parse_manifest(folder / "manifest.yml")


def indicator(*, grain="P1Y", kind="count", annual="last", measuring=None, reference=None, code="Personer"):
    return md.Indicator(f"ssb-99970:{code}", code, "Personer (antall)", "personer", kind, annual, measuring,
                        reference, grain, "99970: test")


def cell(kommune, year, value, status=None, dims=None, start=None, end=None):
    return md.Cell(kommune, str(year), start or date(year, 1, 1), end or date(year, 12, 31), dims or {},
                   None if value is None else Decimal(str(value)), status)


def build(m, ind, cells, breakdown=None):
    return md.build_dataset(m, ind, breakdown or MicrodataBreakdown(name="TOTAL", label="i alt"), cells,
                            source_title="Test", eu_theme="SOCI", licence="CC-BY-4.0", loaded_at="2026-01-01")


def validate(dataset, tmp_path) -> list[str]:
    md.write_dataset(dataset, tmp_path / "out")
    return md.validate(dataset.name, tmp_path / "out")


# ------------------------------------------------------------------------------- naming
@pytest.mark.parametrize("parts, expected", [
    (("ssb-08764", "EUskala60"), "SSB_08764_EUSKALA60"),
    (("fhi-mobbing", "MEIS", "TRINN_10"), "FHI_MOBBING_MEIS_TRINN_10"),
    (("fhi-ensomhet", "Myeplaget", "Kvinner/Menn"), "FHI_ENSOMHET_MYEPLAGET_KVINNER_MENN"),
    (("ssb-07459", "Personer1", "Bø–Sør"), "SSB_07459_PERSONER1_BOE_SOER"),
    (("0301",), "ATLAS_0301"),
])
def test_dataset_names_follow_microdatas_rules(parts, expected):
    assert md.dataset_name(*parts) == expected


# -------------------------------------------------------------------------- temporality
@pytest.mark.parametrize("kw, declared, expected", [
    ({"grain": "P3Y", "kind": "share"}, "ACCUMULATED", "STATUS"),  # overlapping windows can never be ACCUMULATED
    ({"grain": "P1Y", "measuring": "Flow", "annual": "sum"}, "STATUS", "ACCUMULATED"),
    ({"grain": "P1Y", "kind": "count", "annual": "sum"}, "STATUS", "ACCUMULATED"),
    ({"grain": "P1Y", "measuring": "Stock", "reference": "01.01"}, "ACCUMULATED", "STATUS"),
    ({"grain": "P1Y", "kind": "share", "measuring": "Average"}, "ACCUMULATED", "ACCUMULATED"),
    ({"grain": "POINT", "kind": "share"}, "ACCUMULATED", "STATUS"),
    ({"grain": "P1Y", "kind": "code"}, "FIXED", "FIXED"),
    ({"grain": "P1M", "kind": "count"}, "EVENT", "EVENT"),
])
def test_temporality_follows_the_indicators_nature_and_grain(kw, declared, expected):
    assert md.choose_temporality(declared, indicator(**kw))[0] == expected


def test_status_dates_use_the_reference_day():
    jan = indicator(measuring="Stock", reference="01.01")
    dec = indicator(measuring="Stock", reference="31.12")
    assert md.row_dates("STATUS", jan, date(2024, 1, 1), date(2024, 12, 31)) == ("2024-01-01", "2024-01-01")
    assert md.row_dates("STATUS", dec, date(2024, 1, 1), date(2024, 12, 31)) == ("2024-12-31", "2024-12-31")
    rolling = indicator(grain="P3Y", kind="share")
    assert md.row_dates("STATUS", rolling, date(2020, 1, 1), date(2022, 12, 31)) == ("2022-12-31", "2022-12-31")
    assert md.row_dates("ACCUMULATED", jan, date(2024, 1, 1), date(2024, 12, 31)) == ("2024-01-01", "2024-12-31")
    assert md.row_dates("FIXED", jan, date(2024, 1, 1), date(2024, 12, 31)) == ("", "")


# ---------------------------------------------------------------------------- the rules
GOOD = ("0301", "12", "2024-01-01", "2024-01-01", "")


@pytest.mark.parametrize("temporality, rows, rule", [
    ("STATUS", [GOOD, ()], "no empty rows"),
    ("STATUS", [GOOD, ("", "", "", "", "")], "no empty rows"),
    ("STATUS", [("0301", "12", "2024-01-01", "2024-01-01")], "exactly 5 columns"),
    ("STATUS", [("0301", "12", "2024-01-01", "2024-01-01", "", "x")], "exactly 5 columns"),
    ("STATUS", [("0301", "1;2", "2024-01-01", "2024-01-01", "")], "exactly 5 columns"),
    ("STATUS", [(" ", "12", "2024-01-01", "2024-01-01", "")], "non-empty identifier"),
    ("STATUS", [("0301", "", "2024-01-01", "2024-01-01", "")], "non-empty measure"),
    ("STATUS", [("0301", "12", "01.01.2024", "01.01.2024", "")], "dates YYYY-MM-DD"),
    ("STATUS", [("0301", "12", "2024-13-01", "2024-13-01", "")], "dates YYYY-MM-DD"),
    ("STATUS", [("0301", "12", "2024-01-01", "2024-12-31", "")], "STATUS rows have start = stop"),
    ("STATUS", [GOOD, GOOD], "STATUS identifiers unique per date"),
    ("ACCUMULATED", [("0301", "1", "2024-01-01", "2024-12-31", ""), ("0301", "2", "2024-07-01", "2025-06-30", "")],
     "ACCUMULATED periods of one identifier never overlap"),
    ("ACCUMULATED", [("0301", "1", "2024-01-01", "2024-01-01", "")], "ACCUMULATED rows have start before stop"),
    ("FIXED", [("0301", "1", "", "", ""), ("0301", "2", "", "", "")], "FIXED identifiers unique"),
    ("FIXED", [("0301", "1", "2024-01-01", "", "")], "FIXED rows have no start date"),
    ("EVENT", [("0301", "1", "2024-01-01", "", ""), ("0301", "2", "2024-06-01", "2024-12-31", "")],
     "EVENT periods of one identifier never overlap"),
])
def test_each_broken_rule_is_named(temporality, rows, rule):
    problems = md.check_rows("SSB_TEST", temporality, rows)
    assert any(f"rule '{rule}'" in p for p in problems), problems
    assert all(p.startswith("SSB_TEST: ") for p in problems)


def test_well_formed_rows_break_no_rule():
    assert md.check_rows("T", "STATUS", [GOOD, ("4601", "3", "2024-01-01", "2024-01-01", "")]) == []
    assert md.check_rows("T", "ACCUMULATED", [("0301", "1", "2023-01-01", "2023-12-31", ""),
                                              ("0301", "2", "2024-01-01", "2024-12-31", "")]) == []
    assert md.check_rows("T", "FIXED", [("0301", "1", "", "", ""), ("4601", "2", "", "", "")]) == []


def test_a_dataset_breaking_a_rule_is_never_written(tmp_path):
    dataset = md.Dataset(name="SSB_BAD", source_id="ssb-99970", indicator_id="x", breakdown="TOTAL",
                         temporality="STATUS", temporality_reason="", data_type="LONG", metadata={},
                         rows=[("0301", "1", "2024-01-01", "2024-12-31", "")])
    with pytest.raises(md.MicrodataExportError, match=r"SSB_BAD: rule 'STATUS rows have start = stop'"):
        md.write_dataset(dataset, tmp_path)
    assert not (tmp_path / "SSB_BAD").exists()


def test_microdata_tools_itself_rejects_what_the_rules_forbid(tmp_path):
    """The rules are microdata's, not ours: the tool refuses the same files (written around our check)."""
    cases = {
        "BAD_STATUS": ("STATUS", "0301;12;2024-01-01;2024-12-31;\n"),
        "BAD_ACCUM": ("ACCUMULATED", "0301;1;2024-01-01;2024-12-31;\n0301;2;2024-07-01;2025-06-30;\n"),
        "BAD_FIXED": ("FIXED", "0301;1;;;\n0301;2;;;\n"),
        "BAD_COLUMNS": ("STATUS", "0301;12;2024-01-01;2024-01-01\n"),
        "BAD_MEASURE": ("STATUS", "0301;;2024-01-01;2024-01-01;\n"),
        "BAD_DATE": ("STATUS", "0301;12;01.01.2024;01.01.2024;\n"),
    }
    m = manifest(tmp_path)
    template = build(m, indicator(), [cell("0301", 2024, 12)]).metadata
    for name, (temporality, text) in cases.items():
        folder = tmp_path / "bad" / name
        folder.mkdir(parents=True)
        (folder / f"{name}.csv").write_text(text)
        (folder / f"{name}.json").write_text(json.dumps({**template, "temporalityType": temporality}))
        assert md.validate(name, tmp_path / "bad"), f"microdata-tools accepted {name}"


# ------------------------------------------------------------------------- the datasets
def test_a_stock_is_a_status_dataset_that_microdata_tools_accepts(tmp_path):
    m = manifest(tmp_path)
    cells = [cell("0301", 2023, 100), cell("0301", 2024, 110), cell("4601", 2024, 90), cell("5001", 2024, None, ":")]
    dataset = build(m, indicator(measuring="Stock", reference="31.12"), cells)
    assert dataset.name == "SSB_99970_PERSONER" and dataset.temporality == "STATUS" and dataset.data_type == "LONG"
    assert dataset.rows == [("0301", "100", "2023-12-31", "2023-12-31", ""), ("0301", "110", "2024-12-31", "2024-12-31", ""),
                            ("4601", "90", "2024-12-31", "2024-12-31", "")]
    assert dataset.suppressed_left_out == {":": 1}  # never a 0, never an empty measure
    assert validate(dataset, tmp_path) == []
    text = (tmp_path / "out" / dataset.name / f"{dataset.name}.csv").read_bytes().decode("utf-8")
    assert text == "0301;100;2023-12-31;2023-12-31;\n0301;110;2024-12-31;2024-12-31;\n4601;90;2024-12-31;2024-12-31;\n"
    meta = json.loads((tmp_path / "out" / dataset.name / f"{dataset.name}.json").read_text())
    domain = meta["measureVariables"][0]["valueDomain"]
    assert domain["measurementUnitDescription"] == [{"languageCode": "no", "value": "personer"}]
    assert "1 med ':' (confidential)" in domain["description"][0]["value"]
    assert meta["sensitivityLevel"] == "PUBLIC" and meta["identifierVariables"] == [{"unitType": "KOMMUNE"}]
    assert meta["subjectFields"] == [[{"languageCode": "no", "value": "Befolkning og samfunn"}]]


def test_a_flow_is_accumulated_over_its_periods(tmp_path):
    m = manifest(tmp_path, annual="sum")
    cells = [cell("0301", 2023, 5), cell("0301", 2024, 7), cell("4601", 2024, 2.5)]
    dataset = build(m, indicator(measuring="Flow", annual="sum"), cells)
    assert dataset.temporality == "ACCUMULATED" and dataset.data_type == "DOUBLE"
    assert dataset.rows[0] == ("0301", "5.0", "2023-01-01", "2023-12-31", "")
    assert validate(dataset, tmp_path) == []


def test_rolling_windows_become_status_at_the_window_end(tmp_path):
    m = manifest(tmp_path, grain="P3Y", kind="share", declared="ACCUMULATED")
    cells = [cell("0301", 2022, 12.5, start=date(2020, 1, 1)), cell("0301", 2023, 13.0, start=date(2021, 1, 1))]
    dataset = build(m, indicator(grain="P3Y", kind="share"), cells)
    assert dataset.temporality == "STATUS"
    assert [r[2] for r in dataset.rows] == ["2022-12-31", "2023-12-31"]
    assert validate(dataset, tmp_path) == []


def test_fixed_keeps_the_latest_period_once_per_kommune(tmp_path):
    m = manifest(tmp_path, kind="code", declared="FIXED")
    cells = [cell("0301", 2023, 1), cell("0301", 2024, 2), cell("4601", 2024, 1)]
    dataset = build(m, indicator(kind="code"), cells)
    assert dataset.temporality == "FIXED"
    assert dataset.rows == [("0301", "2", "", "", ""), ("4601", "1", "", "", "")]
    assert validate(dataset, tmp_path) == []


def test_event_periods_are_validity_intervals(tmp_path):
    m = manifest(tmp_path, grain="P1M", declared="EVENT")
    cells = [cell("0301", 2024, 3, start=date(2024, 1, 1), end=date(2024, 1, 31)),
             cell("0301", 2024, 4, start=date(2024, 2, 1), end=date(2024, 2, 29))]
    dataset = build(m, indicator(grain="P1M"), cells)
    assert dataset.temporality == "EVENT"
    assert validate(dataset, tmp_path) == []


def test_a_coded_measure_carries_the_suppression_markers_as_sentinel_values(tmp_path):
    extra = '  code_lists:\n    Personer: {"1": "Ja", "0": "Nei"}'
    m = manifest(tmp_path, kind="code", extra=extra)
    cells = [cell("0301", 2024, 1), cell("4601", 2024, 0), cell("5001", 2024, None, ":"), cell("1103", 2024, None, "..")]
    dataset = build(m, indicator(kind="code"), cells)
    assert dataset.data_type == "LONG" and dataset.sentinel_rows == 2 and dataset.suppressed_left_out == {}
    assert ("5001", "-2", "2024-12-31", "2024-12-31", "") in dataset.rows
    domain = dataset.metadata["measureVariables"][0]["valueDomain"]
    assert [c["code"] for c in domain["codeList"]] == [0, 1]
    assert domain["sentinelAndMissingValues"] == [
        {"code": -1, "categoryTitle": [{"languageCode": "no", "value": ".. data not available"}]},
        {"code": -2, "categoryTitle": [{"languageCode": "no", "value": ": confidential"}]}]
    assert validate(dataset, tmp_path) == []


def test_a_value_outside_the_code_list_fails_microdata_tools(tmp_path):
    extra = '  code_lists:\n    Personer: {"1": "Ja", "0": "Nei"}'
    m = manifest(tmp_path, kind="code", extra=extra)
    dataset = build(m, indicator(kind="code"), [cell("0301", 2024, 7)])
    errors = validate(dataset, tmp_path)
    assert errors and "7 is not in code list" in " ".join(errors)


def test_breakdowns_select_and_sum(tmp_path):
    m = manifest(tmp_path)
    cells = [cell("0301", 2024, 10, dims={"Kjonn": "1", "Alder": "000"}), cell("0301", 2024, 11, dims={"Kjonn": "1", "Alder": "001"}),
             cell("0301", 2024, 20, dims={"Kjonn": "2", "Alder": "000"}), cell("0301", 2024, None, ":", dims={"Kjonn": "2", "Alder": "001"})]
    men = build(m, indicator(), cells, MicrodataBreakdown(name="MENN", label="menn", dimensions={"Kjonn": "1"},
                                                          sum_over=["Alder"]))
    assert men.name == "SSB_99970_PERSONER_MENN" and men.rows == [("0301", "21", "2024-12-31", "2024-12-31", "")]
    assert men.metadata["measureVariables"][0]["name"][0]["value"] == "Personer (antall), menn"
    women = build(m, indicator(), cells, MicrodataBreakdown(name="KVINNER", label="kvinner", dimensions={"Kjonn": "2"},
                                                            sum_over=["Alder"]))
    assert women is None  # the one kommune's sum has a suppressed component: no row, never a partial sum
    with pytest.raises(md.MicrodataExportError, match="also vary by"):
        build(m, indicator(), cells, MicrodataBreakdown(name="MENN", label="menn", dimensions={"Kjonn": "1"}))
    with pytest.raises(md.MicrodataExportError, match="needs an additive measure"):
        build(m, indicator(kind="share"), cells, MicrodataBreakdown(name="X", label="x", sum_over=["Kjonn", "Alder"]))


def test_a_source_with_breakdowns_and_none_published_is_skipped_with_the_reason(tmp_path):
    m = manifest(tmp_path)
    datasets, reason = md.build_for_source(m, [indicator()], {"Personer": [cell("0301", 2024, 1, dims={"Kjonn": "1"})]},
                                           {})
    assert datasets == [] and "has breakdowns (Kjonn)" in reason
    datasets, reason = md.build_for_source(m, [indicator()], {}, {})
    assert datasets == [] and "no kommune-level rows" in reason


def test_every_published_breakdown_in_the_manifests_is_well_formed():
    from atlas_ingest.manifest import load_manifests

    published = {m.id: m.microdata.published for m in load_manifests() if m.microdata and m.microdata.published}
    assert {"ssb-07459", "fhi-mobbing", "fhi-innvandrere"} <= set(published)
    assert [b.name for b in published["ssb-07459"]] == ["I_ALT", "MENN", "KVINNER"]
    for source_id, breakdowns in published.items():
        assert len({b.name for b in breakdowns}) == len(breakdowns), source_id
