"""NAV's xlsx report layouts, read by header names — never by position.

NAV's statistics tables are pivoted reports, not flat tables: a title block, a cell stating the
period, then one block per fylke — a month (or quarter) header row, a fylke total, the fylke's
kommuner (and, in some reports, bydeler). The row labels carry the region: `0301 Oslo - Oslove`,
`03 Oslo - Oslove i alt`, `030101 Gamle Oslo`, `I alt 03 Oslo - Oslove`, `I alt Rogaland`,
`Ukjent`, `2100 Svalbard`. Layouts differ in how the period is stated and how totals are
labelled, so each report has its own reader (`LAYOUTS`), sharing the block reader below.

What "by name" means here, and why a drifted file fails instead of loading shifted numbers:

* the header row is found by its period names (`Januar` … `Desember`, `1. kvartal 2025`); every
  period column is mapped to its period by its own header text;
* the label column is the one just left of the first period column and must have an empty (or
  known) header — a column inserted there, or a renamed first month, makes it something else;
* every non-empty header cell right of the label column must be a period name, months must run
  from January without gaps, and every repeated header row (one per fylke block) must equal the
  first one;
* a sheet the manifest lists must exist.
Any of these failing raises `NavLayoutError` naming the file, the sheet and the columns found.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

MONTHS = {"januar": 1, "februar": 2, "mars": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
          "august": 8, "september": 9, "oktober": 10, "november": 11, "desember": 12}
MONTH_NAMES = {v: k.capitalize() for k, v in MONTHS.items()}
_MONTH_ALT = "|".join(MONTHS)
QUARTER_HEADER = re.compile(r"^([1-4])\.\s*kvartal\s+(\d{4})$", re.I)
# Headers NAV puts over the label column in some tables; anything else there is drift.
LABEL_HEADERS = {"", "kommune", "bosted", "region", "fylke/kommune", "kommune/bydel"}
# How far down a sheet the title block, the period cell and the first header row may lie.
HEADER_SEARCH_ROWS = 40


class NavLayoutError(ValueError):
    """The workbook is not laid out as the report's reader expects (file, sheet, what was found)."""


@dataclass
class SheetRow:
    row: int  # 1-based, as Excel shows it
    label: str
    cells: list[Any]  # one per period column, in `SheetTable.periods` order


@dataclass
class SheetTable:
    sheet: str
    year: int | None
    periods: list[str]  # canonical period ids, one per period column
    columns: list[str]  # the header texts, label column first (for messages)
    label_column: str  # Excel letter
    rows: list[SheetRow] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def column_letter(index: int) -> str:
    """0-based column index → Excel letter (0 → A)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Layout:
    """One report's reader. Subclasses say how the period is stated and what a header cell means."""

    name = ""
    grain = "P1M"

    def year_in(self, text: str) -> int | None:
        return None

    def period_of_header(self, text: str, year: int | None) -> str | None:
        """The canonical period a header cell names, or None when it names no period."""
        raise NotImplementedError

    def needs_year_cell(self) -> bool:
        return True

    # ------------------------------------------------------------------ reading
    def read(self, rows: Iterable[tuple[Any, ...]], sheet: str, where: str) -> SheetTable:
        grid = [list(r) for r in rows]
        year = None
        year_seen: list[str] = []
        header_index = None
        for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
            texts = [_text(c) for c in row]
            if header_index is None:
                for text in texts:
                    if text and year is None and (found := self.year_in(text)) is not None:
                        year = found
                    if text:
                        year_seen.append(text)
            if any(self._is_period_name(t) for t in texts):
                header_index = i
                break
        if header_index is None:
            raise NavLayoutError(
                f"{where}, sheet {sheet!r}: no header row with {self._period_words()} in the first "
                f"{HEADER_SEARCH_ROWS} rows; texts found: {year_seen[:15]}")
        if year is None and self.needs_year_cell():
            raise NavLayoutError(f"{where}, sheet {sheet!r}: no cell above the header row states the year "
                                 f"({self.year_hint()}); texts found: {year_seen[:15]}")
        header = [_text(c) for c in grid[header_index]]
        first = next(i for i, t in enumerate(header) if self._is_period_name(t))
        label_col = first - 1
        found = [f"{column_letter(i)}={t!r}" for i, t in enumerate(header) if t]
        if label_col < 0 or header[label_col].casefold() not in LABEL_HEADERS:
            got = header[label_col] if label_col >= 0 else "(none)"
            raise NavLayoutError(
                f"{where}, sheet {sheet!r}, header row {header_index + 1}: column "
                f"{column_letter(max(label_col, 0))} holds {got!r} where the row labels' column (empty header) "
                f"should be, just left of the first period; found columns {found}")
        stray = [f"{column_letter(i)}={t!r}" for i, t in enumerate(header[:label_col]) if t]
        if stray:
            raise NavLayoutError(f"{where}, sheet {sheet!r}, header row {header_index + 1}: unexpected header(s) "
                                 f"{stray} left of the label column; found columns {found}")
        last = max(i for i, t in enumerate(header) if t)
        periods: list[str] = []
        for i in range(first, last + 1):
            period = self.period_of_header(header[i], year)
            if period is None:
                raise NavLayoutError(
                    f"{where}, sheet {sheet!r}, header row {header_index + 1}: column {column_letter(i)} is "
                    f"{header[i]!r}, not a {self._period_words()} header; found columns {found}")
            periods.append(period)
        self.check_sequence(periods, where, sheet, header_index + 1, found)
        table = SheetTable(sheet=sheet, year=year, periods=periods,
                           columns=[header[label_col]] + header[first:last + 1],
                           label_column=column_letter(label_col))
        width = last + 1
        for r, row in enumerate(grid[header_index + 1:], start=header_index + 2):
            cells = list(row) + [None] * max(0, width - len(row))
            texts = [_text(c) for c in cells[:width]]
            if any(self._is_period_name(t) for t in texts):
                # every fylke block repeats the header: it must be the same header
                if texts[label_col:width] != header[label_col:width] or any(texts[:label_col]):
                    raise NavLayoutError(
                        f"{where}, sheet {sheet!r}: header row {r} differs from header row {header_index + 1} "
                        f"({[t for t in texts if t]} vs {[t for t in header if t]}); the blocks are not aligned")
                continue
            beyond = [f"{column_letter(i)}{r}={_text(c)!r}" for i, c in enumerate(cells[width:], start=width)
                      if _text(c)]
            if beyond:
                raise NavLayoutError(f"{where}, sheet {sheet!r}: values right of the last period column "
                                     f"({column_letter(last)}): {beyond[:5]}; found columns {found}")
            label = texts[label_col]
            values = cells[first:width]
            if not label and all(_text(v) == "" for v in values):
                continue
            table.rows.append(SheetRow(row=r, label=label, cells=values))
        return table

    def check_sequence(self, periods: list[str], where: str, sheet: str, row: int, found: list[str]) -> None:
        if len(set(periods)) != len(periods):
            raise NavLayoutError(f"{where}, sheet {sheet!r}, header row {row}: a period appears twice; "
                                 f"found columns {found}")

    def _is_period_name(self, text: str) -> bool:
        return self.period_of_header(text, 2000) is not None if text else False

    def _period_words(self) -> str:
        return "month names (Januar … Desember)"

    def year_hint(self) -> str:
        return "a year cell"


class MonthlyLayout(Layout):
    grain = "P1M"
    year_pattern: re.Pattern[str] = re.compile(r"$^")
    year_example = ""

    def year_in(self, text: str) -> int | None:
        m = self.year_pattern.match(text)
        return int(m.group("year")) if m else None

    def period_of_header(self, text: str, year: int | None) -> str | None:
        month = MONTHS.get(text.casefold())
        if month is None:
            return None
        return f"{year or 0:04d}M{month:02d}"

    def check_sequence(self, periods: list[str], where: str, sheet: str, row: int, found: list[str]) -> None:
        super().check_sequence(periods, where, sheet, row, found)
        months = [int(p[-2:]) for p in periods]
        if months != list(range(1, len(months) + 1)):
            raise NavLayoutError(f"{where}, sheet {sheet!r}, header row {row}: the month columns are not January "
                                 f"to {MONTH_NAMES[len(months)]} in order ({[MONTH_NAMES[m] for m in months]}); "
                                 f"found columns {found}")

    def year_hint(self) -> str:
        return f"like {self.year_example!r}"


class Pst302Layout(MonthlyLayout):
    """PST302 uføretrygd: `Kommune-bydel. Antall`/`Andel`; the year as `2026 : `; fylke headers
    `03 Oslo - Oslove`, totals `03 Oslo - Oslove i alt`, bydeler `030101 Gamle Oslo`, and kommune
    totals either `1103 Stavanger i alt` before its bydeler or `0301 Oslo - Oslove` after them."""

    name = "PST302"
    year_pattern = re.compile(r"^(?P<year>\d{4})\s*:\s*$")
    year_example = "2026 : "


class Aap155Layout(MonthlyLayout):
    """AAP155 arbeidsavklaringspenger: `1. Kommune. Antall` / `2. Kommune. Andel`; the period as
    `Periode: 2026 01 - 2026 08`; fylke totals `I alt 03 Oslo - Oslove`; `I alt Ukjent` + `Ukjent`."""

    name = "AAP155"
    year_pattern = re.compile(r"^Periode:\s*(?P<year>\d{4})\s*\d{2}\s*-\s*(?P=year)\s*\d{2}$", re.I)
    year_example = "Periode: 2026 01 - 2026 08"


class Hl060Layout(MonthlyLayout):
    """HL060 helt ledige: `3. Kommune Antall` / `4. Kommune Prosent av arbeidsst`; the period as
    `Januar - august 2026`; bare fylke headers (`Oslo - Oslove`), totals `I alt Oslo - Oslove`
    without a code, a `Svalbard og øvrige områder` block (`2100 Svalbard`) and an `Ukjent` block."""

    name = "HL060"
    year_pattern = re.compile(rf"^(?:{_MONTH_ALT})\s*-\s*(?:{_MONTH_ALT})\s+(?P<year>\d{{4}})$", re.I)
    year_example = "Januar - august 2026"


class SykefravaerLayout(Layout):
    """The quarterly sykefravær table by bostedskommune: a `Kommune` label column, one column per
    quarter headed `1. kvartal 2025`; `I alt` (Norway), fylke rows `03 Oslo - Oslove`, kommune rows."""

    name = "SYKEFRAVAER"
    grain = "P3M"

    def needs_year_cell(self) -> bool:
        return False

    def period_of_header(self, text: str, year: int | None) -> str | None:
        m = QUARTER_HEADER.match(text)
        return f"{m[2]}K{m[1]}" if m else None

    def _period_words(self) -> str:
        return "quarter names (1. kvartal 2025 …)"


LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in
                              (Pst302Layout(), Aap155Layout(), Hl060Layout(), SykefravaerLayout())}


# ---------------------------------------------------------------------- workbooks
def open_workbook(body: bytes, where: str):
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException alike
        raise NavLayoutError(f"{where}: not a readable xlsx workbook ({type(exc).__name__}: {exc})") from None


def read_sheets(body: bytes, layout: Layout, sheets: Iterable[str], where: str) -> Iterator[SheetTable]:
    """Each listed sheet as a SheetTable; a missing sheet fails with the sheets the file has."""
    workbook = open_workbook(body, where)
    try:
        names = list(workbook.sheetnames)
        missing = [s for s in sheets if s not in names]
        if missing:
            raise NavLayoutError(f"{where}: sheet(s) {missing} not found; the workbook has {names}")
        for sheet in sheets:
            yield layout.read(workbook[sheet].iter_rows(values_only=True), sheet, where)
    finally:
        workbook.close()


def published_periods(body: bytes, layout: Layout, sheets: Iterable[str], where: str) -> set[str]:
    """The periods every listed sheet has a column for (what NAV has published in this file)."""
    per_sheet = [set(t.periods) for t in read_sheets(body, layout, sheets, where)]
    return set.intersection(*per_sheet) if per_sheet else set()


# ---------------------------------------------------------------------- row labels
CODE_LABEL = re.compile(r"^(?P<code>\d{2}|\d{4}|\d{6})\s+(?P<name>\S.*?)(?:\s+i\s+alt)?$", re.I)
TOTAL_WITH_CODE = re.compile(r"^I\s+alt\s+(?P<code>\d{2}|\d{4})\s+(?P<name>\S.*)$", re.I)
TOTAL_WITHOUT_CODE = re.compile(r"^I\s+alt\s+\D.*$", re.I)
# A NAV-internal unit's name: `NAV Frogner`, `Nav Oslo`, `NAV-kontor Frogner` (NAV writes itself
# `Nav` since 2024). Such a row is a NAV-kontor or NAV-region, never a kommune or a fylke, even when
# its number looks like one (`03 NAV Oslo` is NAV's Oslo region, not fylke 03).
NAV_NAME = re.compile(r"^NAV(?:-kontor)?\s+\S", re.I)
CODELESS_NAV = re.compile(r"^(?P<name>NAV(?:-kontor)?\s+\S.*?)(?:\s+i\s+alt)?$", re.I)
LAND_LABELS = {"i alt", "hele landet", "landet", "norge", "i alt landet"}
LEVEL_BY_LENGTH = {2: "fylke", 4: "kommune", 6: "bydel"}
# A NAV unit's own level, from the shape of its label: a 2-digit number is a NAV region; a 4-digit
# unit number or no number is read as a NAV-kontor (the manifest's `nav_units` has the last word).
NAV_LEVEL_BY_LENGTH = {2: "nav_region", 4: "nav_kontor"}


@dataclass(frozen=True)
class RowLabel:
    kind: str  # region | nav_unit | total_without_code | other
    code: str | None = None
    name: str | None = None
    level: str | None = None


def _coded(code: str, name: str) -> RowLabel:
    if NAV_NAME.match(name):
        return RowLabel("nav_unit", code, name, NAV_LEVEL_BY_LENGTH.get(len(code), "nav_kontor"))
    return RowLabel("region", code, name, LEVEL_BY_LENGTH[len(code)])


def classify_label(label: str) -> RowLabel:
    """What a row label names: a region (code + level by its length), a NAV unit (`03 NAV Oslo`,
    `0312 NAV Frogner`, code-less `NAV Frogner`: level nav_region / nav_kontor, never fylke or
    kommune), a total without a code, or something else."""
    text = label.strip()
    if text.casefold() in LAND_LABELS:
        return RowLabel("region", "0", "Norge", "land")
    if m := TOTAL_WITH_CODE.match(text):
        return _coded(m["code"], m["name"])
    if TOTAL_WITHOUT_CODE.match(text):
        return RowLabel("total_without_code", name=text)
    if m := CODE_LABEL.match(text):
        return _coded(m["code"], m["name"])
    if m := CODELESS_NAV.match(text):
        return RowLabel("nav_unit", None, m["name"], "nav_kontor")
    return RowLabel("other", name=text)
