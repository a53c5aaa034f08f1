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
id: {source_id}
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
  sensitivityLevel: {sensitivity}
  populationDescription: Bosatte personer
  measure: {{dataType: DOUBLE, valueDomain: {{measurementUnitDescription: personer}}}}
{extra}
"""


def manifest(tmp_path: Path, *, grain="P1Y", kind="count", annual="last", declared="STATUS", extra="",
             source_id="ssb-99970", sensitivity="PUBLIC") -> Manifest:
    folder = tmp_path / source_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.yml").write_text(MANIFEST.format(grain=grain, kind=kind, annual=annual, declared=declared,
                                                         extra=extra, source_id=source_id, sensitivity=sensitivity))
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


# ------------------------------------------------------- the export itself, without a database
class _Marts:
    """Stands in for the warehouse: the marts exist, and each source's cells are given per test."""

    def __init__(self, cells_by_source: dict[str, dict[str, list]], indicators_by_source: dict[str, list]):
        self.cells, self.indicators, self.read = cells_by_source, indicators_by_source, []

    def connect(self, url=None):
        class _Conn:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, sql, params=None):
                assert "to_regclass('marts.fact_kommune_indicators')" in sql, sql
                return type("R", (), {"fetchone": lambda _self: (True,)})()

        return _Conn()

    def read_source(self, conn, source_id):
        self.read.append(source_id)
        return self.indicators[source_id], self.cells[source_id], {"source_title": "Test", "eu_theme": "SOCI",
                                                                   "licence": "CC-BY-4.0", "loaded_at": "2026-01-01"}


@pytest.fixture
def marts(tmp_path, monkeypatch):
    """`md.export` over the manifests under tmp_path/sources and the cells a test puts in `marts`."""
    import atlas_ingest.manifest as manifest_module
    from atlas_ingest import warehouse

    fake = _Marts({}, {})
    real_load = manifest_module.load_manifests
    monkeypatch.setattr(manifest_module, "load_manifests", lambda root=None: real_load(tmp_path / "sources"))
    monkeypatch.setattr(warehouse, "connect", fake.connect)
    monkeypatch.setattr(md, "read_source", fake.read_source)
    return fake


def test_the_export_fails_naming_the_dataset_and_rule_when_microdata_tools_rejects_what_it_wrote(tmp_path, marts):
    """check_rows passes (the file is well-formed), so only microdata-tools' own validation, run by
    the export on the files it just wrote, can catch a value outside the code list."""
    extra = '  code_lists:\n    Personer: {"1": "Ja", "0": "Nei"}'
    manifest(tmp_path / "sources", kind="code", extra=extra)
    marts.indicators["ssb-99970"] = [indicator(kind="code")]
    marts.cells["ssb-99970"] = {"Personer": [cell("0301", 2024, 1), cell("4601", 2024, 7)]}
    out = tmp_path / "out"
    with pytest.raises(md.MicrodataExportError) as err:
        md.export(out, validate_with_tools=True)
    message = str(err.value)
    assert message.startswith("SSB_99970_PERSONER (ssb-99970:Personer, STATUS) fails microdata-tools validate_dataset: ")
    assert "7 is not in code list" in message
    assert (out / "SSB_99970_PERSONER" / "SSB_99970_PERSONER.csv").read_text() == (
        "0301;1;2024-12-31;2024-12-31;\n4601;7;2024-12-31;2024-12-31;\n")  # written, then rejected
    assert not (out / "index.json").exists()  # a failed export publishes no index
    # the same data with --no-validate: only the built-in rules run, and they pass
    result = md.export(tmp_path / "unchecked", validate_with_tools=False)
    assert [d.name for d in result.datasets] == ["SSB_99970_PERSONER"] and result.validated is False


def test_export_microdata_with_source_exports_only_that_source(tmp_path, marts, capsys):
    from atlas_ingest import cli

    for source_id in ("ssb-99970", "ssb-99971"):
        manifest(tmp_path / "sources", source_id=source_id)
        marts.indicators[source_id] = [indicator()]
        marts.cells[source_id] = {"Personer": [cell("0301", 2024, 100), cell("4601", 2024, 90)]}
    out = tmp_path / "out"
    earlier = out / "SSB_99970_PERSONER"  # a dataset of another source from an earlier export
    earlier.mkdir(parents=True)
    (earlier / "SSB_99970_PERSONER.json").write_text("{}")
    assert cli.main(["export", "microdata", "--source", "ssb-99971", "--out", str(out)]) == 0
    assert marts.read == ["ssb-99971"]  # the other source is never read
    index = json.loads((out / "index.json").read_text())
    assert [(d["name"], d["source_id"]) for d in index["datasets"]] == [("SSB_99971_PERSONER", "ssb-99971")]
    assert index["skipped"] == {} and index["validated_with"].startswith("microdata-tools ")
    assert md.validate("SSB_99971_PERSONER", out) == []
    assert (earlier / "SSB_99970_PERSONER.json").read_text() == "{}"  # one source's export replaces nothing else
    assert "1 dataset(s) in" in capsys.readouterr().out
    # an id that is no exported source fails the command with the reason
    assert cli.main(["export", "microdata", "--source", "ssb-00000", "--out", str(out)]) == 1
    assert "microdata export FAILED: ssb-00000: no source publishing into raw.observations" in capsys.readouterr().out
    assert marts.read == ["ssb-99971"]


def test_a_sum_missing_a_component_row_is_never_published(tmp_path):
    """Bergen's 2024 rows lack Alder 001: its sum would be a partial sum that reads as the total.
    No row, and the dataset says why; Oslo's complete sum and Bergen's complete 2023 sum stay."""
    m = manifest(tmp_path)
    cells = [cell("0301", 2024, 10, dims={"Kjonn": "1", "Alder": "000"}), cell("0301", 2024, 11, dims={"Kjonn": "1", "Alder": "001"}),
             cell("4601", 2024, 20, dims={"Kjonn": "1", "Alder": "000"}),
             cell("4601", 2023, 5, dims={"Kjonn": "1", "Alder": "000"}), cell("4601", 2023, 6, dims={"Kjonn": "1", "Alder": "001"})]
    breakdown = MicrodataBreakdown(name="MENN", label="menn", dimensions={"Kjonn": "1"}, sum_over=["Alder"])
    chosen, incomplete = md._select(m, breakdown, indicator(), cells)
    assert [(c.kommune_nr, c.period_id, c.value) for c in chosen] == [("0301", "2024", Decimal(21)),
                                                                      ("4601", "2023", Decimal(11))]
    assert incomplete == {"4601 2024": "1 of 2 components missing (Alder=001)"}
    men = build(m, indicator(), cells, breakdown)
    assert men.rows == [("0301", "21", "2024-12-31", "2024-12-31", ""), ("4601", "11", "2023-12-31", "2023-12-31", "")]
    assert men.incomplete_sums_left_out == incomplete and men.summary()["incomplete_sums_left_out"] == 1
    description = men.metadata["measureVariables"][0]["valueDomain"]["description"][0]["value"]
    assert "1 summer over Alder er utelatt fordi kilden mangler rader" in description
    assert validate(men, tmp_path) == []
    # the components a period has are those any kommune shows in it: a complete source skips nothing
    complete = [c for c in cells if c.kommune_nr == "0301"]
    assert md._select(m, breakdown, indicator(), complete)[1] == {}
    # only Bergen's 2024 row lacks a part: with nothing to sum it, the breakdown has no rows at all
    assert build(m, indicator(), cells[2:3], breakdown).rows == [("4601", "20", "2024-12-31", "2024-12-31", "")]


def test_a_nonpublic_sensitivity_level_reaches_the_metadata_json(tmp_path, marts):
    manifest(tmp_path / "sources", sensitivity="NONPUBLIC")
    marts.indicators["ssb-99970"] = [indicator()]
    marts.cells["ssb-99970"] = {"Personer": [cell("0301", 2024, 100), cell("4601", 2024, 90)]}
    out = tmp_path / "out"
    result = md.export(out, validate_with_tools=True)  # microdata-tools accepts it as written
    assert [d.name for d in result.datasets] == ["SSB_99970_PERSONER"]
    meta = json.loads((out / "SSB_99970_PERSONER" / "SSB_99970_PERSONER.json").read_text(encoding="utf-8"))
    assert meta["sensitivityLevel"] == "NONPUBLIC"
    # and every level the manifest model allows is carried through unchanged (never defaulted to PUBLIC)
    for level in ("PERSON_GENERAL", "PERSON_SPECIAL", "NONPUBLIC"):
        m = manifest(tmp_path / level, sensitivity=level)
        assert build(m, indicator(), [cell("0301", 2024, 1)]).metadata["sensitivityLevel"] == level
