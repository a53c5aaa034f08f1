"""The `imdi_tables` parser: IMDi's yearly key-figure pages (or their Excel files) → raw.observations.

What the pages look like (a real capture: tests/resources/imdi/nokkeltall-bosetting-2025_EXCERPT.html):
one `<table>` for the fylker (first header `Fylke`) and one per fylke for its kommuner (first
header `Kommune`), each under a heading `Agder - oversikt over bosettingen i 2025` with an anchor
`<a id="Agder">`; kommune NAMES only; numbers as text (`1006`, `12 640`); `:` where IMDi removed
a figure for privacy (under five persons), `-` where a kommune has made no decision, sometimes
free text (`avventer vedtak`). The column set changes from year to year.

Rules:
* columns are recognised by header text (the manifest's `columns` rules), never by position; a
  header no rule knows is ignored with a warning, a required code missing from a page fails the
  parse naming the page and the headers it found;
* every kommune name goes through `Gazetteer.resolve_kommune` with the table's fylke as hint (and
  the year's mid-point as date); a name that does not resolve is quarantined with the reason and
  the candidates, never guessed;
* `:` stays `:` (NULL); `-` and free text are "no decision yet": NULL with `...` (SSB's "not yet
  available"), the texts listed in the run's warnings; a person count below five that IMDi did
  publish is stored as NULL `:` all the same (the source is `sensitive`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from atlas_ingest.families.imdi.pages import text_of
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CATALOG_LOAD, OBSERVATIONS_LOAD, CsvTable, ObservationWriter

SUPPRESSED, NO_DECISION = ":", "..."
_DASHES = {"-", "–", "—"}
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


class ImdiTableError(ValueError):
    pass


def norm(text: Any) -> str:
    return " ".join(str(text if text is not None else "").replace("\u00ad", "").split())


def imdi_cell(raw: Any) -> tuple[Any, str | None, str | None]:
    """(value, status, free text) of one cell. `:` → (None, ":"); `-` → (None, "..."); text with
    letters → (None, "...", the text); a number (spaces as thousands separators) → its text."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return raw, None, None
    text = norm(raw)
    if text == "":
        return None, None, None
    if text == SUPPRESSED:
        return None, SUPPRESSED, None
    if text in _DASHES:
        return None, NO_DECISION, None
    compact = re.sub(r"[\s\u00a0\u2009\u202f]", "", text)
    if _NUMBER.match(compact):
        return compact.replace(",", "."), None, None
    if re.search(r"[A-Za-zÆØÅæøå]", text):
        return None, NO_DECISION, text
    return text, None, None  # the writer quarantines it: not a number


# ------------------------------------------------------------------------------ places
def fylke_code(gazetteer, name: str, on: date) -> tuple[str | None, str]:
    """A fylke name → its code valid on `on` (IMDi writes `Troms`, `Vestfold`: names of several eras)."""
    key = norm(name)
    from atlas_ingest.geo import fold

    # the names table itself (not fylker_matching, which adds successors: Vestfold → 33 too)
    named = set(getattr(gazetteer, "_fylke_names", {}).get(fold(key), set())) or set(gazetteer.fylker_matching(key))
    valid = {c for c in named if any(v.code[:2] == c and v.valid_on(on) for v in gazetteer.versions)}
    if len(valid) == 1:
        return valid.pop(), ""
    if not valid:
        return None, f"fylke {name!r} names no fylke valid on {on.isoformat()} (candidates {sorted(named)})"
    return None, f"fylke {name!r} is ambiguous on {on.isoformat()}: {sorted(valid)}"


@dataclass
class Place:
    level: str
    code: str | None
    reason: str | None = None
    candidates: tuple[str, ...] = ()


def place_of(gazetteer, label: str, level: str, hint: str | None, year: int) -> Place:
    on = date(year, 7, 1)
    if level == "fylke":
        code, reason = fylke_code(gazetteer, label, on)
        return Place("fylke", code, reason or None)
    result = gazetteer.resolve_kommune(name=label, fylke_hint=hint, on_date=on)
    if result.ok:
        return Place("kommune", result.kommune_nr)
    if " - " in label:
        # a full Sami/Kven parallel name ("Hammerfest - Hámmerfeasta"): the resolver indexes the
        # parts, so each part is tried; accepted only when every part that resolves agrees
        codes = {r.kommune_nr for r in (gazetteer.resolve_kommune(name=part, fylke_hint=hint, on_date=on)
                                        for part in label.split(" - ")) if r.ok}
        if len(codes) == 1:
            return Place("kommune", codes.pop())
    return Place("kommune", None, f"kommune not resolved ({result.method}): {result.reason}", result.candidates)


# ------------------------------------------------------------------------------ columns
@dataclass
class ColumnMatch:
    index: int
    header: str
    code: str
    dimensions: dict[str, str]


def match_columns(headers: Sequence[str], rules, skip: Iterable[int]) -> tuple[list[ColumnMatch], list[str]]:
    matched, unknown = [], []
    for i, header in enumerate(headers):
        if i in skip:
            continue
        for rule in rules:
            if m := re.search(rule.pattern, header, re.I):
                dims = {k: norm(v) for k, v in m.groupdict().items() if v is not None}
                matched.append(ColumnMatch(i, header, rule.code, dims))
                break
        else:
            unknown.append(header)
    return matched, unknown


# ------------------------------------------------------------------------------ HTML
@dataclass
class Table:
    level: str  # kommune | fylke
    hint: str | None
    headers: list[str]
    label_index: int
    rows: list[list[str]]
    where: str


def html_tables(html: str, opts, where: str) -> tuple[list[Table], str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = norm(soup.title.get_text()) if soup.title else ""
    tables = []
    for n, table in enumerate(soup.find_all("table"), 1):
        rows = table.find_all("tr")
        if not rows:
            continue
        header_row = table.find("thead").find("tr") if table.find("thead") else rows[0]
        headers = [norm(c.get_text(" ")) for c in header_row.find_all(["th", "td"])]
        label = next((i for i, h in enumerate(headers) if re.search(opts.kommune_label, h, re.I)), None)
        level = "kommune"
        if label is None:
            label = next((i for i, h in enumerate(headers) if re.search(opts.fylke_label, h, re.I)), None)
            level = "fylke"
        if label is None:
            continue  # not a figures table (no Kommune/Fylke column)
        heading = table.find_previous(["h2", "h3", "h4"])
        anchor = heading.find("a", id=True) if heading else None
        hint = None
        if level == "kommune" and heading is not None:
            hint = norm(anchor["id"]) if anchor else norm(heading.get_text(" ")).split(" - ")[0]
        body = [r for r in rows if r is not header_row]
        cells = [[norm(c.get_text(" ")) for c in r.find_all(["td", "th"])] for r in body]
        tables.append(Table(level, hint, headers, label, [c for c in cells if any(c)],
                            f"{where} table {n} ({norm(heading.get_text(' ')) if heading else 'no heading'})"))
    return tables, title


# ------------------------------------------------------------------------------ Excel
def excel_table(body: bytes, layout, where: str) -> tuple[Table, dict[str, Any]]:
    """The first sheet (or `layout.sheet`) whose header row is found by text, as a long `Table`,
    and the indexes of its value, fylke, code and dimension columns."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same failure to the caller
        raise ImdiTableError(f"{where}: not a readable xlsx file ({type(exc).__name__}: {exc})") from None
    seen = []
    for ws in wb.worksheets:
        if layout.sheet and ws.title != layout.sheet:
            continue
        rows = [[norm(v) if not isinstance(v, (int, float)) or isinstance(v, bool) else v for v in row]
                for row in ws.iter_rows(values_only=True)]
        for h, row in enumerate(rows[:30]):
            texts = [str(v) for v in row]
            label = next((i for i, t in enumerate(texts) if re.search(layout.label_column, t, re.I)), None)
            value = next((i for i, t in enumerate(texts) if re.search(layout.value_column.pattern, t, re.I)), None)
            if label is None or value is None:
                continue
            fylke = next((i for i, t in enumerate(texts) if layout.fylke_column
                          and re.search(layout.fylke_column, t, re.I)), None)
            dims = {}
            for name, pattern in layout.dimension_columns.items():
                idx = next((i for i, t in enumerate(texts) if re.search(pattern, t, re.I)), None)
                if idx is None:
                    raise ImdiTableError(f"{where} sheet {ws.title!r}: no column for {name!r} ({pattern!r}); "
                                         f"the header row has {texts}")
                dims[name] = idx
            code_idx = next((i for i, t in enumerate(texts) if layout.code_column
                             and re.search(layout.code_column, t, re.I)), None)
            data = [r for r in rows[h + 1:] if any(str(v) for v in r)]
            return (Table("excel", None, texts, label, data, f"{where} sheet {ws.title!r}"),
                    {"value": value, "fylke": fylke, "dims": dims, "code": code_idx})
        seen.append(f"{ws.title!r}: {[str(v) for v in (rows[0] if rows else [])][:8]}")
    raise ImdiTableError(f"{where}: no sheet has a header row with {layout.label_column!r} and "
                         f"{layout.value_column.pattern!r} (first rows: {'; '.join(seen)}); IMDi may have "
                         "changed the file's layout")


# ------------------------------------------------------------------------------ the parser
def gazetteer_for(ctx: RunContext, where: str):
    from atlas_ingest.geo import Gazetteer

    if where == "snapshots":
        return Gazetteer.from_snapshots()
    from atlas_ingest import warehouse

    with warehouse.connect() as conn:
        try:
            return Gazetteer.from_warehouse(conn)
        except LookupError as exc:
            raise ImdiTableError(f"{ctx.manifest.id}: IMDi's pages name kommuner without codes, and resolving "
                                 f"them needs Klass 131 in the warehouse ({exc}). Run the ssb DAG first, or set "
                                 "parse.options.gazetteer: snapshots.") from None


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    gazetteer = gazetteer_for(ctx, opts.gazetteer)
    writer = ObservationWriter(m, opts.table_id or m.id)
    catalog: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    free_texts: dict[str, int] = {}
    small: list[str] = []
    totals = 0
    excel_years = {f.meta["year"] for f in fetched if f.role == "excel"}
    pages = [f for f in fetched if f.role == "page"]
    if not pages:
        raise ImdiTableError(f"{m.id}: no IMDi page was fetched")

    def add(place: Place, year: int, code: str, dims: dict[str, str], raw: Any, locator: str, header: str,
            title: str) -> None:
        value, status, text = imdi_cell(raw)
        if text:
            free_texts[text] = free_texts.get(text, 0) + 1
        if (code in opts.small_cell_codes and status is None and value is not None
                and 0 < float(value) < opts.small_cell_below):
            small.append(f"{locator} ({value})")
            value, status = None, SUPPRESSED
        catalog.setdefault(code, {"source_id": m.id, "table_id": writer.table_id, "contents_code": code,
                                  "label": header, "unit": "personer", "decimals": 0, "measuring_type": None,
                                  "reference_time": None, "table_title": title, "table_updated": None})
        fields = dict(region_code=place.code or "", period=str(year), contents_code=code, dimensions=dims,
                      value=value, status=status)
        if place.reason:
            writer.reject(locator=locator, reason=place.reason, candidates=list(place.candidates), **fields)
        else:
            writer.add(**fields, region_level=place.level, locator=locator)

    for page in pages:
        year = int(page.meta["year"])
        if year in excel_years:
            continue
        tables, title = html_tables(text_of(ctx, page), opts, page.locator)
        codes_seen: set[str] = set()
        header_sets = []
        ignored: dict[str, int] = {}
        for table in tables:
            columns, unknown = match_columns(table.headers, opts.columns, {table.label_index})
            header_sets.append(table.headers)
            for header in unknown:
                ignored[header] = ignored.get(header, 0) + 1
            codes_seen |= {c.code for c in columns}
            for r, row in enumerate(table.rows):
                if len(row) != len(table.headers):
                    raise ImdiTableError(f"{table.where}: row {r + 1} has {len(row)} cells for "
                                         f"{len(table.headers)} headers: {row}")
                label = row[table.label_index]
                if re.search(opts.total_rows, label, re.I):
                    totals += 1
                    continue
                place = place_of(gazetteer, label, table.level, table.hint, year)
                for col in columns:
                    add(place, year, col.code, col.dimensions, row[col.index],
                        f"{page.locator}#{table.level}={label}:{col.header}", col.header, title)
        if ignored:
            warnings.append(f"{page.locator}: column(s) no rule in the manifest knows, ignored: "
                            + ", ".join(f"{h!r} (in {n} tables)" for h, n in sorted(ignored.items())))
        missing = sorted(set(opts.required_codes) - codes_seen)
        if missing:
            raise ImdiTableError(f"{m.id}: {page.locator} has no column for {missing} (headers found: "
                                 f"{sorted({h for hs in header_sets for h in hs})}); IMDi may have renamed them. "
                                 "Nothing was loaded.")
    for body in (f for f in fetched if f.role == "excel"):
        year = int(body.meta["year"])
        if opts.excel is None:
            raise ImdiTableError(f"{m.id}: {body.locator} is an Excel download, but parse.options.excel is not set")
        table, idx = excel_table(ctx.landing.get(body.key), opts.excel, body.locator)
        rule = opts.excel.value_column
        for r, row in enumerate(table.rows):
            label = norm(row[table.label_index])
            if not label or re.search(opts.total_rows, label, re.I):
                totals += 1 if label else 0
                continue
            code_cell = norm(row[idx["code"]]) if idx["code"] is not None else ""
            hint = norm(row[idx["fylke"]]) if idx["fylke"] is not None else None
            place = Place("kommune", code_cell) if re.fullmatch(r"\d{4}", code_cell) else \
                place_of(gazetteer, label, "kommune", hint, year)
            dims = {name: norm(row[i]) for name, i in idx["dims"].items()}
            add(place, year, rule.code, dims, row[idx["value"]], f"{body.locator}#row={r + 1}:{label}",
                table.headers[idx["value"]], f"IMDi {year} (Excel)")
    if totals:
        warnings.append(f"{totals} total rows (Sum, Totalt, I alt …) skipped: Atlas sums kommuner itself")
    if free_texts:
        warnings.append("cells with text instead of a figure, stored as NULL '...' (no decision yet): "
                        + ", ".join(f"{t!r} × {n}" for t, n in sorted(free_texts.items())))
    if small:
        warnings.append(f"{len(small)} person count(s) under {opts.small_cell_below} published by IMDi stored as "
                        f"NULL ':' (small-cell rule): {', '.join(small[:5])}")
    catalog_table = CsvTable(CATALOG_LOAD)
    for row in catalog.values():
        catalog_table.write(row)
    if writer.table.rows == 0:
        raise ImdiTableError(f"{m.id}: the pages held no usable figure ({len(writer.quarantine)} quarantined)")
    tables = [
        ParsedTable.staged(ctx.landing, OBSERVATIONS_LOAD, writer.table),
        ParsedTable.staged(ctx.landing, CATALOG_LOAD, catalog_table),
    ]
    return ParseResult(tables=tables, quarantine=writer.quarantine, records=writer.records,
                       periods=sorted(writer.periods), warnings=warnings)
