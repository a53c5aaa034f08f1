"""The `helsedir_fastlege` parser: one month's fastlege statistics per region → raw.observations.

Input (role `data`, one body per month): `{"periode": "YYYY-MM-01", "rader": [{"nivaa":
"land|fylke|kommune", "regionkode": …, <one field per measure>}, …]}` — the field names come from
the manifest's `parse.options` (`rows_field`, `period_field`, `level_field`, `region_field`,
`measures.<code>.field`), so a renamed upstream field is a manifest edit, not code.

Rules:
* the period is the month of the first-of-month snapshot (`2025-01-01` → `2025M01`, grain P1M);
  a body whose `periode` is not the month it was asked for is an error naming the request;
* the region code follows SSB's shape: land `0` (upstream may write `0`, `00` or `0000`), fylke 2
  digits, kommune 4; a code whose shape contradicts its `nivaa` is quarantined;
* every measure stays its own contents code — lists, lists without a fixed GP and vacant lists
  are never folded into each other; a row where a part exceeds its whole (`subset_of`, e.g. more
  vacant lists than lists without a fixed GP) is quarantined whole, with both numbers;
* a missing value (null, absent) is NULL with `..`; a value given as one of the manifest's
  suppression markers keeps that marker; never 0.
The catalogue rows (raw.indicator_catalog) carry each measure's label; Helfo's definitions are
pinned in the manifest (`parse.options.measures.<code>.definition`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CATALOG_LOAD, OBSERVATIONS_LOAD, CsvTable, ObservationWriter

LEVEL_SHAPES = {"land": re.compile(r"^0+$"), "fylke": re.compile(r"^\d{2}$"), "kommune": re.compile(r"^\d{4}$")}


class HelsedirParseError(ValueError):
    pass


def region_of(level: Any, code: Any) -> tuple[str | None, str | None]:
    """(SSB-shaped code, None) or (None, the reason it cannot be placed)."""
    level_text, code_text = str(level or "").strip().lower(), str(code if code is not None else "").strip()
    shape = LEVEL_SHAPES.get(level_text)
    if shape is None:
        return None, f"unknown level {level!r} (expected land, fylke or kommune)"
    if not shape.match(code_text):
        return None, f"region code {code_text!r} does not have the shape of a {level_text} code"
    return ("0" if level_text == "land" else code_text), None


def _number_or_marker(value: Any, markers: set[str]) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str) and value.strip() in markers:
        return None, value.strip()
    return value, None


def parse_month(doc: Any, *, month: str, locator: str, writer: ObservationWriter, options: Any,
                markers: set[str]) -> None:
    """Add one month's body to `writer` (pure: no network, no database)."""
    if not isinstance(doc, dict):
        raise HelsedirParseError(f"{locator}: expected a JSON object, got {type(doc).__name__}")
    published = str(doc.get(options.period_field) or "")
    if published[:7].replace("-", "M") != month:
        raise HelsedirParseError(f"{locator}: `{options.period_field}` is {published!r}, but the month asked for "
                                 f"is {month}")
    rows = doc.get(options.rows_field)
    if not isinstance(rows, list):
        raise HelsedirParseError(f"{locator}: no `{options.rows_field}` list in the answer (keys: {sorted(doc)})")
    if rows and not any(m.field in rows[0] for m in options.measures.values()):
        fields = ", ".join(m.field for m in options.measures.values())
        raise HelsedirParseError(
            f"{locator}: none of the manifest's measure fields ({fields}) "
            f"is in the rows (first row's keys: {sorted(rows[0])}): has upstream renamed them?")
    period = published[:7]
    for n, row in enumerate(rows):
        where = f"{locator}#row={n}"
        code, reason = region_of(row.get(options.level_field), row.get(options.region_field))
        values = {c: _number_or_marker(row.get(m.field), markers) for c, m in options.measures.items()}
        broken = [(part, whole) for part, whole in options.subset_of.items()
                  if isinstance(values[part][0], (int, float)) and isinstance(values[whole][0], (int, float))
                  and values[part][0] > values[whole][0]]
        if broken and not reason:
            part, whole = broken[0]
            reason = (f"{part} ({values[part][0]}) exceeds {whole} ({values[whole][0]}) for "
                      f"{row.get(options.region_field)} {period}: inconsistent row")
        for contents_code, (value, status) in values.items():
            if reason:
                writer.reject(locator=where, reason=reason, region_code=row.get(options.region_field), period=period,
                              contents_code=contents_code, value=value, status=status)
                continue
            writer.add(region_code=code, period=period, contents_code=contents_code, value=value, status=status,
                       locator=where)


def catalog_rows(source_id: str, table_id: str, options: Any, updated: str | None) -> list[dict[str, Any]]:
    return [{"source_id": source_id, "table_id": table_id, "contents_code": code, "label": m.label, "unit": m.unit,
             "decimals": 0, "measuring_type": "Stock", "reference_time": "first day of the month",
             "table_title": options.table_title, "table_updated": updated} for code, m in options.measures.items()]


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    data = [f for f in fetched if f.role == "data"]
    if not data:
        raise HelsedirParseError(f"{m.id}: no month was fetched")
    writer = ObservationWriter(m, table_id=m.id)
    markers = set(m.suppression_markers)
    for f in data:
        try:
            doc = json.loads(ctx.landing.get(f.key))
        except ValueError as exc:
            raise HelsedirParseError(f"{m.id}: {f.method} {f.locator}: not JSON ({exc})") from None
        try:
            parse_month(doc, month=f.meta["period"], locator=f"{f.method} {f.locator}", writer=writer, options=opts,
                        markers=markers)
        except HelsedirParseError as exc:
            raise HelsedirParseError(f"{m.id}: {exc}") from None
    catalog = CsvTable(CATALOG_LOAD)
    for row in catalog_rows(m.id, m.id, opts, None):
        catalog.write(row)
    return ParseResult(
        tables=[ParsedTable.staged(ctx.landing, OBSERVATIONS_LOAD, writer.table),
                ParsedTable.staged(ctx.landing, CATALOG_LOAD, catalog)],
        quarantine=writer.quarantine, records=writer.records, periods=sorted(writer.periods))
