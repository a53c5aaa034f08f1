"""The `lottstift_momskompensasjon` parser: one workbook per grant year → raw.lottstift_momskompensasjon.

For each workbook (role `file`, `meta.period` = the grant year from the manifest): detect its
layout (`layouts.detect`: a reader per yearly layout, exact header; an unknown or mismatched layout
fails naming the file), read its rows and keep one row per (year, recipient orgnr):

* `amount_nok` — the sum of the recipient's cases that year (an organisation can have more than one
  case in a year: a standalone and an umbrella application, a withdrawn and a granted one); NULL
  when none of its cases has an amount (never 0); `cases` and `cases_without_amount` say how many;
* `amount_basis` / `amount_column` — what the year's amount is (awarded after reduction, paid, paid
  including the administration fee, awarded) and the column it came from: the years are not the
  same measure, and the row says so;
* `recipient_name` — as the file writes it (the first case's).

An empty row is skipped; a row with content but no valid organisation number, or an amount that is
not a number, is quarantined with the reason. The join to organisations (kommune, ICNPO category,
landscape NGO) is by orgnr in the marts.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from typing import Any

from atlas_ingest.families.lottstift.layouts import LayoutError, detect
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CsvTable
from atlas_ingest.warehouse import TableLoad

log = logging.getLogger("atlas_ingest.lottstift")

COLUMNS = ("source_id", "period_id", "orgnr", "recipient_name", "amount_nok", "amount_basis", "amount_column",
           "cases", "cases_without_amount", "layout", "file_url", "record_hash")
# Replaced per grant year: a re-published year's file replaces that year only.
LOAD = TableLoad("raw.lottstift_momskompensasjon", COLUMNS, "period_id")


class LottstiftParseError(ValueError):
    pass


def read_workbook(body: bytes, *, year: str, url: str, source_id: str) -> tuple[list[dict], list[dict], int, str]:
    """Pure core: one workbook → (rows per orgnr, quarantine, records seen, layout name)."""
    import openpyxl

    where = f"{url} ({year})"
    try:
        wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a non-workbook
        raise LottstiftParseError(
            f"{source_id}: {where}: not an Excel workbook ({type(exc).__name__}: {exc})") from None
    try:
        try:
            layout = detect(wb, year, where)
        except LayoutError as exc:
            raise LottstiftParseError(f"{source_id}: {exc}") from None
        by_orgnr: dict[str, dict[str, Any]] = {}
        quarantine: list[dict[str, Any]] = []
        records = 0
        for row in layout.rows(wb, where):
            if row.blank:
                continue
            records += 1
            if row.problem:
                quarantine.append({"locator": row.locator, "reason": row.problem,
                                   "payload": {"orgnr": row.orgnr, "recipient_name": row.recipient_name}})
                continue
            entry = by_orgnr.setdefault(row.orgnr, {"name": row.recipient_name, "amount": None, "cases": 0,
                                                    "without": 0})
            entry["cases"] += 1
            if row.amount is None:
                entry["without"] += 1
            else:
                entry["amount"] = (entry["amount"] or 0) + row.amount
    finally:
        wb.close()
    rows = []
    for orgnr, e in sorted(by_orgnr.items()):
        row = {"source_id": source_id, "period_id": year, "orgnr": orgnr, "recipient_name": e["name"],
               "amount_nok": None if e["amount"] is None else str(e["amount"]), "amount_basis": layout.amount_basis,
               "amount_column": layout.amount, "cases": e["cases"], "cases_without_amount": e["without"],
               "layout": layout.layout_name, "file_url": url}
        row["record_hash"] = hashlib.sha256(json.dumps({k: v for k, v in row.items() if k != "source_id"},
                                                       sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        rows.append(row)
    return rows, quarantine, records, layout.layout_name


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    files = [f for f in fetched if f.role == "file"]
    if not files:
        raise LottstiftParseError(f"{m.id}: no workbook was fetched")
    table = CsvTable(LOAD)
    quarantine: list[dict[str, Any]] = []
    records = 0
    periods: set[str] = set()
    warnings: list[str] = []
    for f in files:
        year = f.meta["period"]
        rows, q, seen, layout = read_workbook(ctx.landing.get(f.key), year=year, url=f.url, source_id=m.id)
        if not rows:
            raise LottstiftParseError(f"{m.id}: {f.url} ({year}): the {layout} layout found no recipient")
        for row in rows:
            table.write(row)
        quarantine += q
        records += seen
        periods.add(year)
        merged = seen - len(q) - len(rows)
        if merged:
            warnings.append(f"{year}: {merged} case(s) were further cases of a recipient already in the year; summed")
        log.info("%s: %s is a %s workbook: %d cases, %d recipients, %d quarantined", m.id, year, layout, seen,
                 len(rows), len(q))
    return ParseResult(tables=[ParsedTable.staged(ctx.landing, LOAD, table)],
                       quarantine=quarantine, records=records, periods=sorted(periods), warnings=warnings)
