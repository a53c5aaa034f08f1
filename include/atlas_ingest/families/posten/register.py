"""Bring's postnummer register → raw.postnummer.

The file (https://www.bring.no/postnummerregister-ansi.txt) is windows-1252, TAB-separated,
CRLF, no header, five columns: postnummer, poststed, kommunenummer, kommunenavn, kategori
(B both street addresses and post boxes, G street addresses, P post boxes, S service numbers).
A line with another shape is quarantined with its line number; the register is loaded whole.
"""

from __future__ import annotations

import re

from atlas_ingest.geo import nfc
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CsvTable
from atlas_ingest.warehouse import TableLoad

POSTNUMMER_LOAD = TableLoad("raw.postnummer", (
    "source_id", "postnummer", "poststed", "kommune_nr", "kommune_name", "category"), None)
CATEGORIES = {"B", "G", "P", "S"}


class RegisterError(ValueError):
    pass


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    opts = ctx.manifest.parse_options()
    table = CsvTable(POSTNUMMER_LOAD)
    quarantine = []
    records = 0
    seen: set[str] = set()
    for body in (f for f in fetched if f.role == "file"):
        try:
            text = ctx.landing.get(body.key).decode(opts.encoding)
        except UnicodeDecodeError as exc:
            raise RegisterError(f"{ctx.manifest.id}: {body.locator} is not {opts.encoding}: {exc}") from None
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            records += 1
            cols = [c.strip() for c in line.split("\t")]
            locator = f"{body.locator}#line={number}"
            if len(cols) != 5:
                quarantine.append({"locator": locator, "reason": f"expected 5 TAB-separated columns, found {len(cols)}",
                                   "payload": {"line": line}})
                continue
            postnummer, poststed, kommune_nr, kommune_name, category = cols
            problem = None
            if not re.fullmatch(r"\d{4}", postnummer):
                problem = f"postnummer {postnummer!r} is not four digits"
            elif not re.fullmatch(r"\d{4}", kommune_nr):
                problem = f"kommunenummer {kommune_nr!r} is not four digits"
            elif category not in CATEGORIES:
                problem = f"unknown category {category!r} (known: B, G, P, S)"
            elif postnummer in seen:
                problem = f"postnummer {postnummer} appears twice"
            if problem:
                quarantine.append({"locator": locator, "reason": problem, "payload": {"line": line}})
                continue
            seen.add(postnummer)
            table.write({"source_id": ctx.manifest.id, "postnummer": postnummer, "poststed": nfc(poststed),
                         "kommune_nr": kommune_nr, "kommune_name": nfc(kommune_name), "category": category})
    if not table.rows:
        raise RegisterError(f"{ctx.manifest.id}: no postnummer rows in {[f.locator for f in fetched]}")
    return ParseResult(tables=[ParsedTable(POSTNUMMER_LOAD.table, POSTNUMMER_LOAD.columns, None,
                                           ctx.landing.put(table.getvalue()), table.rows)],
                       quarantine=quarantine, records=records)
