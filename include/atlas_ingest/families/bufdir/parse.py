"""The `bufdir_xlsx` parser: a Bufdir monitor ZIP → raw.observations + raw.indicator_catalog.

Pure: the ZIP comes from the landing store, rows go out; no network, no database.

Each workbook the manifest lists (by the indicator code in its file name: `Indikator_17_….xlsx`
→ `ind17`, `1A_….xlsx` → `bv1a`) is read by its header names (`workbooks.py`). Per row and year:

* `Region` is the code as Bufdir publishes it — `0` Norway, 2 digits fylke, 4 kommune, 6 bydel
  (SSB's Klass 103 codes: Oslo `030101`…, Bergen `4601xx`, Stavanger `1103xx`, Trondheim `5001xx`,
  so they resolve through crosswalk_bydel as published), 8 digits Oslo's delbydeler (Atlas has
  no delbydel geography: not loaded, counted in a warning). A code stored as a number (leading
  zeros lost) or any other text is quarantined.
* the contents code is `<table>_<enhet>_<tallformat>` (`ind17_barn_prosent`) or
  `<table>_<tallformat>` (`bv1a_andel`); an Enhet or Tallformat value the manifest does not list
  is quarantined.
* a number (or Norwegian text `   17,7`) is the value; `..` is NULL `..` (missing or too few to
  publish); a blank cell or `.` is NULL `.` — no figure for this region and year (a kommune code
  outside its years, as SSB marks it), so the geography check and the marts leave it out.
* only years from `first_year` on, and the run's periods when it names some; a row with no cell
  in those years is passed over.

A workbook the manifest lists but the ZIP lacks fails the run (naming the ZIP and what it has);
a workbook the manifest does not list is skipped with a warning (a new indicator needs its
methodology kind in the manifest before it loads).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from atlas_ingest.families.bufdir.workbooks import BufdirLayoutError, read_indicator, safe_members
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CATALOG_LOAD, OBSERVATIONS_LOAD, CsvTable, ObservationWriter

LEVELS = {1: "land", 2: "fylke", 4: "kommune", 6: "bydel"}
MISSING, NO_FIGURE = "..", "."


def cell_value(value: Any) -> tuple[Any, str | None]:
    """(number, None) or (None, marker); raises ValueError for text that is no number."""
    if value is None:
        return None, NO_FIGURE
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        return value, None
    text = str(value).strip()
    if text in ("", "."):
        return None, NO_FIGURE
    if text == "..":
        return None, MISSING
    try:
        return Decimal(re.sub(r"[\s\u00a0]", "", text).replace(",", ".")), None
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    zips = [f for f in fetched if f.role == "zip"]
    if len(zips) != 1:
        raise BufdirLayoutError(f"{m.id}: expected one monitor ZIP, got {len(zips)}")
    archive = zips[0]
    zip_name = archive.url.rsplit("/", 1)[-1]
    code_pattern = re.compile(opts.file_code, re.I)
    wanted_periods = set(ctx.periods) if ctx.periods else None
    catalog: dict[str, dict[str, Any]] = {}
    # one writer for the whole ZIP; its table id follows the workbook being read
    writer = ObservationWriter(m, m.id)
    warnings: list[str] = []
    seen_tables: dict[str, str] = {}
    members = []
    delbydel_rows = 0
    limits = dict(max_members=opts.max_members, max_member_bytes=opts.max_member_bytes,
                  max_total_bytes=opts.max_total_bytes, max_ratio=opts.max_ratio)
    for member in safe_members(ctx.landing.get(archive.key), f"{m.id}: {zip_name} ({archive.url})", **limits):
        members.append(member.name)
        if not member.name.lower().endswith(".xlsx"):
            continue
        match = code_pattern.search(member.name)
        table_id = f"{opts.table_prefix}{match.group(1).lower()}" if match else None
        if table_id is None or table_id not in opts.indicators:
            warnings.append(f"{zip_name}: workbook {member.name!r} is not in the manifest's indicators "
                            f"({'code ' + table_id if table_id else 'no indicator code in its name'}); not loaded")
            continue
        if table_id in seen_tables:
            raise BufdirLayoutError(f"{m.id}: {zip_name} has two workbooks for {table_id}: "
                                    f"{seen_tables[table_id]!r} and {member.name!r}")
        seen_tables[table_id] = member.name
        spec = opts.indicators[table_id]
        where = f"{m.id}: {zip_name} ({archive.url}) → {member.name}"
        table = read_indicator(member.body, opts.sheet, opts.columns, where)
        writer.table_id = table_id
        years = [(y, i) for y, i in table.years.items() if y >= opts.first_year
                 and (wanted_periods is None or str(y) in wanted_periods)]
        region_col = table.columns["Region"]
        format_col = table.columns["Tallformat"]
        unit_col = table.columns.get("Enhet")
        for row_number, cells in table.rows:
            raw_region = cells[region_col]
            region = "" if raw_region is None else str(raw_region).strip()
            if all(cells[i] is None or str(cells[i]).strip() == "" for _, i in years):
                continue  # no figure in the years loaded (a footnote, or a code of other years)
            fmt = str(cells[format_col] or "").strip().casefold()
            enhet = str(cells[unit_col] or "").strip().casefold() if unit_col is not None else None
            code = "_".join(p for p in (table_id, enhet, fmt) if p)
            locator = f"{where}#{opts.sheet}!row{row_number}"
            reason = None
            if isinstance(raw_region, (int, float)):
                reason = f"Region {raw_region!r} is stored as a number (leading zeros lost): the code is ambiguous"
            elif not re.fullmatch(r"\d+", region):
                reason = f"Region {region!r} is not a region code"
            elif len(region) == 8:
                delbydel_rows += 1
                continue
            elif len(region) not in LEVELS:
                reason = f"Region {region!r} has {len(region)} digits: not a land/fylke/kommune/bydel code"
            elif fmt not in opts.formats:
                reason = f"Tallformat {fmt!r} is not one of the manifest's formats {opts.formats}"
            elif unit_col is not None and enhet not in opts.units:
                reason = f"Enhet {enhet!r} is not one of the manifest's units {opts.units}"
            for year, col in years:
                if reason:
                    writer.reject(locator=f"{locator} {year}", reason=reason, region_code=region, period=str(year),
                                  contents_code=code, value=None if cells[col] is None else str(cells[col]))
                    continue
                try:
                    number, marker = cell_value(cells[col])
                except ValueError as exc:
                    writer.reject(locator=f"{locator} {year}", reason=str(exc), region_code=region, period=str(year),
                                  contents_code=code, value=str(cells[col]))
                    continue
                writer.add(region_code=region, region_level=LEVELS[len(region)], period=str(year), contents_code=code,
                           value=number, status=marker, locator=f"{locator} {year}")
            if not reason and code not in catalog:
                label = spec.title + "".join(f", {p}" for p in (enhet, fmt) if p)
                catalog[code] = {"source_id": m.id, "table_id": table_id, "contents_code": code, "label": label,
                                 "unit": spec.units.get(fmt, fmt), "table_title": table.title or member.name}
    missing = sorted(set(opts.indicators) - set(seen_tables))
    if missing:
        raise BufdirLayoutError(f"{m.id}: {zip_name} ({archive.url}) has no workbook for indicator(s) {missing}; "
                                f"its members are {members}")
    if delbydel_rows:
        warnings.append(f"{delbydel_rows} delbydel rows (8-digit Oslo sub-district codes) not loaded: Atlas has no "
                        "delbydel geography")
    catalog_table = CsvTable(CATALOG_LOAD)
    for row in catalog.values():
        catalog_table.write(row)
    tables = [
        ParsedTable.staged(ctx.landing, OBSERVATIONS_LOAD, writer.table),
        ParsedTable.staged(ctx.landing, CATALOG_LOAD, catalog_table),
    ]
    return ParseResult(tables=tables, quarantine=writer.quarantine, records=writer.records,
                       periods=sorted(writer.periods), warnings=warnings)
