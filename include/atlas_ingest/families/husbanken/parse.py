"""The `qlik_hypercube` parser: a Qlik hypercube (layout + pages) → raw.observations.

Pure: the layout and page bodies come from the landing store, rows go out.

Columns are found by their titles in the layout (`qDimensionInfo[].qFallbackTitle` — the field
names — and `qMeasureInfo[].qFallbackTitle` — the measure labels), never by position: a title the
manifest names that the cube lacks, a measure it does not list, or pages that do not cover the
cube's rows exactly raise `QlikLayoutError` naming the app and the titles found. The real
statistikkbank answer (a `GetLayout` with its first page inline) parses as is.

Per row (`qMatrix`: the dimension cells, then the measure cells):

* the region is the cell's `qText`: a 4-digit kommune code; one of the app's own codes for Oslo's
  bydeler (0311–0326, not SSB codes) mapped by the manifest's `bydel_codes` to its Klass 103 code
  (the published code kept in `dimensions.husbanken_region`), or quarantined when the bydel no
  longer exists; a code in `not_regions` (Svalbard's 2100 and 2111) quarantined with its reason;
* the year is the cell's `qText`; Qlik's null (`qIsNull`, `-`, `qNum` "NaN") is Husbanken's bucket
  of cases with no year and is quarantined — never given a year; years before `first_year` (or
  outside the run's periods) are not loaded;
* a measure cell's `qNum` is the value; a null measure is NULL `..`, never 0.

Several cubes of one app (`fetch.options.cubes`, after the first): each layout and page names its
cube in `Fetched.meta["cube"]` (none = the first cube, as in the real single-cube capture); every
cube the manifest names must have exactly one layout, and each is read against its own measures.
A measure in `parse.options.measure_editions` (Husbanken's "vanskeligstilte", whose definition
changed between editions) carries its edition in `dimensions.<key>`: from the cube's edition
dimension when the manifest names one (an edition it does not define fails the parse), else from
the edition pinned for the row's year (a year before the first pin is quarantined for that
measure only).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from atlas_ingest.geo import fold
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CATALOG_LOAD, OBSERVATIONS_LOAD, CsvTable, ObservationWriter

MISSING = ".."
LABELS = {
    "soknad": ("Søknader om bostøtte", "søknader"),
    "vedtak": ("Vedtak om bostøtte", "vedtak"),
    "utbetaling": ("Utbetalinger av bostøtte (husstander med utbetaling)", "utbetalinger"),
    "avslag": ("Avslag på søknad om bostøtte", "avslag"),
    "belop": ("Beregnet bostøtte", "kroner"),
    # the second cube (field names UNCONFIRMED, see the manifest's fetch.options.cubes)
    "kommunale_boliger": ("Kommunalt disponerte boliger", "boliger"),
    "vanskeligstilte": ("Vanskeligstilte på boligmarkedet (husholdninger)", "husholdninger"),
    "bostedslose": ("Bostedsløse", "personer"),
}


class QlikLayoutError(ValueError):
    pass


def _titles(infos: list[dict[str, Any]]) -> list[str]:
    return [str(i.get("qFallbackTitle") or "") for i in infos or []]


def is_null(cell: dict[str, Any]) -> bool:
    if cell.get("qIsNull"):
        return True
    num = cell.get("qNum")
    return (isinstance(num, str) and num.strip().lower() == "nan") or (isinstance(num, float) and math.isnan(num))


def number(cell: dict[str, Any]) -> Any:
    num = cell.get("qNum")
    if isinstance(num, (int, float)):
        return int(num) if isinstance(num, float) and num.is_integer() else num
    text = str(cell.get("qText") or "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return float(text) if text else None


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    fetch_opts = m.fetch_options()
    cubes = fetch_opts.all_cubes()
    first = next(iter(cubes))
    # a Fetched without a cube name is the first cube's (a single-cube answer, as the real capture)
    by_cube: dict[str, list[Fetched]] = {}
    for f in fetched:
        if f.role in ("layout", "page"):
            by_cube.setdefault((f.meta or {}).get("cube") or first, []).append(f)
    unknown_cubes = sorted(set(by_cube) - set(cubes))
    if unknown_cubes:
        raise QlikLayoutError(f"{m.id}: answers for cubes {unknown_cubes} the manifest does not name ({list(cubes)})")
    writer = ObservationWriter(m, f"qlik:{fetch_opts.app_id}")
    warnings: list[str] = []
    for name, (_, measures, _) in cubes.items():
        _parse_cube(ctx, name, measures, by_cube.get(name, []), writer)
    catalog = CsvTable(CATALOG_LOAD)
    for name, (_, measures, title) in cubes.items():
        for measure in measures:
            label, unit = LABELS.get(measure, (measure, None))
            catalog.write({"source_id": m.id, "table_id": writer.table_id, "contents_code": measure, "label": label,
                           "unit": unit, "table_title": title})
    tables = [
        ParsedTable.staged(ctx.landing, OBSERVATIONS_LOAD, writer.table),
        ParsedTable.staged(ctx.landing, CATALOG_LOAD, catalog),
    ]
    return ParseResult(tables=tables, quarantine=writer.quarantine, records=writer.records,
                       periods=sorted(writer.periods), warnings=warnings)


def _parse_cube(ctx: RunContext, cube_name: str, wanted_measures: dict[str, str], fetched: list[Fetched],
                writer: ObservationWriter) -> None:
    m = ctx.manifest
    opts = m.parse_options()
    fetch_opts = m.fetch_options()
    layouts = [f for f in fetched if f.role == "layout"]
    if len(layouts) != 1:
        raise QlikLayoutError(f"{m.id}: expected one hypercube layout for the cube {cube_name}, got {len(layouts)}")
    where = f"{m.id}: Qlik app {fetch_opts.app_id} ({layouts[0].url})"
    if cube_name != next(iter(fetch_opts.all_cubes())):
        where += f" cube {cube_name}"
    layout = json.loads(ctx.landing.get(layouts[0].key))
    cube = (layout or {}).get("qLayout", {}).get("qHyperCube")
    if not isinstance(cube, dict):
        raise QlikLayoutError(f"{where}: the layout has no qLayout.qHyperCube")
    dims, measures = _titles(cube.get("qDimensionInfo")), _titles(cube.get("qMeasureInfo"))
    found = f"dimensions {dims}, measures {measures}"
    editions = {k: e for k, e in opts.measure_editions.items() if k in wanted_measures}
    wanted_dims = [opts.region_dimension, opts.year_dimension] + ([opts.name_dimension] if opts.name_dimension else []) \
        + sorted({e.dimension for e in editions.values() if e.dimension})
    missing = [d for d in wanted_dims if d not in dims] + [f"measure {k}" for k in wanted_measures if k not in measures]
    unknown = [t for t in measures if t not in wanted_measures]
    if missing or unknown:
        raise QlikLayoutError(f"{where}: the cube lacks {missing}" + (f" and has unlisted measures {unknown}" if unknown else "")
                              + f"; found {found}")
    width = len(dims) + len(measures)
    region_col, year_col = dims.index(opts.region_dimension), dims.index(opts.year_dimension)
    name_col = dims.index(opts.name_dimension) if opts.name_dimension else None
    edition_cols = {k: dims.index(e.dimension) for k, e in editions.items() if e.dimension}
    measure_cols = {code: len(dims) + measures.index(code) for code in wanted_measures}

    pages = [json.loads(ctx.landing.get(f.key)).get("qDataPages", []) for f in fetched if f.role == "page"]
    data_pages = [p for group in pages for p in group] or list(cube.get("qDataPages") or [])
    expected_rows = int((cube.get("qSize") or {}).get("qcy") or 0)
    covered = sorted((int(p["qArea"]["qTop"]), int(p["qArea"]["qHeight"])) for p in data_pages)
    position = 0
    for top, height in covered:
        if top != position:
            raise QlikLayoutError(f"{where}: the pages cover rows up to {position} and then start at {top}; "
                                  f"the cube has {expected_rows} rows")
        position += height
    if position != expected_rows and not (cube.get("qDataPages") and not pages):
        raise QlikLayoutError(f"{where}: the pages cover {position} of the cube's {expected_rows} rows")

    wanted_years = {int(p) for p in ctx.periods} if ctx.periods else None
    for page in sorted(data_pages, key=lambda p: p["qArea"]["qTop"]):
        top = int(page["qArea"]["qTop"])
        for offset, row in enumerate(page.get("qMatrix") or []):
            if len(row) != width:
                raise QlikLayoutError(f"{where}: row {top + offset} has {len(row)} cells, the cube {width} columns")
            locator = f"{where}#row={top + offset}"
            region = str(row[region_col].get("qText") or "").strip()
            year_cell = row[year_col]
            year_text = str(year_cell.get("qText") or "").strip()
            values = {code: row[col] for code, col in measure_cols.items()}
            reason, code, level, dims_out = None, region, "kommune", {}
            has_year = not is_null(year_cell) and re.fullmatch(r"\d{4}", year_text) is not None
            if has_year and (int(year_text) < opts.first_year
                             or (wanted_years is not None and int(year_text) not in wanted_years)):
                continue  # outside the years this run loads: not looked at
            if region in opts.not_regions:
                reason = opts.not_regions[region]
            elif region in opts.bydel_codes:
                mapped = opts.bydel_codes[region]
                if name_col is not None and fold(str(row[name_col].get("qText") or "")) != fold(mapped.name):
                    raise QlikLayoutError(
                        f"{where}: the app names {region} {row[name_col].get('qText')!r}, the manifest's bydel_codes "
                        f"say {mapped.name!r}: the bydel mapping is wrong, nothing is loaded")
                if mapped.bydel is None:
                    reason = (f"Husbanken's Oslo code {region} ({mapped.name}) is a bydel that no longer exists "
                              "(no Klass 103 code)")
                else:
                    code, level, dims_out = mapped.bydel, "bydel", {"husbanken_region": region}
            elif not re.fullmatch(r"\d{4}", region):
                reason = f"region {region!r} is not a 4-digit kommune code"
            if not reason and not has_year:
                reason = f"no year ({year_text or 'null'!r}: Husbanken's bucket of cases without a year)"
            for measure, cell in values.items():
                measure_reason, measure_dims = reason, dims_out
                if not reason and measure in editions:
                    pin = editions[measure]
                    if measure in edition_cols:
                        edition = str(row[edition_cols[measure]].get("qText") or "").strip()
                        if edition not in pin.editions:
                            raise QlikLayoutError(
                                f"{where}: {measure} for {region} {year_text} is of the edition {edition!r} "
                                f"({pin.dimension}), which the manifest's measure_editions do not define "
                                f"({sorted(pin.editions)}): pin the new edition's methodology first")
                    else:
                        edition = pin.for_year(int(year_text))
                    if edition is None:
                        measure_reason = (f"no methodology edition of {measure} is pinned for {year_text} "
                                          f"(measure_editions.{measure}.by_year starts {min(pin.by_year)})")
                    else:
                        measure_dims = {**dims_out, pin.key: edition}
                if measure_reason:
                    writer.reject(locator=f"{locator} {measure}", reason=measure_reason, region_code=region,
                                  period=year_text, contents_code=measure, value=cell.get("qText"))
                    continue
                null = is_null(cell)
                writer.add(region_code=code, region_level=level, period=year_text, contents_code=measure,
                           value=None if null else number(cell), status=MISSING if null else None,
                           dimensions=measure_dims, locator=f"{locator} {measure}")
