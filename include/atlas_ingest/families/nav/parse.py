"""The `nav_xlsx` parser: NAV report workbooks → raw.observations + raw.indicator_catalog.

Pure: the workbook bodies come from the landing store, rows go out; no network, no database.

Per file and listed sheet, the report's layout reader (`layouts.py`) gives the period columns (by
their header names) and the labelled rows. Then, per row:

* a region label (`0301 Oslo - Oslove`, `03 Oslo - Oslove i alt`, `I alt 03 Oslo - Oslove`,
  `030101 Gamle Oslo`, `I alt` = Norway) becomes a region code whose level follows its length;
* a row with no number in any period column is a block header and is passed over;
* a total without a code (`I alt Rogaland`) is passed over: the fylke's kommuner carry the data;
* a label the manifest lists in `not_regions` (`Ukjent`, `2100 Svalbard`) and any other label that
  names no region are quarantined with the reason — never loaded under a made-up code;
* a NAV unit — `03 NAV Oslo` (a NAV region), `0312 NAV Frogner` (a NAV-kontor) or a code-less
  `NAV Frogner` — is never read as a fylke or kommune: it lands on a kommune only when the
  manifest's `nav_units` maps it to exactly one, otherwise at its own level (`nav_region`,
  `nav_kontor`; the manifest's level when listed) with its unit number as its code. Unlisted, a
  2-digit NAV region stays at nav_region; a 4-digit unit (kontor or region, its kommuner unknown)
  and a code-less unit (no code to load it under) are quarantined with the reason. A code-less
  unit is found in `nav_units` by its name;
* each cell: a number is the value; `*` (NAV: fewer than 4 persons) and a blank cell in a
  published period are NULL with their marker, never 0; text that is no number is quarantined.

Only the periods the run asked for are written (all of the file's for a latest run), and a region
appearing twice in one sheet fails the file rather than loading one of the two.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from atlas_ingest.families.nav.layouts import LAYOUTS, NavLayoutError, classify_label, read_sheets
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CATALOG_LOAD, OBSERVATIONS_LOAD, CsvTable, ObservationWriter

SUPPRESSED = "*"
BLANK = ".."


def cell_value(value: Any) -> tuple[Any, str | None]:
    """(number, None) or (None, marker); raises ValueError for text that is no number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, BLANK
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        return value, None
    text = str(value).strip()
    if text == SUPPRESSED:
        return None, SUPPRESSED
    try:
        return Decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", ".")), None
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    layout = LAYOUTS[opts.layout]
    report = m.fetch_options().report
    files = [f for f in fetched if f.role == "file"]
    if not files:
        raise NavLayoutError(f"{m.id}: no {report} file was fetched")
    wanted = set(ctx.periods) if ctx.periods else None
    writer = ObservationWriter(m, report)
    warnings: list[str] = []
    catalog = CsvTable(CATALOG_LOAD)
    for sheet_name, spec in opts.sheets.items():
        catalog.write({"source_id": m.id, "table_id": report, "contents_code": spec.contents_code,
                       "label": spec.label, "unit": spec.unit, "table_title": f"NAV {report}: {sheet_name}"})

    for body in files:
        filename = body.meta.get("filename") or body.url.rsplit("/", 1)[-1]
        where = f"{m.id}: {filename} ({body.url})"
        for table in read_sheets(ctx.landing.get(body.key), layout, list(opts.sheets), where):
            expected_year = body.meta.get("year")
            file_years = {int(p[:4]) for p in table.periods}
            if expected_year is not None and file_years != {int(expected_year)}:
                raise NavLayoutError(f"{where}, sheet {table.sheet!r}: the file was linked as the {expected_year} "
                                     f"file but its columns are for {sorted(file_years)}")
            spec = opts.sheets[table.sheet]
            columns = [(i, p) for i, p in enumerate(table.periods) if wanted is None or p in wanted]
            seen: dict[tuple[str, str], int] = {}
            for row in table.rows:
                _parse_row(writer, opts, row, columns, spec.contents_code, table, where, seen, warnings)
    tables = [
        ParsedTable.staged(ctx.landing, OBSERVATIONS_LOAD, writer.table),
        ParsedTable.staged(ctx.landing, CATALOG_LOAD, catalog),
    ]
    if wanted:
        absent = sorted(wanted - writer.periods)
        if absent:
            warnings.append(f"period(s) {', '.join(absent)} are not in the file(s) (not published yet)")
    return ParseResult(tables=tables, quarantine=writer.quarantine, records=writer.records,
                       periods=sorted(writer.periods), warnings=warnings)


def nav_unit_of(nav_units: dict, label) -> tuple[str | None, Any]:
    """(unit number, the manifest's NavUnit or None) for a NAV-unit row label; a code-less label is
    looked up by its name (case-insensitive, `NAV`/`Nav` alike)."""
    if label.code is not None:
        return label.code, nav_units.get(label.code)
    name = (label.name or "").casefold()
    for number, unit in sorted(nav_units.items()):
        if unit.name.casefold() == name:
            return number, unit
    return None, None


def _parse_row(writer: ObservationWriter, opts, row, columns, contents_code: str, table, where: str,
               seen: dict[tuple[str, str], int], warnings: list[str]) -> None:
    cells = [(period, row.cells[i]) for i, period in columns]
    has_data = any(row.cells[i] is not None and str(row.cells[i]).strip() != "" for i, _ in enumerate(table.periods))
    # the file, sheet and cell of the row's label; each cell's period is appended below
    locator = f"{where}#{table.sheet}!{table.label_column}{row.row}"
    if not has_data:
        return  # a block header (fylke title, `Ukjent` heading): no numbers in any period
    label = classify_label(row.label)
    if label.kind == "total_without_code":
        return
    reason = None
    if not row.label:
        reason = "a row with numbers but no label: it cannot be placed on a region"
    elif row.label in opts.not_regions:
        reason = opts.not_regions[row.label]
    elif label.kind == "region" and label.code in opts.not_regions:
        reason = opts.not_regions[label.code]
    elif label.kind == "other":
        reason = f"row label {row.label!r} names no region (no 2-, 4- or 6-digit code)"
    if reason:
        for period, value in cells:
            writer.reject(locator=f"{locator} {period}", reason=reason, region_label=row.label, period=period,
                          contents_code=contents_code, value=None if value is None else str(value))
        return
    code, level, dimensions = label.code, label.level, {}
    if label.kind == "nav_unit":
        code, unit = nav_unit_of(opts.nav_units, label)
        problem = None
        if unit is None and code is None:
            problem = (f"NAV unit {row.label!r} has no unit number and is not in the manifest's nav_units "
                       "(no code to load it under, its kommuner unknown)")
        elif unit is None and label.level != "nav_region":
            problem = f"NAV unit {row.label!r} is not in the manifest's nav_units (its kommuner are unknown)"
        if problem:
            for period, value in cells:
                writer.reject(locator=f"{locator} {period}", reason=problem, region_label=row.label,
                              period=period, contents_code=contents_code,
                              value=None if value is None else str(value))
            return
        dimensions = {"nav_unit": code}
        if unit is not None and len(unit.kommuner) == 1:
            code, level = unit.kommuner[0], "kommune"
        else:
            level = unit.level if unit is not None else label.level
    if (code, level) in seen:
        raise NavLayoutError(f"{where}, sheet {table.sheet!r}: region {code} appears twice (rows {seen[code, level]} "
                             f"and {row.row}); the file's blocks are not what the {opts.layout} reader expects")
    seen[code, level] = row.row
    for period, value in cells:
        try:
            number, marker = cell_value(value)
        except ValueError as exc:
            writer.reject(locator=f"{locator} {period}", reason=str(exc), region_code=code, period=period,
                          contents_code=contents_code, value=str(value))
            continue
        writer.add(region_code=code, region_level=level, period=period, contents_code=contents_code,
                   value=number, status=marker, dimensions=dimensions, locator=f"{locator} {period}")
