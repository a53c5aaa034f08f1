"""The `dsb_kommuneundersokelsen` parser: one raw-data workbook per survey year → raw.observations.

For each workbook (role `file`, `meta.period` = the survey year from the manifest): detect the
edition layout (`layouts.detect`; unknown = a clear failure), read it, and write per kommune:

* `is_response` — 1 if the kommune answered the survey, 0 if the workbook lists it as not
  answering. (A layout that lists respondents only has no 0 rows: the preparedness mart marks
  every kommune of that year missing from the file as not answering.)
* one row per tracked question present in the edition, for respondents only: 1 yes, 0 no, NULL
  `..` for "vet ikke" or no answer — a non-respondent has no answer rows, never zeros;
* `grunnkrav_oppfylt_andel` — the share (0–100) of the edition's core questions the kommune
  answered yes to, over those it answered; NULL `..` when it answered none. Respondents only.

Kommune numbers are as published in that edition's geography (2019: before the 2020 reform); the
load checks them against Klass 131 for the survey year.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from atlas_ingest.families.dsb.layouts import MISSING, LayoutError, Reading, detect
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CATALOG_LOAD, OBSERVATIONS_LOAD, CsvTable, ObservationWriter

log = logging.getLogger("atlas_ingest.dsb")
TABLE_ID = "kommuneundersokelsen"


class DsbParseError(ValueError):
    pass


def open_workbook(body: bytes, where: str):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a non-workbook
        raise DsbParseError(f"{where}: not an Excel workbook ({type(exc).__name__}: {exc})") from None


def score(answers: dict[str, tuple[int | None, str | None]], core: list[str]) -> tuple[float | None, str | None]:
    values = [answers[c][0] for c in core if c in answers and answers[c][0] is not None]
    if not values:
        return None, MISSING
    return round(100 * sum(values) / len(values), 1), None


def write_reading(reading: Reading, *, period: str, writer: ObservationWriter, options: Any) -> list[str]:
    """Add one edition's responses to `writer`; returns warnings."""
    core_here = [c for c in options.core if c in reading.questions_found]
    warnings = []
    missing_core = [c for c in options.core if c not in reading.questions_found]
    if missing_core:
        warnings.append(f"{period}: the edition does not ask the core question(s) {missing_core}; the score uses "
                        f"{core_here}")
    for r in reading.responses:
        writer.add(region_code=r.kommune_nr, period=period, contents_code=options.response_code,
                   value=1 if r.is_response else 0, locator=r.locator)
        if not r.is_response:
            continue
        for code in reading.questions_found:
            if code in r.answers:
                value, status = r.answers[code]
                writer.add(region_code=r.kommune_nr, period=period, contents_code=code, value=value, status=status,
                           locator=f"{r.locator}:{code}")
        if core_here:
            value, status = score(r.answers, core_here)
            writer.add(region_code=r.kommune_nr, period=period, contents_code=options.score_code, value=value,
                       status=status, locator=f"{r.locator}:{options.score_code}")
    return warnings


def catalog_rows(source_id: str, options: Any) -> list[dict[str, Any]]:
    rows = [(options.response_code, "Kommunen svarte på undersøkelsen (1 = ja, 0 = nei)", "kode"),
            (options.score_code, "Andel grunnkrav i kommunal beredskapsplikt kommunen svarer ja på", "prosent")]
    rows += [(code, f"{q.label} (1 = ja, 0 = nei)", "kode") for code, q in options.questions.items()]
    return [{"source_id": source_id, "table_id": TABLE_ID, "contents_code": code, "label": label, "unit": unit,
             "decimals": 1 if unit == "prosent" else 0, "measuring_type": "Stock", "reference_time": "januar",
             "table_title": options.table_title, "table_updated": None} for code, label, unit in rows]


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    files = [f for f in fetched if f.role == "file"]
    if not files:
        raise DsbParseError(f"{m.id}: no workbook was fetched")
    writer = ObservationWriter(m, TABLE_ID)
    warnings: list[str] = []
    for f in files:
        period = f.meta["period"]
        where = f"{f.url} ({period})"
        wb = open_workbook(ctx.landing.get(f.key), f"{m.id}: {where}")
        try:
            layout = detect(wb, where)
            reading = layout.read(wb, opts.questions, year=period, where=where)
        except LayoutError as exc:
            raise DsbParseError(f"{m.id}: {exc}") from None
        finally:
            wb.close()
        if not reading.responses:
            raise DsbParseError(f"{m.id}: {where}: the {layout.name} layout found no kommune rows")
        writer.quarantine.extend(reading.quarantine)
        writer.records += len(reading.quarantine)
        warnings += [f"{period}: {w}" for w in reading.warnings]
        warnings += write_reading(reading, period=period, writer=writer, options=opts)
        answered = sum(r.is_response for r in reading.responses)
        log.info("%s: %s is a %s workbook: %d kommune rows, %d answered; questions %s", m.id, period, layout.name,
                 len(reading.responses), answered, sorted(reading.questions_found))
    catalog = CsvTable(CATALOG_LOAD)
    for row in catalog_rows(m.id, opts):
        catalog.write(row)
    return ParseResult(
        tables=[ParsedTable.staged(ctx.landing, OBSERVATIONS_LOAD, writer.table),
                ParsedTable.staged(ctx.landing, CATALOG_LOAD, catalog)],
        quarantine=writer.quarantine, records=writer.records, periods=sorted(writer.periods),
        warnings=warnings)
