"""The `udir_pivot` parser: Udir's report pivots → raw.observations, raw.indicator_catalog and the
school roster raw.udir_schools. Pure: bodies in, rows out.

What a pivot looks like (real captures in shared/reference/udir): `metadata.columns` is a stack
of header levels, each a list of `{name, columnCount}` groups spanning `columnCount` leaf
columns — school year › breakdowns (trinn, kjønn, eierform …) › measure — and each row's `data`
holds one string per leaf column: `"38 101"` (a space, thin or not, as thousands separator),
`"0,3"` (decimal comma), `"*"` (suppressed: Udir hides small groups) or `""` (no data). Rows
carry `navn` (Sami name parts, trailing spaces), `kode` (fylke `42`, kommune `4203`, school
orgnr) and `id`, a dotted path in the row hierarchy (`1.49.1423` = Nasjonalt › Agder › Arendal).

Rules:
* `*` is stored verbatim as the status of a NULL value — never 0, never re-derived from other
  years, other breakdowns or the totals; `""` is NULL with `..` (no data);
* a school's region code is its 9-digit organisasjonsnummer (mod-11 checked), its kommune the
  parent kommune of the enhet tree (Udir's registered kommune); a school whose orgnr is not
  valid or that sits under no kommune Klass knows (Svalbard `21xx`, Utlandet `25`) is
  quarantined with the reason, as are such kommune rows;
* a measure label the manifest does not map, or a header that does not have the levels the
  manifest describes, fails the parse naming the report, the URL and what was found.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from atlas_ingest.families.udir.api import EnhetTree, UdirReportError, body_json
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CATALOG_LOAD, OBSERVATIONS_LOAD, CsvTable, ObservationWriter
from atlas_ingest.periods import PeriodError, parse_period
from atlas_ingest.warehouse import TableLoad

SUPPRESSED = "*"
SCHOOLS_COLUMNS = (
    "source_id", "orgnr", "school_name", "kommune_nr", "kommune_name", "fylke_nr", "udir_enhet_id",
    "report_codes", "school_type", "owner", "school_years", "record_hash",
)
# Sliced by school: a load replaces the schools it lists and keeps the others, so a school that
# closed (gone from the reports) keeps its row and its history, and dim_school marks it inactive.
SCHOOLS_LOAD = TableLoad("raw.udir_schools", SCHOOLS_COLUMNS, "orgnr")

LEVEL_BY_ROW_HIERARCHY = {"nasjonalt": "land", "fylke": "fylke", "kommune": "kommune", "enhet": "school",
                          "skole": "school"}
_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


class UdirPivotError(ValueError):
    pass


# ------------------------------------------------------------------------------ small pieces
def clean_name(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split())


def udir_number(text: Any) -> tuple[str | None, str | None]:
    """A cell → (number as text, status). `"38 101"` → ("38101", None); `"0,3"` → ("0.3", None);
    `"*"` → (None, "*"); `""` → (None, None), which the writer stores as `..`. Anything else comes
    back as it is, for the writer to quarantine as "not a number"."""
    if text is None:
        return None, None
    raw = str(text).strip()
    if raw == "":
        return None, None
    if raw == SUPPRESSED:
        return None, SUPPRESSED
    number = _SPACES.sub("", raw).replace(",", ".")
    try:
        Decimal(number)
    except InvalidOperation:
        return raw, None
    return number, None


def valid_orgnr(code: str) -> bool:
    """A Norwegian organisasjonsnummer: 9 digits, the last a mod-11 check digit."""
    if not re.fullmatch(r"\d{9}", code or ""):
        return False
    remainder = sum(int(d) * w for d, w in zip(code[:8], ORGNR_WEIGHTS)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(code[8])


def column_paths(doc: Mapping[str, Any], where: str) -> list[tuple[str, ...]]:
    """The header levels unfolded: one tuple of labels (year, …, measure) per leaf column."""
    meta = doc.get("metadata") if isinstance(doc, Mapping) else None
    levels = meta.get("columns") if isinstance(meta, Mapping) else None
    if not isinstance(levels, list) or not levels or not all(isinstance(level, list) and level for level in levels):
        raise UdirPivotError(f"{where}: no metadata.columns header levels")
    try:
        width = sum(int(c["columnCount"]) for c in levels[-1])
        unfolded = [[clean_name(c["name"]) for c in level for _ in range(int(c["columnCount"]))] for level in levels]
    except (KeyError, TypeError, ValueError):
        raise UdirPivotError(f"{where}: a header group lacks name/columnCount") from None
    for i, level in enumerate(unfolded):
        if len(level) != width:
            raise UdirPivotError(f"{where}: header level {i} spans {len(level)} columns, the measures {width}")
    return [tuple(level[j] for level in unfolded) for j in range(width)]


@dataclass
class Column:
    school_year: str  # as written: 2025-26
    enhet_path: tuple[str, ...]
    breakdowns: dict[str, str]
    measure_label: str
    contents_code: str


def read_columns(paths: Sequence[tuple[str, ...]], layout, mode: str, where: str) -> list[Column]:
    n_breakdowns = len(layout.breakdown_levels)
    columns = []
    for path in paths:
        if len(path) < 2 + n_breakdowns or (mode == "rows" and len(path) != 2 + n_breakdowns):
            raise UdirPivotError(
                f"{where}: the header has {len(path)} levels ({' › '.join(path)}); the manifest expects the school "
                f"year, {n_breakdowns} breakdown level(s) {layout.breakdown_levels} and the measure"
                + (" (and the enhet path in filter mode)" if mode == "filter" else ""))
        measure = path[-1]
        code = layout.measures.get(measure)
        if code is None:
            raise UdirPivotError(f"{where}: measure column {measure!r} is not in the manifest's measures "
                                 f"({', '.join(sorted(layout.measures))}); Udir may have renamed it")
        labels = path[len(path) - 1 - n_breakdowns:-1]
        breakdowns = {name: label for name, label in zip(layout.breakdown_levels, labels)
                      if not label.casefold().startswith("alle ")}
        columns.append(Column(path[0], tuple(path[1:len(path) - 1 - n_breakdowns]), breakdowns, measure, code))
    return columns


# ------------------------------------------------------------------------------ the roster
@dataclass
class SchoolRecord:
    orgnr: str
    name: str
    kommune_nr: str | None
    kommune_name: str | None
    fylke_nr: str | None
    enhet_id: int | None
    reports: set[str] = field(default_factory=set)
    school_years: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)


class Roster:
    def __init__(self) -> None:
        self.schools: dict[str, SchoolRecord] = {}
        self.warnings: list[str] = []

    def note(self, orgnr: str, *, name: str, kommune_nr: str | None, kommune_name: str | None,
             fylke_nr: str | None, enhet_id: int | None, report: str, school_type: str,
             school_year: str | None = None) -> None:
        rec = self.schools.get(orgnr)
        if rec is None:
            rec = self.schools[orgnr] = SchoolRecord(orgnr, name, kommune_nr, kommune_name, fylke_nr, enhet_id)
        elif kommune_nr and rec.kommune_nr and kommune_nr != rec.kommune_nr:
            self.warnings.append(f"school {orgnr} ({name}) sits under kommune {rec.kommune_nr} in one report and "
                                 f"{kommune_nr} in {report}; keeping {rec.kommune_nr}")
        rec.reports.add(report)
        rec.types.add(school_type)
        if school_year:
            rec.school_years.add(school_year)

    def rows(self, source_id: str) -> list[dict[str, Any]]:
        out = []
        for orgnr in sorted(self.schools):
            rec = self.schools[orgnr]
            if len(rec.owners) > 1:
                self.warnings.append(f"school {orgnr} ({rec.name}) has figures under several owners "
                                     f"{sorted(rec.owners)}; owner left unknown")
            row = {"source_id": source_id, "orgnr": orgnr, "school_name": rec.name, "kommune_nr": rec.kommune_nr,
                   "kommune_name": rec.kommune_name, "fylke_nr": rec.fylke_nr, "udir_enhet_id": rec.enhet_id,
                   "report_codes": "{" + ",".join(sorted(rec.reports)) + "}", "school_type": "+".join(sorted(rec.types)),
                   "owner": next(iter(rec.owners)) if len(rec.owners) == 1 else None,
                   "school_years": "{" + ",".join(sorted(rec.school_years)) + "}"}
            row["record_hash"] = hashlib.sha256(json.dumps(
                {k: v for k, v in row.items() if k != "source_id"}, sort_keys=True, default=str).encode()).hexdigest()
            out.append(row)
        return out


# ------------------------------------------------------------------------------ the parser
class _Report:
    """One report's tree and its placement rules while its pivots are read."""

    def __init__(self, code: str, tree: EnhetTree | None, not_kommuner: Mapping[str, str]):
        self.code = code
        self.tree = tree
        self.not_kommuner = not_kommuner
        self.tree_by_kode = {n.kode: n for n in tree.by_index.values()} if tree else {}

    def unplaceable(self, code: str | None) -> str | None:
        if not code:
            return None
        for key, reason in self.not_kommuner.items():
            if code == key or (len(key) == 2 and len(code) == 4 and code.startswith(key)):
                return f"{code}: {reason}"
        return None

    def school_home(self, orgnr: str, row_id: str | None, rows_by_id: Mapping[str, Mapping[str, Any]]):
        """(kommune_nr, kommune_name, fylke_nr, enhet_id) from the tree, else from the parent row."""
        node = self.tree_by_kode.get(orgnr)
        if node is None and self.tree and row_id:
            last = row_id.rsplit(".", 1)[-1]
            if re.fullmatch(r"-?\d+", last):
                candidate = self.tree.by_id.get(int(last))
                node = candidate if candidate is not None and candidate.nivaa == 4 else None
        if node is not None and self.tree is not None:
            kommune = self.tree.ancestor(node, 3)
            fylke = self.tree.ancestor(node, 2)
            if kommune is not None:
                return kommune.kode, kommune.navn, fylke.kode if fylke else kommune.kode[:2], node.id
        if row_id and "." in row_id:
            parent = rows_by_id.get(row_id.rsplit(".", 1)[0])
            if parent is not None and re.fullmatch(r"\d{4}", str(parent.get("kode") or "").strip()):
                kode = str(parent["kode"]).strip()
                return kode, clean_name(parent.get("navn")), kode[:2], node.id if node else None
        return None, None, None, node.id if node else None


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    fetch_reports = {r.code: r for r in m.fetch_options().reports}
    missing = sorted(set(fetch_reports) - set(opts.reports))
    if missing:
        raise UdirPivotError(f"{m.id}: parse.options.reports has no layout for report(s) {missing}")
    names = {f.meta.get("report"): f.meta.get("name") for f in fetched if f.role == "report"}
    reports: dict[str, _Report] = {}
    for f in fetched:
        if f.role == "filters":
            reports[f.meta["report"]] = _Report(f.meta["report"], EnhetTree.from_document(body_json(ctx, f), f.locator),
                                                opts.not_kommuner)
    writer = ObservationWriter(m, opts.table_id or m.id)
    catalog: dict[str, dict[str, Any]] = {}
    roster = Roster()
    warnings: list[str] = []
    empty = 0
    data = [f for f in fetched if f.role in ("data", "owner")]
    if not any(f.role == "data" for f in data):
        raise UdirPivotError(f"{m.id}: no data pivots were fetched")
    for body in data:
        code = body.meta["report"]
        # the report is the table: its contents codes are its own (fravær's two reports share labels)
        writer.table_id = opts.table_id or code
        report = reports.get(code) or _Report(code, None, opts.not_kommuner)
        layout = opts.reports[code]
        mode = fetch_reports[code].enhet_mode
        doc = body_json(ctx, body)
        where = f"{m.id}: report {code}: {body.locator}"
        rows = doc.get("rows") if isinstance(doc, Mapping) else None
        if not isinstance(rows, list):
            raise UdirPivotError(f"{where}: the answer has no `rows` list")
        if not rows:
            empty += 1
            continue
        columns = read_columns(column_paths(doc, where), layout, mode, where)
        asked = body.meta.get("school_year")
        for column in {c.school_year for c in columns}:
            try:
                answered = parse_period(column, "SCHOOL_YEAR").period_id
            except PeriodError:
                raise UdirPivotError(f"{where}: the first header level {column!r} is not a school year") from None
            if asked and answered != asked:
                raise UdirPivotError(f"{where}: asked for school year {asked}, Udir answered {answered}")
        for cols in columns:
            # one catalogue row per contents code of the source (an indicator may span reports:
            # 5th-grade and 8th/9th-grade national tests), under the first report that has it
            entry = catalog.setdefault(cols.contents_code, {
                "source_id": m.id, "table_id": code, "contents_code": cols.contents_code,
                "label": cols.measure_label, "unit": None, "decimals": None, "measuring_type": None,
                "reference_time": None, "table_title": names.get(code) or code, "table_updated": None})
            title = names.get(code) or code
            if title not in entry["table_title"].split("; "):
                entry["table_title"] += f"; {title}"
        hierarchy = [str(h).strip().casefold() for h in (doc.get("metadata") or {}).get("rowHierarchy") or []]
        rows_by_id = {str(r.get("id")): r for r in rows if isinstance(r, Mapping)}
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping) or not isinstance(row.get("data"), list):
                raise UdirPivotError(f"{where}: row {i} is not {{navn, kode, id, data: [...]}}")
            if len(row["data"]) != len(columns):
                raise UdirPivotError(f"{where}: row {i} ({clean_name(row.get('navn'))}) has {len(row['data'])} cells "
                                     f"for {len(columns)} columns")
            locator = f"{body.locator}#row={row.get('id')}"
            if layout.rows == "indicators":
                place = _enhet_place(body.meta.get("enhet"), report)
                extra = {layout.indicator_dimension: str(row.get("kode") or clean_name(row.get("navn")))}
            else:
                place = _row_place(row, hierarchy, report, rows_by_id, where)
                extra = {}
            if body.role == "owner":
                if place.level == "school" and place.reason is None and any(str(v).strip() for v in row["data"]):
                    roster.note(place.code, name=place.name, kommune_nr=place.kommune_nr,
                                kommune_name=place.kommune_name, fylke_nr=place.fylke_nr, enhet_id=place.enhet_id,
                                report=code, school_type=layout.school_type)
                    roster.schools[place.code].owners.add(body.meta["owner"])
                continue
            if place.level == "school" and place.reason is None:
                roster.note(place.code, name=place.name, kommune_nr=place.kommune_nr, kommune_name=place.kommune_name,
                            fylke_nr=place.fylke_nr, enhet_id=place.enhet_id, report=code,
                            school_type=layout.school_type, school_year=parse_period(columns[0].school_year, "SCHOOL_YEAR").period_id)
            for j, (cell, col) in enumerate(zip(row["data"], columns)):
                value, status = udir_number(cell)
                fields = dict(region_code=place.code or str(row.get("kode") or ""), period=col.school_year,
                              contents_code=col.contents_code, dimensions={**col.breakdowns, **extra},
                              value=value, status=status)
                if place.reason:
                    writer.reject(locator=f"{locator}:col={j}", reason=place.reason, **fields)
                    continue
                writer.add(**fields, region_level=place.level, locator=f"{locator}:col={j}")
    if empty:
        warnings.append(f"{empty} pivot(s) came back with no rows (an enhet without the grade, or all hidden)")
    # the roster: schools seen in the data, then the trees' other schools (no figures this run)
    for report in reports.values():
        for node in report.tree.schools() if report.tree else []:
            if node.kode in roster.schools or not valid_orgnr(node.kode):
                continue
            kommune = report.tree.ancestor(node, 3)
            fylke = report.tree.ancestor(node, 2)
            if kommune is None or report.unplaceable(kommune.kode) or report.tree.root_kode(node) != "I":
                continue
            roster.note(node.kode, name=clean_name(node.navn), kommune_nr=kommune.kode, kommune_name=kommune.navn,
                        fylke_nr=fylke.kode if fylke else None, enhet_id=node.id, report=report.code,
                        school_type=opts.reports[report.code].school_type)
    school_rows = roster.rows(m.id)
    warnings += roster.warnings
    catalog_table, schools_table = CsvTable(CATALOG_LOAD), CsvTable(SCHOOLS_LOAD)
    for row in catalog.values():
        catalog_table.write(row)
    for row in school_rows:
        schools_table.write(row)
    tables = [
        ParsedTable.staged(ctx.landing, OBSERVATIONS_LOAD, writer.table),
        ParsedTable.staged(ctx.landing, CATALOG_LOAD, catalog_table),
        ParsedTable.staged(ctx.landing, SCHOOLS_LOAD, schools_table),
    ]
    if writer.table.rows == 0:
        raise UdirPivotError(f"{m.id}: the pivots held no usable cell ({len(writer.quarantine)} quarantined)")
    return ParseResult(tables=tables, quarantine=writer.quarantine, records=writer.records,
                       periods=sorted(writer.periods), warnings=warnings)


@dataclass
class Place:
    level: str | None
    code: str | None
    name: str = ""
    kommune_nr: str | None = None
    kommune_name: str | None = None
    fylke_nr: str | None = None
    enhet_id: int | None = None
    reason: str | None = None  # set when the row must be quarantined


def _row_place(row: Mapping[str, Any], hierarchy: Sequence[str], report: _Report,
               rows_by_id: Mapping[str, Mapping[str, Any]], where: str) -> Place:
    row_id = str(row.get("id") or "")
    depth = len(row_id.split(".")) if row_id else 0
    if not hierarchy or not 1 <= depth <= len(hierarchy):
        raise UdirPivotError(f"{where}: row id {row_id!r} does not fit the row hierarchy {hierarchy}")
    level = LEVEL_BY_ROW_HIERARCHY.get(hierarchy[depth - 1])
    if level is None:
        raise UdirPivotError(f"{where}: unknown row hierarchy level {hierarchy[depth - 1]!r}")
    kode = str(row.get("kode") or "").strip()
    name = clean_name(row.get("navn"))
    if level == "land":
        return Place("land", "0", name)
    if level == "fylke":
        if not re.fullmatch(r"\d{2}", kode):
            return Place(level, kode, name, reason=f"fylke row {name!r} has code {kode!r}, not 2 digits")
        return Place(level, kode, name, reason=report.unplaceable(kode))
    if level == "kommune":
        if not re.fullmatch(r"\d{4}", kode):
            return Place(level, kode, name, reason=f"kommune row {name!r} has code {kode!r}, not 4 digits")
        return Place(level, kode, name, reason=report.unplaceable(kode))
    orgnr = kode
    if not re.fullmatch(r"\d{9}", orgnr) and report.tree is not None:
        last = row_id.rsplit(".", 1)[-1]
        node = report.tree.by_id.get(int(last)) if re.fullmatch(r"-?\d+", last) else None
        orgnr = node.kode if node is not None else kode
    return _school_place(orgnr, name, row_id, report, rows_by_id)


def _school_place(orgnr: str, name: str, row_id: str | None, report: _Report,
                  rows_by_id: Mapping[str, Mapping[str, Any]]) -> Place:
    if not valid_orgnr(orgnr):
        return Place("school", orgnr, name, reason=f"school {name!r}: {orgnr!r} is not a valid organisasjonsnummer "
                                                   "(9 digits, mod-11 check digit)")
    kommune_nr, kommune_name, fylke_nr, enhet_id = report.school_home(orgnr, row_id, rows_by_id)
    place = Place("school", orgnr, name, kommune_nr, kommune_name, fylke_nr, enhet_id)
    if kommune_nr is None:
        place.reason = f"school {orgnr} ({name}) has no registered kommune in Udir's enhet tree"
    elif report.unplaceable(kommune_nr):
        place.reason = f"school {orgnr} ({name}) lies under {report.unplaceable(kommune_nr)}"
    return place


def _enhet_place(enhet: Mapping[str, Any] | None, report: _Report) -> Place:
    if not enhet:
        raise UdirPivotError(f"report {report.code}: an indicator pivot without the enhet it was asked for")
    level, kode, name = enhet["level"], str(enhet["kode"]), clean_name(enhet["navn"])
    if level == "land":
        return Place("land", "0", name)
    if level == "school":
        return _school_place(kode, name, None, report, {})
    digits = 2 if level == "fylke" else 4
    if not re.fullmatch(rf"\d{{{digits}}}", kode):
        return Place(level, kode, name, reason=f"{level} {name!r} has code {kode!r}, not {digits} digits")
    return Place(level, kode, name, reason=report.unplaceable(kode))
