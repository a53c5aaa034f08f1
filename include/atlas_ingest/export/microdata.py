"""`atlas export microdata`: every published indicator as a microdata.no dataset.

Statistics Norway's metadata model allows one identifier and one measure per dataset, so a
dataset is one contents code x one published breakdown of a source (the manifest's
`microdata.published`; a source without breakdowns exports each contents code once). Each is a
folder `<NAME>/` with

* `<NAME>.csv` — UTF-8, `;`-separated, no header, five columns: identifier (the kommune number
  as published, unitType KOMMUNE: microdata's KOMMUNE code list is Klass 131 with validity
  dates, so a 2022 figure keeps its 2022 code), measure, start, stop, an empty attribute column;
* `<NAME>.json` — the metadata (temporalityType, sensitivityLevel, population and spatial
  coverage, subject field, measure name/description/dataType, value domain).

Temporality follows from the indicator, not from habit (`choose_temporality`): overlapping
rolling windows (P2Y/P3Y/P5Y) and points in time are STATUS (start = stop = the window's last
day, or the point); flows (SSB measuringType Flow, or an annual `sum` rule) are ACCUMULATED over
their period; stocks are STATUS on their reference day (SSB refperiod 01.01 = the first day,
otherwise the last); anything else keeps the manifest's declared type. A manifest may declare
FIXED (the latest period, one row per kommune) or EVENT (validity periods).

Suppressed cells. microdata-tools (2.2.3, the version pinned here) accepts
`sentinelAndMissingValues` only in an enumerated value domain (a code list) and only with codes
of the measure's own type; a described domain (a number with a unit) may not carry them, and a
measure value may never be empty. So: coded measures (manifest `code_lists`) write each
suppressed cell with a sentinel code (STRING: the marker itself; LONG: -1 `..`, -2 `:`, -3 `-`,
-4 `...`, -5 `*`), listed in `sentinelAndMissingValues` with the manifest's meaning of the marker;
numeric measures leave suppressed cells out of the data file, and the value domain's
description names the markers and how many cells each left out. Never a 0.

Sums (`sum_over`) are published only when complete: a kommune/period missing one of the
components its period has elsewhere gets no row (never a partial sum), counted in
`incomplete_sums_left_out` and named in the value domain's description.

Every dataset is checked against the data-file rules before it is written (`check_rows`, each
error naming its rule) and then validated with Statistics Norway's own
`microdata_tools.validate_dataset`; a dataset that fails either is an error naming the dataset
and the rule, and the command fails.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

log = logging.getLogger("atlas_ingest.export.microdata")

TEMPORALITY_TYPES = ("FIXED", "STATUS", "ACCUMULATED", "EVENT")
ROLLING_GRAINS = {"P2Y", "P3Y", "P5Y"}
# Sentinel codes of a LONG code list (microdata needs a code of the measure's type).
LONG_SENTINELS = {"..": -1, ":": -2, "-": -3, "...": -4, "*": -5}
OTHER_LONG_SENTINEL = -9
# dcat:theme (the manifests' eu_theme) in Norwegian, as data.norge.no labels them.
SUBJECT_FIELDS_NO = {
    "AGRI": "Jordbruk, fiskeri, skogbruk og mat", "ECON": "Økonomi og finans",
    "EDUC": "Utdanning, kultur og sport", "ENER": "Energi", "ENVI": "Miljø",
    "GOVE": "Forvaltning og offentlig sektor", "HEAL": "Helse", "INTR": "Internasjonale temaer",
    "JUST": "Justis, rettssystem og allmenn sikkerhet", "REGI": "Regioner og byer",
    "SOCI": "Befolkning og samfunn", "TECH": "Vitenskap og teknologi", "TRAN": "Transport",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MicrodataExportError(RuntimeError):
    """A dataset that breaks a rule; the message names the dataset and the rule."""


@dataclass(frozen=True)
class Cell:
    """One published cell of fact_kommune_indicators (value None = suppressed, with its marker)."""

    kommune_nr: str
    period_id: str
    period_start: date
    period_end: date
    dimensions: dict[str, str]
    value: Decimal | None
    status: str | None


@dataclass(frozen=True)
class Indicator:
    """What dim_indicator knows about one contents code."""

    indicator_id: str
    contents_code: str
    label: str
    unit: str | None
    measure_kind: str | None
    annual_rule: str | None
    measuring_type: str | None
    reference_time: str | None
    period_grain: str
    table_title: str | None = None


@dataclass
class Dataset:
    name: str
    source_id: str
    indicator_id: str
    breakdown: str
    temporality: str
    temporality_reason: str
    data_type: str
    metadata: dict[str, Any]
    rows: list[tuple[str, str, str, str, str]]
    suppressed_left_out: dict[str, int] = field(default_factory=dict)
    sentinel_rows: int = 0
    # "kommune period" → which sum_over components are missing: no row, never a partial sum
    incomplete_sums_left_out: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "source_id": self.source_id, "indicator_id": self.indicator_id,
                "breakdown": self.breakdown, "temporalityType": self.temporality,
                "temporality_reason": self.temporality_reason, "dataType": self.data_type,
                "rows": len(self.rows), "suppressed_left_out": self.suppressed_left_out,
                "sentinel_rows": self.sentinel_rows,
                "incomplete_sums_left_out": len(self.incomplete_sums_left_out)}


@dataclass
class ExportResult:
    out_dir: Path
    datasets: list[Dataset]
    skipped: dict[str, str]
    validated: bool

    def summary(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "validated_with": _tools_version() if self.validated else None,
                "datasets": [d.summary() for d in self.datasets], "skipped": self.skipped}


# ----------------------------------------------------------------------------------- naming
def dataset_name(*parts: str) -> str:
    """A microdata dataset name: upper-case A-Z, digits and `_`, starting with a letter."""
    text = "_".join(p for p in parts if p)
    text = text.replace("æ", "ae").replace("Æ", "AE").replace("ø", "oe").replace("Ø", "OE") \
        .replace("å", "aa").replace("Å", "AA")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")
    text = re.sub(r"_+", "_", text)
    if not text or not text[0].isalpha():
        text = "ATLAS_" + text
    return text


# ------------------------------------------------------------------------------ temporality
def choose_temporality(declared: str, indicator: Indicator) -> tuple[str, str]:
    """(temporalityType, why) for one indicator, from its nature and its period grain."""
    grain = indicator.period_grain
    if declared == "FIXED":
        return "FIXED", "declared FIXED in the manifest: the latest period, one row per kommune"
    if declared == "EVENT":
        return "EVENT", "declared EVENT in the manifest: each period as a validity interval"
    if grain in ROLLING_GRAINS:
        return "STATUS", (f"{grain} rolling windows overlap (ACCUMULATED forbids that): each window is a "
                          "status on its last day")
    if grain == "POINT":
        return "STATUS", "a point in time"
    measuring = (indicator.measuring_type or "").lower()
    if measuring == "flow" or (not measuring and indicator.annual_rule == "sum"):
        return "ACCUMULATED", "a flow over its period (summed over the year)"
    if measuring == "stock" or (not measuring and indicator.measure_kind in ("count", "amount")
                                and indicator.annual_rule == "last"):
        return "STATUS", f"a stock on its reference day ({indicator.reference_time or 'the period end'})"
    if declared in ("STATUS", "ACCUMULATED"):
        return declared, f"{indicator.measure_kind or 'a measure'} over its period: the manifest's {declared}"
    return "STATUS", "default"


def row_dates(temporality: str, indicator: Indicator, start: date, end: date) -> tuple[str, str]:
    if temporality == "FIXED":
        # microdata-tools 2.2.3: a FIXED dataset leaves both date columns empty
        return "", ""
    if temporality in ("ACCUMULATED", "EVENT"):
        return start.isoformat(), end.isoformat()
    if indicator.period_grain == "POINT":
        day = start
    elif indicator.period_grain == "P1Y" and (indicator.reference_time or "").strip() == "01.01":
        day = start
    else:
        day = end
    return day.isoformat(), day.isoformat()


# ------------------------------------------------------------------------------------ rules
def check_rows(name: str, temporality: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """The data-file rules, each violation naming its rule (first 20 per rule)."""
    problems: dict[str, list[str]] = defaultdict(list)

    def bad(rule: str, detail: str) -> None:
        problems[rule].append(detail)

    for n, row in enumerate(rows, 1):
        if not row or all(str(c).strip() == "" for c in row):
            bad("no empty rows", f"row {n}")
            continue
        if len(row) != 5:
            bad("exactly 5 columns", f"row {n} has {len(row)}")
            continue
        identifier, measure, start, stop, _ = (str(c) for c in row)
        if ";" in "".join(str(c) for c in row) or "\n" in "".join(str(c) for c in row):
            bad("exactly 5 columns", f"row {n} has a ';' or a line break inside a value")
        if not identifier.strip():
            bad("non-empty identifier", f"row {n}")
        if not measure.strip():
            bad("non-empty measure", f"row {n} ({identifier})")
        for label, value in (("start", start), ("stop", stop)):
            if value and not (_DATE.match(value) and _is_date(value)):
                bad("dates YYYY-MM-DD", f"row {n} ({identifier}) {label} {value!r}")
    if problems:
        return _format(name, problems)
    if temporality == "FIXED":
        seen: set[str] = set()
        for n, (identifier, _, start, stop, _) in enumerate(rows, 1):
            if start:
                bad("FIXED rows have no start date", f"row {n} ({identifier})")
            if identifier in seen:
                bad("FIXED identifiers unique", f"{identifier} repeats (row {n})")
            seen.add(identifier)
    elif temporality == "STATUS":
        seen_at: set[tuple[str, str]] = set()
        for n, (identifier, _, start, stop, _) in enumerate(rows, 1):
            if not start or start != stop:
                bad("STATUS rows have start = stop", f"row {n} ({identifier}) {start!r} / {stop!r}")
            if (identifier, start) in seen_at:
                bad("STATUS identifiers unique per date", f"{identifier} twice on {start}")
            seen_at.add((identifier, start))
    elif temporality in ("ACCUMULATED", "EVENT"):
        spans: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for n, (identifier, _, start, stop, _) in enumerate(rows, 1):
            if not start:
                bad(f"{temporality} rows have a start date", f"row {n} ({identifier})")
                continue
            if temporality == "ACCUMULATED" and (not stop or start >= stop):
                bad("ACCUMULATED rows have start before stop", f"row {n} ({identifier}) {start} / {stop!r}")
                continue
            if temporality == "EVENT" and stop and start > stop:
                bad("EVENT rows have start not after stop", f"row {n} ({identifier}) {start} / {stop}")
                continue
            spans[identifier].append((start, stop))
        rule = f"{temporality} periods of one identifier never overlap"
        for identifier, items in spans.items():
            items.sort()
            for (s1, e1), (s2, e2) in zip(items, items[1:]):
                if not e1 or e1 >= s2:
                    bad(rule, f"{identifier}: {s1}–{e1 or '…'} overlaps {s2}–{e2 or '…'}")
    else:
        bad("temporalityType is FIXED, STATUS, ACCUMULATED or EVENT", repr(temporality))
    return _format(name, problems)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _format(name: str, problems: dict[str, list[str]]) -> list[str]:
    return [f"{name}: rule '{rule}' broken: " + ", ".join(details[:20])
            + (f" (+{len(details) - 20} more)" if len(details) > 20 else "")
            for rule, details in problems.items()]


# ----------------------------------------------------------------------------- the datasets
def _number(value: Decimal, data_type: str) -> str:
    if data_type == "LONG":
        return str(int(value))
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else repr(float(value))
    return text if "." in text else text + ".0"


def _ml(text: str) -> list[dict[str, str]]:
    return [{"languageCode": "no", "value": text}]


def _breakdowns(manifest, cells: list[Cell]) -> tuple[list, str | None]:
    """The manifest's published breakdowns, or the implicit one for a source without any."""
    spec = manifest.microdata
    if spec.published:
        return list(spec.published), None
    keys = sorted({k for c in cells for k in c.dimensions})
    if keys:
        return [], (f"has breakdowns ({', '.join(keys)}) and its manifest marks none as published "
                    "(microdata.published)")
    from atlas_ingest.manifest import MicrodataBreakdown

    return [MicrodataBreakdown(name="TOTAL", label="i alt")], None


def _select(manifest, breakdown, indicator: Indicator, cells: list[Cell]) -> tuple[list[Cell], dict[str, str]]:
    """The breakdown's cells; `sum_over` dimensions summed (additive measures only).

    Returns (cells, incomplete): a sum is published only when every component is there. The
    components a period has are the `sum_over` combinations its rows show for any kommune; a
    kommune/period lacking one of them (a row the source or the load dropped) gets no row — never a
    partial sum that would read as the total — and is named in `incomplete` ("kommune period" →
    what is missing). A suppressed component likewise gives a suppressed sum."""
    chosen = [c for c in cells if all(c.dimensions.get(k) == v for k, v in breakdown.dimensions.items())]
    rest = set(breakdown.sum_over)
    for c in chosen:
        extra = set(c.dimensions) - set(breakdown.dimensions)
        if extra != rest:
            raise MicrodataExportError(
                f"{manifest.id}: microdata.published {breakdown.name}: rows of {indicator.indicator_id} also vary by "
                f"{sorted(extra - rest) or sorted(rest - extra)}; name them in `dimensions` or `sum_over`")
    if not rest:
        return chosen, {}
    if indicator.measure_kind not in ("count", "amount"):
        raise MicrodataExportError(
            f"{manifest.id}: microdata.published {breakdown.name}: sum_over {sorted(rest)} needs an additive "
            f"measure, and {indicator.indicator_id} is {indicator.measure_kind!r}")
    over = sorted(rest)

    def component(c: Cell) -> tuple[str, ...]:
        return tuple(c.dimensions[k] for k in over)

    groups: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    expected: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for c in chosen:
        groups[(c.kommune_nr, c.period_id)].append(c)
        expected[c.period_id].add(component(c))
    summed = []
    incomplete: dict[str, str] = {}
    for (kommune_nr, period_id), parts in sorted(groups.items()):
        missing = sorted(expected[period_id] - {component(p) for p in parts})
        if missing:
            shown = ", ".join("/".join(f"{k}={v}" for k, v in zip(over, combo)) for combo in missing[:5])
            incomplete[f"{kommune_nr} {period_id}"] = (
                f"{len(missing)} of {len(expected[period_id])} components missing ({shown}"
                + (", …" if len(missing) > 5 else "") + ")")
            continue
        suppressed = [p for p in parts if p.value is None and p.status != "-"]
        value = None if suppressed else sum((p.value or Decimal(0)) for p in parts)
        status = sorted(p.status for p in suppressed if p.status)[0] if suppressed else None
        summed.append(Cell(kommune_nr, period_id, parts[0].period_start, parts[0].period_end,
                           dict(breakdown.dimensions), value, status or (":" if suppressed else None)))
    if incomplete:
        first = next(iter(incomplete.items()))
        log.warning("%s %s %s: %d sum(s) over %s not published, rows missing (e.g. %s: %s)", manifest.id,
                    indicator.indicator_id, breakdown.name, len(incomplete), over, *first)
    return summed, incomplete


def build_dataset(manifest, indicator: Indicator, breakdown, cells: list[Cell], *, source_title: str,
                  eu_theme: str, licence: str, loaded_at: str | None = None) -> Dataset | None:
    """One dataset (contents code x breakdown), or None when it has no kommune rows."""
    spec = manifest.microdata
    chosen, incomplete = _select(manifest, breakdown, indicator, cells)
    if not chosen:
        return None
    temporality, why = choose_temporality(spec.temporalityType, indicator)
    if temporality == "FIXED":
        latest = max(c.period_id for c in chosen)
        chosen = [c for c in chosen if c.period_id == latest]
        incomplete = {k: v for k, v in incomplete.items() if k.split(" ", 1)[1] >= latest}
    code_list = spec.code_lists.get(indicator.contents_code)
    published_values = [c.value for c in chosen if c.value is not None]
    if code_list:
        data_type = "LONG" if all(re.fullmatch(r"-?\d+", k) for k in code_list) else "STRING"
    elif spec.measure.dataType in ("STRING", "DATE"):
        data_type = spec.measure.dataType
    elif indicator.measure_kind in ("count", "code") and all(v == v.to_integral_value() for v in published_values):
        data_type = "LONG"
    else:
        data_type = "DOUBLE"
    name = dataset_name(manifest.id, indicator.contents_code,
                        "" if breakdown.name == "TOTAL" and not spec.published else breakdown.name)
    rows: list[tuple[str, str, str, str, str]] = []
    left_out: dict[str, int] = defaultdict(int)
    sentinels: dict[str, Any] = {}
    sentinel_rows = 0
    for c in sorted(chosen, key=lambda c: (c.kommune_nr, c.period_start)):
        start, stop = row_dates(temporality, indicator, c.period_start, c.period_end)
        if c.value is not None:
            measure = str(int(c.value)) if code_list and data_type == "LONG" else \
                (format(c.value.normalize(), "f") if code_list else _number(c.value, data_type))
        elif code_list:
            marker = c.status or ".."
            code = LONG_SENTINELS.get(marker, OTHER_LONG_SENTINEL) if data_type == "LONG" else marker
            sentinels[marker] = code
            sentinel_rows += 1
            measure = str(code)
        else:
            left_out[c.status or ".."] += 1
            continue
        rows.append((c.kommune_nr, measure, start, stop, ""))
    if not rows:
        return None
    markers = manifest.suppression_markers
    breakdown_text = "" if breakdown.name == "TOTAL" and not spec.published else f", {breakdown.label}"
    label = indicator.label + breakdown_text
    unit = indicator.unit or spec.measure.valueDomain.get("measurementUnitDescription") or "antall"
    if code_list:
        first_day = min(c.period_start for c in chosen).isoformat()
        value_domain: dict[str, Any] = {
            "codeList": [{"code": int(k) if data_type == "LONG" else k, "categoryTitle": _ml(v), "validFrom": first_day}
                         for k, v in sorted(code_list.items())]}
        if sentinels:
            value_domain["sentinelAndMissingValues"] = [
                {"code": code, "categoryTitle": _ml(f"{marker} {markers.get(marker, 'skjult eller mangler hos kilden')}")}
                for marker, code in sorted(sentinels.items(), key=lambda kv: str(kv[1]))]
    else:
        note = ""
        if left_out:
            note = (" Celler kilden ikke publiserer er utelatt fra datafilen (microdata tillater ikke tomme "
                    "målverdier): " + ", ".join(f"{n} med {m!r} ({markers.get(m, 'ukjent markør')})"
                                                for m, n in sorted(left_out.items())) + ".")
        if incomplete:
            note += (f" {len(incomplete)} summer over {', '.join(sorted(breakdown.sum_over))} er utelatt fordi "
                     "kilden mangler rader for noen av delene (aldri en delsum).")
        value_domain = {"description": _ml(f"{indicator.label} ({unit}).{note}"),
                        "measurementUnitDescription": _ml(unit)}
        if re.search(r"\bkr\b|kroner", unit, re.I):
            value_domain["measurementType"] = "CURRENCY"
    grain_text = {"P1Y": "kalenderår", "P1M": "måned", "P3M": "kvartal", "P2Y": "toårsperiode (glidende)",
                  "P3Y": "treårsperiode (glidende)", "P5Y": "femårsperiode (glidende)",
                  "SCHOOL_YEAR": "skoleår", "POINT": "tidspunkt"}.get(indicator.period_grain, indicator.period_grain)
    description = [
        {"languageCode": "no", "value": f"{label}. Kilde: {source_title} ({manifest.id}, tabell "
                                        f"{indicator.table_title or '-'}). Periode: {grain_text}. Kommunenummer som "
                                        "publisert for perioden."},
        {"languageCode": "en", "value": f"{temporality}: {why}. Kommune numbers as published for each period."},
    ]
    metadata = {
        "temporalityType": temporality,
        "sensitivityLevel": spec.sensitivityLevel,
        "populationDescription": _ml(spec.populationDescription or manifest.title),
        "spatialCoverageDescription": _ml(spec.spatialCoverageDescription),
        "subjectFields": [_ml(SUBJECT_FIELDS_NO.get(eu_theme, eu_theme))],
        "dataRevision": {"description": _ml(
            f"Eksportert fra Atlas ({manifest.id}, lisens {licence}"
            + (f", lastet {loaded_at}" if loaded_at else "") + ").")},
        "identifierVariables": [{"unitType": spec.unitType}],
        "measureVariables": [{
            "name": _ml(label),
            "description": description,
            "dataType": data_type,
            "valueDomain": value_domain,
        }],
    }
    return Dataset(name=name, source_id=manifest.id, indicator_id=indicator.indicator_id, breakdown=breakdown.name,
                   temporality=temporality, temporality_reason=why, data_type=data_type, metadata=metadata,
                   rows=rows, suppressed_left_out=dict(left_out), sentinel_rows=sentinel_rows,
                   incomplete_sums_left_out=incomplete)


# ------------------------------------------------------------------------------- writing
def write_dataset(dataset: Dataset, out_dir: Path) -> Path:
    problems = check_rows(dataset.name, dataset.temporality, dataset.rows)
    if problems:
        raise MicrodataExportError("\n".join(problems))
    folder = out_dir / dataset.name
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{dataset.name}.csv").open("w", encoding="utf-8", newline="") as f:
        for row in dataset.rows:
            f.write(";".join(row) + "\n")
    (folder / f"{dataset.name}.json").write_text(json.dumps(dataset.metadata, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
    return folder


def validate(name: str, out_dir: Path) -> list[str]:
    """Statistics Norway's own validation (microdata_tools.validate_dataset); [] when valid."""
    from microdata_tools import validate_dataset

    # keep_temporary_files: microdata-tools 2.2.3's own clean-up raises FileNotFoundError when a
    # CSV fails to parse (no parquet written yet), hiding the validation errors; the temporary
    # directory is removed here instead.
    with tempfile.TemporaryDirectory(prefix="atlas-microdata-") as work:
        return list(validate_dataset(name, input_directory=str(out_dir), working_directory=work,
                                     keep_temporary_files=True))


def _tools_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"microdata-tools {version('microdata-tools')}"
    except PackageNotFoundError:
        return None


# ------------------------------------------------------------------------- from the marts
_CELLS_SQL = """
    SELECT f.contents_code, f.kommune_nr_published, f.period_id, f.period_start, f.period_end, f.dimensions,
           f.value, f.status
      FROM marts.fact_kommune_indicators f
     WHERE f.source_id = %s
       AND f.geo_resolution NOT IN ('merged-summed', 'unknown_code')
"""
_INDICATORS_SQL = """
    SELECT indicator_id, contents_code, coalesce(indicator_label, contents_code), unit, measure_kind, annual_rule,
           measuring_type, reference_time, period_grain, table_title, source_title, eu_theme, licence
      FROM marts.dim_indicator
     WHERE source_id = %s
     ORDER BY contents_code
"""


def read_source(conn, source_id: str) -> tuple[list[Indicator], dict[str, list[Cell]], dict[str, str]]:
    indicators, meta = [], {}
    for row in conn.execute(_INDICATORS_SQL, (source_id,)).fetchall():
        indicators.append(Indicator(*row[:10]))
        meta = {"source_title": row[10], "eu_theme": row[11], "licence": row[12]}
    cells: dict[str, list[Cell]] = defaultdict(list)
    for code, kommune_nr, period_id, start, end, dims, value, status in conn.execute(_CELLS_SQL, (source_id,)):
        cells[code].append(Cell(kommune_nr, period_id, start, end, dict(dims or {}), value, status))
    loaded = conn.execute("SELECT max(finished_at)::date::text FROM raw.ingest_runs WHERE source_id = %s "
                          "AND status = 'success'", (source_id,)).fetchone()[0]
    meta["loaded_at"] = loaded
    return indicators, cells, meta


def build_for_source(manifest, indicators: Iterable[Indicator], cells: dict[str, list[Cell]],
                     meta: dict[str, str]) -> tuple[list[Dataset], str | None]:
    all_cells = [c for items in cells.values() for c in items]
    if not all_cells:
        return [], "no kommune-level rows in marts.fact_kommune_indicators (identifier is a kommune number)"
    breakdowns, reason = _breakdowns(manifest, all_cells)
    if reason:
        return [], reason
    datasets = []
    for indicator in indicators:
        for breakdown in breakdowns:
            if breakdown.contents_codes is not None and indicator.contents_code not in breakdown.contents_codes:
                continue
            dataset = build_dataset(manifest, indicator, breakdown, cells.get(indicator.contents_code, []),
                                    source_title=meta.get("source_title") or manifest.title,
                                    eu_theme=meta.get("eu_theme") or manifest.eu_theme.value,
                                    licence=meta.get("licence") or manifest.licence, loaded_at=meta.get("loaded_at"))
            if dataset is not None:
                datasets.append(dataset)
    return datasets, None if datasets else "no rows match its published breakdowns"


def export(out_dir: Path, source_id: str | None = None, *, validate_with_tools: bool = True,
           url: str | None = None, progress=None) -> ExportResult:
    """Write every published indicator (or one source's) under `out_dir`; raise on a bad dataset."""
    from atlas_ingest import warehouse
    from atlas_ingest.manifest import OBSERVATIONS_TABLE, load_manifests

    say = progress or (lambda message: None)
    manifests = [m for m in load_manifests() if m.raw_table == OBSERVATIONS_TABLE and m.microdata is not None]
    if source_id is not None:
        manifests = [m for m in manifests if m.id == source_id]
        if not manifests:
            raise MicrodataExportError(f"{source_id}: no source publishing into {OBSERVATIONS_TABLE} with a "
                                       "microdata block has this id")
    out_dir = Path(out_dir)
    if source_id is None and out_dir.exists():
        for child in out_dir.iterdir():  # a full export replaces the previous one
            if child.is_dir() and (child / f"{child.name}.json").exists():
                shutil.rmtree(child)
    out_dir.mkdir(parents=True, exist_ok=True)
    datasets: list[Dataset] = []
    skipped: dict[str, str] = {}
    names: dict[str, str] = {}
    with warehouse.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('marts.fact_kommune_indicators') IS NOT NULL").fetchone()[0]
        if not exists:
            raise MicrodataExportError("marts.fact_kommune_indicators is not built yet: run the atlas_marts DAG "
                                       "(or `make demo`) first")
        for manifest in manifests:
            if manifest.microdata.unitType != "KOMMUNE":
                skipped[manifest.id] = f"unitType {manifest.microdata.unitType}: only KOMMUNE is exported"
                continue
            indicators, cells, meta = read_source(conn, manifest.id)
            built, reason = build_for_source(manifest, indicators, cells, meta)
            if reason:
                skipped[manifest.id] = reason
                say(f"  ▷ {manifest.id}: skipped — {reason}")
                continue
            for dataset in built:
                if dataset.name in names:
                    raise MicrodataExportError(f"{dataset.name}: two datasets get this name "
                                               f"({names[dataset.name]} and {dataset.indicator_id})")
                names[dataset.name] = dataset.indicator_id
                write_dataset(dataset, out_dir)
                if validate_with_tools:
                    errors = validate(dataset.name, out_dir)
                    if errors:
                        raise MicrodataExportError(
                            f"{dataset.name} ({dataset.indicator_id}, {dataset.temporality}) fails microdata-tools "
                            f"validate_dataset: " + "; ".join(str(e) for e in errors[:10]))
                datasets.append(dataset)
            say(f"  ✔ {manifest.id}: {len(built)} dataset(s)")
    result = ExportResult(out_dir=out_dir, datasets=datasets, skipped=skipped, validated=validate_with_tools)
    (out_dir / "index.json").write_text(json.dumps(result.summary(), ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
    return result
