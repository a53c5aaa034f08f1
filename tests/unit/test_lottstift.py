"""lottstift-momskompensasjon: one reader per yearly layout (detected by the exact header; a
renamed column or a mislabelled year is a clear failure), and the per-year, per-recipient rows
against the constructed workbooks."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from atlas_ingest.families.lottstift.layouts import LAYOUTS, LayoutError, amount_of, detect, orgnr_of
from atlas_ingest.families.lottstift.parse import COLUMNS, LottstiftParseError, parse, read_workbook
from atlas_ingest.formats.download import WorkbookDownloadAdapter
from atlas_ingest.http import HttpClient
from atlas_ingest.kinds import RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import get_manifest

SOURCE = "lottstift-momskompensasjon"
FOLKEHJELP = "871033552"


def files() -> dict[str, tuple[str, bytes]]:
    m = get_manifest(SOURCE)
    return {f.period: (f.url, (m.snapshot_dir / f.url.rsplit("/", 1)[1]).read_bytes()) for f in m.fetch_options().files}


def open_book(body: bytes):
    return openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)


def read(year: str):
    url, body = files()[year]
    return read_workbook(body, year=year, url=url, source_id=SOURCE)


def book(sheet: str, header: list, *rows: list) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    raw = io.BytesIO()
    wb.save(raw)
    return raw.getvalue()


# ------------------------------------------------------------------------------ layouts
@pytest.mark.parametrize("year", ["2019", "2020", "2021", "2022", "2023", "2024"])
def test_each_year_is_read_by_its_own_layout(year):
    assert detect(open_book(files()[year][1]), year, "f").layout_name == f"lottstift-{year}"


def test_every_year_has_exactly_one_reader():
    assert [layout.year for layout in LAYOUTS] == ["2019", "2020", "2021", "2022", "2023", "2024"]


def test_a_renamed_column_fails_naming_the_file_and_the_difference():
    header = ["Tilskuddsordning", "Organisasjonsnummer", "Organisasjonsnavn", "Kommune", "Kategori", "Tildelt beløp"]
    wb = open_book(book("Tildelinger", header, ["x", "971433841", "ORG", "Oslo", "K", 100]))
    with pytest.raises(LayoutError) as err:
        detect(wb, "2024", "https://lottstift.no/x.xlsx (2024)")
    message = str(err.value)
    assert message.startswith("https://lottstift.no/x.xlsx (2024): the workbook matches no known momskompensasjon")
    assert "lottstift-2024 (sheet 'Tildelinger'): missing ['tildelt'], unexpected ['tildelt beløp']" in message


def test_a_file_listed_under_the_wrong_year_is_refused():
    with pytest.raises(LayoutError, match="lists this file as 2023, but it has the lottstift-2022 layout"):
        detect(open_book(files()["2022"][1]), "2023", "f")


def test_cells():
    assert orgnr_of(971433841) == "971433841" and orgnr_of(971433841.0) == "971433841"
    assert orgnr_of(" 971 433 841 ") == "971433841"
    assert orgnr_of("2022/3372") is None and orgnr_of(None) is None and orgnr_of("12345") is None
    assert amount_of("12 345") == Decimal("12345") and amount_of("1 234,50") == Decimal("1234.50")
    assert amount_of(None) is None and amount_of("  ") is None and amount_of(0) == Decimal("0")
    with pytest.raises(ValueError, match="'n/a' is not a number"):
        amount_of("n/a")


# ------------------------------------------------------------------------------ rows
def by_orgnr(rows: list[dict]) -> dict[str, dict]:
    return {r["orgnr"]: r for r in rows}


def test_2020_sums_a_recipients_cases_and_keeps_a_real_zero():
    rows, quarantine, records, layout = read("2020")
    assert (len(rows), records, quarantine, layout) == (52, 53, [], "lottstift-2020")
    summed = [r for r in rows if r["cases"] == 2]
    assert len(summed) == 1 and summed[0]["cases_without_amount"] == 0
    zeros = [r for r in rows if r["amount_nok"] == "0"]
    assert len(zeros) == 1 and zeros[0]["cases"] == 1  # a rejected application: 0, not missing
    assert {r["amount_basis"] for r in rows} == {"paid"}
    assert set(rows[0]) == set(COLUMNS)


def test_2022_keeps_a_missing_amount_null_and_quarantines_a_case_number():
    rows, quarantine, records, _ = read("2022")
    assert (len(rows), records) == (62, 64)
    assert [q["reason"] for q in quarantine] == ["Org.nr '2022/3372' is not a 9-digit organisasjonsnummer"]
    empty = [r for r in rows if r["amount_nok"] is None]
    assert len(empty) == 1 and (empty[0]["cases"], empty[0]["cases_without_amount"]) == (1, 1)
    umbrella = [r for r in rows if r["cases"] == 2]
    assert len(umbrella) == 1 and umbrella[0]["cases_without_amount"] == 0


def test_2023_two_cases_without_amounts_are_null_not_zero():
    rows, _, _, _ = read("2023")
    both = [r for r in rows if r["cases"] == 2]
    assert len(both) == 1 and both[0]["amount_nok"] is None and both[0]["cases_without_amount"] == 2


def test_2021_reads_a_text_amount_and_2024_skips_the_blank_row():
    rows21, _, records21, _ = read("2021")
    assert len(rows21) == records21 == 62 and all(r["amount_nok"] for r in rows21)
    rows24, q24, records24, _ = read("2024")
    assert (len(rows24), records24, q24) == (63, 63, [])
    assert by_orgnr(rows24)[FOLKEHJELP]["recipient_name"] == "NORSK FOLKEHJELP"
    assert {r["amount_column"] for r in rows24} == {"Tildelt"}


def test_not_a_workbook_names_the_file():
    with pytest.raises(LottstiftParseError, match=r"x.xlsx \(2024\): not an Excel workbook"):
        read_workbook(b"<html>404</html>", year="2024", url="https://lottstift.no/x.xlsx", source_id=SOURCE)


def test_the_parser_over_six_years(tmp_path):
    m = get_manifest(SOURCE)
    ctx = RunContext(manifest=m, run_key="t", landing=LandingStore(str(tmp_path / "l")),
                     client=HttpClient(source_id=SOURCE, snapshot_dir=m.snapshot_dir, mode="replay"))
    plan = WorkbookDownloadAdapter().discover(ctx)
    result = parse(ctx, plan.fetched)
    assert result.periods == ["2019", "2020", "2021", "2022", "2023", "2024"]
    assert (result.tables[0].rows, result.records, len(result.quarantine)) == (375, 379, 1)
    assert sum("summed" in w for w in result.warnings) == 3
