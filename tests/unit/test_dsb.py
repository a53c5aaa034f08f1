"""dsb-kommuneundersokelsen: layout detection (one reader per edition layout, unknown = a clear
failure), the two readers against the constructed workbooks, "did not answer" vs "low score", and
the parser through the real download adapter in replay."""

from __future__ import annotations

import io

import openpyxl
import pytest

from atlas_ingest.families.dsb.layouts import (
    LabelledLayout,
    LayoutError,
    SurveyXactLayout,
    answer_of,
    detect,
    kommune_number,
)
from atlas_ingest.families.dsb.parse import DsbParseError, parse, score
from atlas_ingest.formats.download import WorkbookDownloadAdapter
from atlas_ingest.http import HttpClient
from atlas_ingest.kinds import RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import get_manifest

SOURCE = "dsb-kommuneundersokelsen"


def manifest():
    return get_manifest(SOURCE)


def workbook(year: str):
    path = manifest().snapshot_dir / f"kommuneundersokelsen-{year}-radata.xlsx"
    return openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)


def made(*sheets: tuple[str, list[list]]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    raw = io.BytesIO()
    wb.save(raw)
    return openpyxl.load_workbook(io.BytesIO(raw.getvalue()), read_only=True, data_only=True)


def questions():
    return manifest().parse_options().questions


# ------------------------------------------------------------------------------ detection
@pytest.mark.parametrize("year,layout", [("2019", "labelled"), ("2020", "surveyxact"), ("2023", "surveyxact")])
def test_each_edition_is_read_by_the_reader_of_its_layout(year, layout):
    assert detect(workbook(year), f"file {year}").name == layout


def test_an_unknown_layout_fails_naming_the_file_and_what_it_holds():
    wb = made(("Ark1", [["Kommune", "Svar på spørsmål 1"], ["Oslo", "Ja"]]))
    with pytest.raises(LayoutError) as err:
        detect(wb, "https://www.dsb.no/x/2024.xlsx (2024)")
    message = str(err.value)
    assert message.startswith("https://www.dsb.no/x/2024.xlsx (2024): the workbook matches no known")
    assert "(labelled, surveyxact)" in message and "'Ark1': [['Kommune', 'Svar på spørsmål 1']" in message
    assert "families/dsb/layouts.py" in message


def test_a_workbook_two_readers_claim_is_refused():
    wb = made(("Dataset", [["respondentid", "knr", "s_1", "Kommunenr", "Besvart"]]), ("Labels", [["Variabel"]]))
    with pytest.raises(LayoutError, match=r"matches several layouts \['labelled', 'surveyxact'\]"):
        detect(wb, "f")


# ------------------------------------------------------------------------------ the labelled reader
def test_the_labelled_edition_lists_every_kommune_and_answers_of_respondents_only():
    reading = LabelledLayout().read(workbook("2019"), questions(), year="2019", where="f")
    assert len(reading.responses) == 422 and sum(r.is_response for r in reading.responses) == 402
    assert set(reading.questions_found) == {"helhetlig_ros", "overordnet_beredskapsplan", "ovelse_siste_to_ar",
                                            "mal_samfunnssikkerhet", "plan_oppfolging"}
    assert all(r.answers == {} for r in reading.responses if not r.is_response)
    assert reading.responses[0].kommune_nr == "0101"  # stored as the number 101
    reasons = sorted(q["reason"] for q in reading.quarantine)
    assert reasons == ["answer 'Delvis' to mal_samfunnssikkerhet is none of Ja, Nei, Vet ikke",
                       "kommune 0214 is listed twice in the workbook (first at f#Kommuneundersøkelsen 2019!row=24); "
                       "the first row is kept"]
    assert reading.warnings == ["column 'Har kommunen et system for befolkningsvarsling?' is not one of the tracked "
                                "questions; not loaded"]


def test_the_edition_year_in_the_workbook_must_be_the_manifests():
    with pytest.raises(LayoutError, match="says it is the 2019 edition, but the manifest lists it as 2020"):
        LabelledLayout().read(workbook("2019"), questions(), year="2020", where="f")


def test_a_header_matching_two_questions_is_an_error_not_a_guess():
    wb = made(("2021", [["Kommunenr", "Besvart", "Har kommunen overordnet beredskapsplan og plan for oppfølging?"]]))
    with pytest.raises(LayoutError,
                       match=r"matches several questions \['overordnet_beredskapsplan', 'plan_oppfolging'\]"):
        LabelledLayout().read(wb, questions(), year="2021", where="f")


# ------------------------------------------------------------------------------ the SurveyXact reader
def test_surveyxact_matches_questions_by_wording_and_answers_by_value_label():
    r2020 = SurveyXactLayout().read(workbook("2020"), questions(), year="2020", where="f")
    r2023 = SurveyXactLayout().read(workbook("2023"), questions(), year="2023", where="f")
    assert len(r2020.responses) == 335 and all(r.is_response for r in r2020.responses)
    assert len(r2023.responses) == 320
    # 2023 inserts an untracked question as s_2: the tracked ones still land on their codes
    assert r2023.warnings == ["s_2 ('Har kommunen vurdert konsekvenser av klimaendringer i helhetlig ROS?') is not one "
                              "of the tracked questions; not loaded"]
    assert r2020.questions_found["overordnet_beredskapsplan"] == r2023.questions_found["overordnet_beredskapsplan"]
    values = {v for r in r2023.responses for v in r.answers.values()}
    assert values <= {(1, None), (0, None), (None, "..")} and (None, "..") in values  # 9 = Vet ikke → NULL ..
    assert sorted(q["reason"] for q in r2023.quarantine) == [
        "answer code '7' to overordnet_beredskapsplan has no value label (known: ['1', '2', '9'])",
        "knr 'Ukjent' is not a kommune number"]


# ------------------------------------------------------------------------------ small rules
def test_answers_and_kommune_numbers():
    assert answer_of("Ja") == (1, None) and answer_of(" nei ") == (0, None)
    assert answer_of("Vet ikke") == (None, "..") and answer_of(None) == (None, "..")
    assert answer_of("Delvis") is None
    assert kommune_number(301) == "0301" and kommune_number(301.0) == "0301" and kommune_number("4601") == "4601"
    assert kommune_number("Ukjent") is None and kommune_number(12) is None


def test_the_score_counts_answered_core_questions_only():
    assert score({"a": (1, None), "b": (0, None), "c": (None, "..")}, ["a", "b", "c"]) == (50.0, None)
    assert score({"a": (None, "..")}, ["a", "b"]) == (None, "..")


# ------------------------------------------------------------------------------ the whole parse (replay)
def replay_ctx(tmp_path, **kwargs) -> RunContext:
    m = manifest()
    client = HttpClient(source_id=SOURCE, snapshot_dir=m.snapshot_dir, mode="replay")
    return RunContext(manifest=m, run_key="t", client=client, landing=LandingStore(str(tmp_path / "l")), **kwargs)


def test_the_parser_over_the_three_editions(tmp_path):
    ctx = replay_ctx(tmp_path)
    plan = WorkbookDownloadAdapter().discover(ctx)
    assert [f.meta["period"] for f in plan.fetched] == ["2019", "2020", "2023"]
    result = parse(ctx, plan.fetched)
    assert result.periods == ["2019", "2020", "2023"]
    assert [(t.table, t.rows) for t in result.tables] == [("raw.observations", 7417), ("raw.indicator_catalog", 7)]
    assert len(result.quarantine) == 4 and result.records == 7417 + 4
    text = ctx.landing.get(result.tables[0].key).decode()
    non_respondent_rows = [line for line in text.splitlines() if ",is_response," in line and line.endswith(",0,")]
    assert len(non_respondent_rows) == 20


def test_a_backfill_downloads_only_its_edition(tmp_path):
    plan = WorkbookDownloadAdapter().discover(replay_ctx(tmp_path, periods=["2020", "2021"]))
    assert [f.meta["period"] for f in plan.fetched] == ["2020"] and plan.notes["not_published"] == ["2021"]


def test_something_that_is_not_a_workbook_fails_naming_the_file(tmp_path):
    ctx = replay_ctx(tmp_path)
    plan = WorkbookDownloadAdapter().discover(ctx)
    broken = plan.fetched[0]
    broken.key = ctx.landing.put(b"<html>Access denied</html>")
    with pytest.raises(DsbParseError, match=r"kommuneundersokelsen-2019-radata.xlsx \(2019\): not an Excel workbook"):
        parse(ctx, [broken])
