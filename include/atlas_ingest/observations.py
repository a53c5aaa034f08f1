"""Canonical rows for `raw.observations`, shared by every statistical source's parser.

The writer is where the cross-source rules live, so no parser has to repeat them:
* a suppressed cell (a status marker the manifest lists) has value NULL and keeps its marker —
  never 0; a NULL value without a marker gets `..` ("data not available", SSB's own symbol for
  a missing figure) so that "value NULL iff status" holds for every row;
* the period is parsed against the manifest's grain into its canonical id; a period that does
  not parse, a region code of no known shape, or an unknown status marker goes to quarantine
  with the source, the locator and the reason;
* region level follows the SSB code shape: `0` land, 2 digits fylke, 4 kommune, 6 bydel.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from atlas_ingest.manifest import Manifest
from atlas_ingest.periods import PeriodError, parse_period
from atlas_ingest.warehouse import TableLoad

OBSERVATION_COLUMNS = (
    "source_id", "table_id", "region_code", "region_level", "period_id", "contents_code",
    "dimensions", "value", "status",
)
OBSERVATIONS_LOAD = TableLoad("raw.observations", OBSERVATION_COLUMNS, "period_id")

CATALOG_COLUMNS = (
    "source_id", "table_id", "contents_code", "label", "unit", "decimals", "measuring_type",
    "reference_time", "table_title", "table_updated",
)
CATALOG_LOAD = TableLoad("raw.indicator_catalog", CATALOG_COLUMNS, None)

MISSING_MARKER = ".."

_LEVEL_BY_SHAPE = (
    (re.compile(r"^0$"), "land"),
    (re.compile(r"^\d{2}$"), "fylke"),
    (re.compile(r"^\d{4}$"), "kommune"),
    (re.compile(r"^\d{6}$"), "bydel"),
)


def region_level_of(code: str) -> str | None:
    for pattern, level in _LEVEL_BY_SHAPE:
        if pattern.match(code):
            return level
    return None


def canonical_number(value: Any) -> str | None:
    """Text for COPY: exact for Decimal/int, shortest round-trip repr for float, None for NaN."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    text = str(value).strip()
    try:
        Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    return text


@dataclass
class CsvTable:
    """An in-memory CSV in the column order of a TableLoad (header included), ready for COPY."""

    spec: TableLoad
    rows: int = 0
    _buffer: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._writer.writerow(self.spec.columns)

    def write(self, values: Mapping[str, Any]) -> None:
        self._writer.writerow(["" if values.get(c) is None else values[c] for c in self.spec.columns])
        self.rows += 1

    def getvalue(self) -> bytes:
        return self._buffer.getvalue().encode("utf-8")


class ObservationWriter:
    def __init__(self, manifest: Manifest, table_id: str):
        self.manifest = manifest
        self.table_id = table_id
        self.table = CsvTable(OBSERVATIONS_LOAD)
        self.quarantine: list[dict[str, Any]] = []
        self.periods: set[str] = set()
        self.records = 0
        self._grain = manifest.period_grain.value
        self._markers = set(manifest.suppression_markers)

    def add(self, *, region_code: str, period: str, contents_code: str, value: Any,
            status: str | None = None, dimensions: Mapping[str, str] | None = None,
            locator: str, region_level: str | None = None) -> bool:
        """Add one cell; returns False (and quarantines it with the reason) when it is unusable."""
        self.records += 1
        payload = {"region_code": region_code, "period": period, "contents_code": contents_code,
                   "value": value if not isinstance(value, float) or not math.isnan(value) else None,
                   "status": status, "dimensions": dict(dimensions or {})}
        code = str(region_code).strip()
        level = region_level or region_level_of(code)
        if level is None:
            return self._reject(locator, f"region code {code!r} is not a 1-, 2-, 4- or 6-digit SSB code", payload)
        try:
            period_id = parse_period(period, self._grain).period_id
        except PeriodError as exc:
            return self._reject(locator, f"period: {exc}", payload)
        marker = (status or "").strip() or None
        if marker is not None and marker not in self._markers:
            return self._reject(locator, f"unknown status marker {marker!r} (manifest lists "
                                         f"{', '.join(sorted(self._markers)) or 'none'})", payload)
        try:
            number = None if marker is not None else canonical_number(value)
        except ValueError as exc:
            return self._reject(locator, str(exc), payload)
        if number is None and marker is None:
            marker = MISSING_MARKER
        self.table.write({
            "source_id": self.manifest.id, "table_id": self.table_id, "region_code": code,
            "region_level": level, "period_id": period_id, "contents_code": contents_code,
            "dimensions": json.dumps(dict(sorted((dimensions or {}).items())), ensure_ascii=False),
            "value": number, "status": marker,
        })
        self.periods.add(period_id)
        return True

    def reject(self, *, locator: str, reason: str, **fields: Any) -> bool:
        """Count a cell the caller already knows is unusable (a family-specific rule) and quarantine it."""
        self.records += 1
        return self._reject(locator, reason, dict(fields))

    def _reject(self, locator: str, reason: str, payload: dict[str, Any]) -> bool:
        self.quarantine.append({"locator": locator, "reason": reason, "payload": payload})
        return False
