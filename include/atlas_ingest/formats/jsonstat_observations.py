"""The `jsonstat2` parser: JSON-stat data bodies → raw.observations + raw.indicator_catalog.

Provider families reuse it rather than decoding JSON-stat again: `parse(ctx, fetched,
status_map=…, reject_region=…)` lets a family translate its own status symbols into the
manifest's markers (FHI's `/flag` legend) and refuse region codes it knows cannot resolve, with
a reason that lands in raw.quarantine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from atlas_ingest.formats.jsonstat import DatasetInfo, JsonStatError, dataset_info, iter_cells
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CATALOG_LOAD, OBSERVATIONS_LOAD, CsvTable, ObservationWriter


class JsonStatParseError(ValueError):
    pass


def _role(info: DatasetInfo, role: str, configured: str | None, fallback: str) -> str | None:
    if configured:
        if configured not in info.dimension_ids:
            raise JsonStatParseError(f"dimension {configured!r} (from the manifest) is not in the cube "
                                     f"({', '.join(info.dimension_ids)})")
        return configured
    names = info.roles.get(role) or []
    if names:
        return names[0]
    return fallback if fallback in info.dimension_ids else None


def _catalog_rows(ctx: RunContext, table_id: str, info: DatasetInfo, contents_dim: str | None,
                  contents_code: str | None, metadata: DatasetInfo | None = None) -> list[dict[str, Any]]:
    # Data answers carry no dimension `extension` (see the real 05300 sample); the table's
    # metadata document does, so stock/flow and reference time come from it when it was fetched.
    ext = (metadata or info).dimension_extension.get(contents_dim or "", {})
    measuring = ext.get("measuringType") or {}
    refperiod = ext.get("refperiod") or {}
    codes = info.labels.get(contents_dim, {}) if contents_dim else {contents_code: info.label or contents_code}
    updated = None
    if info.updated:
        try:
            updated = datetime.fromisoformat(info.updated.replace("Z", "+00:00")).isoformat()
        except ValueError:
            updated = None
    rows = []
    for code, label in codes.items():
        unit = info.units.get(code) or {}
        # SSB names the unit in `base`; FHI's units carry `label` (and decimals, symbol, position).
        rows.append({"source_id": ctx.manifest.id, "table_id": table_id, "contents_code": code, "label": label,
                     "unit": unit.get("base") or unit.get("label"), "decimals": unit.get("decimals"),
                     "measuring_type": measuring.get(code), "reference_time": refperiod.get(code),
                     "table_title": info.label, "table_updated": updated})
    return rows


def parse(ctx: RunContext, fetched: list[Fetched], *, status_map: Mapping[str, str] | None = None,
          reject_region: Callable[[str], str | None] | None = None, table_id: str | None = None) -> ParseResult:
    """`status_map` translates upstream status symbols to the manifest's markers (unlisted ones
    pass through, and the writer quarantines them if the manifest does not list them either);
    `reject_region(code)` returns a reason to quarantine a region code, or None to keep it;
    `table_id` overrides the table id the manifest implies (a family that resolves it at run time)."""
    opts = ctx.manifest.parse_options()
    data_bodies = [f for f in fetched if f.role == "data"]
    if not data_bodies:
        raise JsonStatParseError(f"{ctx.manifest.id}: no data bodies were fetched")
    table_id = table_id or opts.table_id or getattr(ctx.manifest.fetch_options(), "table", None) or ctx.manifest.id
    writer = ObservationWriter(ctx.manifest, table_id)
    catalog: dict[str, dict[str, Any]] = {}
    metadata_bodies = [f for f in fetched if f.role == "metadata"]
    metadata = dataset_info(ctx.landing.get(metadata_bodies[0].key)) if metadata_bodies else None
    for body in data_bodies:
        raw = ctx.landing.get(body.key)
        try:
            info = dataset_info(raw)
            region_dim = None if opts.region_code else _role(info, "geo", opts.region_dimension, "Region")
            time_dim = _role(info, "time", opts.time_dimension, "Tid")
            contents_dim = _role(info, "metric", opts.contents_dimension, "ContentsCode")
            if (region_dim is None and not opts.region_code) or time_dim is None:
                raise JsonStatParseError(
                    f"cannot tell the region and time dimensions of {info.dimension_ids}; name them in "
                    "parse.options (or set parse.options.region_code for a national cube)")
            if contents_dim is None and not opts.contents_code:
                raise JsonStatParseError("the cube has no metric dimension; set parse.options.contents_code")
            for row in _catalog_rows(ctx, table_id, info, contents_dim, opts.contents_code, metadata):
                catalog[row["contents_code"]] = row
            others = [d for d in info.dimension_ids if d not in (region_dim, time_dim, contents_dim)]
            for cell in iter_cells(raw):
                region = cell.codes[region_dim] if region_dim else opts.region_code
                status = cell.status
                if status is not None and status_map:
                    status = status_map.get(status, status)
                fields = dict(
                    region_code=region,
                    period=cell.codes[time_dim],
                    contents_code=cell.codes[contents_dim] if contents_dim else opts.contents_code,
                    dimensions={d: cell.codes[d] for d in others},
                    value=cell.value,
                    status=status,
                )
                locator = f"{body.locator}#cell={cell.index}"
                reason = reject_region(str(region).strip()) if reject_region else None
                if reason:
                    writer.reject(locator=locator, reason=reason, **fields)
                    continue
                writer.add(**fields, locator=locator)
        except (JsonStatError, JsonStatParseError) as exc:
            raise JsonStatParseError(f"{ctx.manifest.id}: {body.method} {body.locator}: {exc}") from None

    catalog_table = CsvTable(CATALOG_LOAD)
    for row in catalog.values():
        catalog_table.write(row)
    tables = [
        ParsedTable.staged(ctx.landing, OBSERVATIONS_LOAD, writer.table),
        ParsedTable.staged(ctx.landing, CATALOG_LOAD, catalog_table),
    ]
    return ParseResult(tables=tables, quarantine=writer.quarantine, records=writer.records,
                       periods=sorted(writer.periods))
