"""FHI's open statistics API: the request planner and the `fhi_api` fetch adapter.

API (https://statistikk-data.fhi.no/api/open/v1, documented in folkehelseinstituttet/
Fhi.Statistikk.OpenAPI and FHI's Swagger; no key):

* `GET /Common/source` — the statistics banks (`id` is the SourceId, e.g. `nokkel`);
* `GET /{source}/table[?modifiedAfter=…]` — the tables: `[{tableId, title, publishedAt, modifiedAt}]`;
* `GET /{source}/table/{tableId}` — one table, same shape (an object);
* `GET /{source}/Table/{tableId}/dimension` — `{dimensions: [{code, label, categories: [{value,
  label, children}]}]}`, categories as a tree (GEO: land → fylke → kommune → bydel);
* `GET /{source}/Table/{tableId}/flag` — the legend of the symbols FHI puts in place of values it
  cannot show (missing, not computable, anonymised);
* `GET /{source}/Table/{tableId}/query` — a request body for the whole table, and `/metadata`
  (editor-written sections) — not needed to load data;
* `POST /{source}/Table/{tableId}/data` with `{dimensions: [{code, filter: item|all|top, values}],
  response: {format: "json-stat2", maxRowCount}}` — FHI answers an error when more rows than
  `maxRowCount` would come back.

What Atlas does with it:

* discover asks for the table (`modifiedAt`) and skips the run when it has not moved since the last
  successful run (`raw.ingest_runs.upstream_updated`); only then does it read `/dimension` and
  `/flag`. A table without a pinned `tableId` is found by title in the table list; a pinned id
  that no longer answers, or answers with another title, is an error that names the candidates
  (FHI renumbers tables: INNVAND_INNVKAT went from 650 to 932 in 2026).
* the planner expands every selection token (`*`, `A*`, `top(n)`, `bottom(n)`, codes) against
  `/dimension`, so each request is an explicit `item` list whose row count is exact, and splits
  a selection above `max_row_count` along the largest dimension that is neither time nor
  measure (GEO, in practice) — pieces are disjoint and their union is the selection.
* fetch POSTs each planned body through the shared HTTP client (replayable, retried, paced).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from atlas_ingest import planning
from atlas_ingest.http import UpstreamError
from atlas_ingest.planning import cell_count
from atlas_ingest.kinds import Fetched, Plan, PlannedRequest, RunContext, store_response

RESPONSE_FORMAT = "json-stat2"
log = logging.getLogger("atlas_ingest.families.fhi")


class FhiPlannerError(planning.SplitError):
    pass


class FhiTableError(RuntimeError):
    """The table the manifest names is not (or no longer) what FHI serves under that id."""


# ------------------------------------------------------------------------------ URLs
def table_list_url(endpoint: str, source: str) -> str:
    return f"{endpoint}/{source}/table"


def table_info_url(endpoint: str, source: str, table: int) -> str:
    return f"{endpoint}/{source}/table/{table}"


def table_url(endpoint: str, source: str, table: int, what: str) -> str:
    """`what`: dimension, flag, query, metadata or data."""
    return f"{endpoint}/{source}/Table/{table}/{what}"


# ------------------------------------------------------------------------------ dimensions
@dataclass(frozen=True)
class FhiDimension:
    code: str
    label: str
    values: tuple[str, ...]  # FHI's order: the category tree flattened depth-first
    labels: Mapping[str, str]


def _flatten(categories: Sequence[Mapping[str, Any]], out: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for category in categories or []:
        out.append((str(category["value"]), str(category.get("label") or category["value"])))
        _flatten(category.get("children") or [], out)
    return out


def dimensions_from_document(doc: Mapping[str, Any]) -> list[FhiDimension]:
    """Parse a `/dimension` answer: `{dimensions: [{code, label, categories: [tree]}]}`."""
    items = doc.get("dimensions") if isinstance(doc, Mapping) else None
    if not isinstance(items, list) or not items:
        raise FhiPlannerError("the /dimension answer has no `dimensions` list")
    dims = []
    for item in items:
        flat = _flatten(item.get("categories") or [], [])
        seen: dict[str, str] = {}
        for code, label in flat:  # a category can sit under two parents; keep its first place
            seen.setdefault(code, label)
        dims.append(FhiDimension(str(item["code"]), str(item.get("label") or item["code"]), tuple(seen), seen))
    return dims


_TOP = re.compile(r"^top\((\d+)\)$", re.I)
_BOTTOM = re.compile(r"^bottom\((\d+)\)$", re.I)


def expand_values(dim: FhiDimension, tokens: Sequence[str]) -> list[str]:
    """Selection tokens → explicit codes, de-duplicated, in FHI's order."""
    universe = list(dim.values)
    chosen: list[str] = []
    for token in tokens:
        token = str(token).strip()
        if token == "*":
            picked = universe
        elif m := _TOP.match(token):
            picked = universe[:int(m[1])]
        elif m := _BOTTOM.match(token):
            picked = universe[-int(m[1]):] if int(m[1]) else []
        elif token.endswith("*"):
            prefix = token[:-1]
            picked = [c for c in universe if c.startswith(prefix)]
            if not picked:
                raise FhiPlannerError(f"{dim.code}: {token!r} matches no category")
        else:
            if token not in dim.labels:
                raise FhiPlannerError(f"{dim.code}: value {token!r} is not a category of the table "
                                      f"(FHI lists {', '.join(universe[:12])}{', …' if len(universe) > 12 else ''})")
            picked = [token]
        chosen.extend(picked)
    order = {code: i for i, code in enumerate(universe)}
    return sorted(dict.fromkeys(chosen), key=order.__getitem__)


def fhi_period_code(period: str) -> str:
    """A period as FHI's AAR codes write it: `2024` → `2024_2024`, `2019-2021` → `2019_2021`."""
    text = str(period).strip()
    if re.fullmatch(r"\d{4}", text):
        return f"{text}_{text}"
    if m := re.fullmatch(r"(\d{4})\s*[-_/]\s*(\d{4})", text):
        return f"{m[1]}_{m[2]}"
    return text


def split_selection(selection: dict[str, list[str]], keep_whole: Sequence[str], max_rows: int) -> list[dict[str, list[str]]]:
    """Disjoint pieces of at most `max_rows` rows; dimensions in `keep_whole` are never split."""
    try:
        return planning.split_selection(selection, keep_whole, max_rows, unit="rows")
    except planning.SplitError as exc:
        raise FhiPlannerError(f"{exc} (max_row_count)") from None


def data_body(selection: Mapping[str, Sequence[str]], max_rows: int) -> dict[str, Any]:
    return {
        "dimensions": [{"code": code, "filter": "item", "values": list(values)} for code, values in selection.items()],
        "response": {"format": RESPONSE_FORMAT, "maxRowCount": max_rows},
    }


def plan_data_requests(*, endpoint: str, source: str, table: int, dims: Sequence[FhiDimension],
                       selection_spec: Mapping[str, Sequence[str]], max_rows: int, time_dimension: str,
                       measure_dimension: str, time_override: Sequence[str] | None = None) -> list[PlannedRequest]:
    """Expand every dimension's tokens against `/dimension`, split by row count, one POST per piece."""
    by_code = {d.code: d for d in dims}
    unknown = sorted(set(selection_spec) - set(by_code))
    if unknown:
        raise FhiPlannerError(f"table {table} has no dimension(s) {', '.join(unknown)} (it has {', '.join(by_code)})")
    missing = [d.code for d in dims if d.code not in selection_spec]
    if missing:
        raise FhiPlannerError(f"table {table}: FHI needs a filter for every dimension; add {', '.join(missing)} "
                              "to fetch.options.dimensions")
    selection: dict[str, list[str]] = {}
    for dim in dims:  # FHI's dimension order
        tokens = list(selection_spec[dim.code])
        if time_override is not None and dim.code == time_dimension:
            tokens = [fhi_period_code(p) for p in time_override]
        values = expand_values(dim, tokens)
        if not values:
            raise FhiPlannerError(f"{dim.code}: the selection {tokens} matches no category")
        selection[dim.code] = values
    pieces = split_selection(selection, (time_dimension, measure_dimension), max_rows)
    url = table_url(endpoint, source, table, "data")
    return [PlannedRequest("POST", url, [], json_body=data_body(piece, max_rows), role="data",
                           meta={"cells": cell_count(piece), "fhi_table": table})
            for piece in pieces]


# ------------------------------------------------------------------------------ tables
def requested_periods(ctx: RunContext) -> list[str] | None:
    """The periods this run is asked for: the pipeline's `ctx.periods` (the `periods` param, or a
    backfill's data interval), else the raw `periods` param; None (or empty) = the latest data."""
    periods = getattr(ctx, "periods", None) or ctx.params.get("periods")
    return list(periods) if periods else None


def parse_fhi_time(value: Any) -> datetime | None:
    """FHI's `modifiedAt`/`publishedAt`; a timestamp without an offset is taken as UTC."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _norm_title(title: Any) -> str:
    return re.sub(r"\s+", " ", str(title or "")).strip().casefold()


def find_table(tables: Sequence[Mapping[str, Any]], title: str) -> Mapping[str, Any]:
    """The one table in FHI's list whose title is `title` (case and spacing ignored)."""
    wanted = _norm_title(title)
    hits = [t for t in tables if _norm_title(t.get("title")) == wanted]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise FhiTableError(f"{len(hits)} FHI tables are titled {title!r}: ids "
                            f"{', '.join(str(t.get('tableId')) for t in hits)}; pin fetch.options.table")
    titles = [str(t.get("title")) for t in tables]
    close = difflib.get_close_matches(title, titles, n=5, cutoff=0.5)
    hint = "; ".join(f"{t.get('tableId')} {t.get('title')!r}" for t in tables if str(t.get("title")) in close)
    raise FhiTableError(f"no FHI table is titled {title!r} (of {len(tables)}){'; closest: ' + hint if hint else ''}")


class FhiApiAdapter:
    def _table_info(self, ctx: RunContext) -> tuple[Mapping[str, Any], Fetched]:
        m = ctx.manifest
        opts = m.fetch_options()
        endpoint = m.fetch.endpoint
        if opts.table is None:
            resp = ctx.client.get(table_list_url(endpoint, opts.source))
            tables = resp.json()
            if not isinstance(tables, list):
                raise FhiTableError(f"{m.id}: GET {resp.request.url} did not answer a list of tables")
            return find_table(tables, opts.table_title), store_response(ctx.landing, resp, "tables")
        try:
            resp = ctx.client.get(table_info_url(endpoint, opts.source, opts.table))
        except UpstreamError as exc:
            if exc.status != 404:
                raise
            tables = ctx.client.get(table_list_url(endpoint, opts.source)).json()
            try:
                found = find_table(tables if isinstance(tables, list) else [], opts.table_title)
                now = f"it is now table {found.get('tableId')}"
            except FhiTableError as err:
                now = str(err)
            raise FhiTableError(f"{m.id}: FHI has no table {opts.source}/{opts.table} any more ({now}); "
                                "update fetch.options.table after checking the table") from None
        info = resp.json()
        if not isinstance(info, Mapping):
            raise FhiTableError(f"{m.id}: GET {resp.request.url} did not answer a table object")
        if _norm_title(info.get("title")) != _norm_title(opts.table_title):
            raise FhiTableError(
                f"{m.id}: FHI table {opts.source}/{opts.table} is titled {info.get('title')!r}, the manifest expects "
                f"{opts.table_title!r}. FHI may have renumbered its tables; find the table in "
                f"GET {table_list_url(endpoint, opts.source)} and update fetch.options.table (and table_title)")
        return info, store_response(ctx.landing, resp, "table")

    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        endpoint = m.fetch.endpoint
        info, table_body = self._table_info(ctx)
        table = int(info.get("tableId") or opts.table)
        version = info.get("modifiedAt") or info.get("publishedAt")
        modified = parse_fhi_time(version)
        previous = (ctx.last_success or {}).get("upstream_updated")
        requested = requested_periods(ctx)
        notes: dict[str, Any] = {"fhi_source": opts.source, "fhi_table": table, "fhi_indicator": opts.indicator,
                                 "fhi_table_title": info.get("title")}
        skip = None
        if modified is not None and previous is not None and modified <= previous and not requested:
            skip = (f"FHI table {opts.source}/{table} not modified since {previous.isoformat()} "
                    f"(modifiedAt {version})")
        if skip and not ctx.force:
            return Plan([], skip_reason=skip, upstream_updated=modified, upstream_version=version,
                        fetched=[table_body], notes=notes)
        dim_resp = ctx.client.get(table_url(endpoint, opts.source, table, "dimension"))
        flag_resp = ctx.client.get(table_url(endpoint, opts.source, table, "flag"))
        dims = dimensions_from_document(dim_resp.json())
        fetched = [table_body, store_response(ctx.landing, dim_resp, "dimension"),
                   store_response(ctx.landing, flag_resp, "flags")]
        periods = None
        if requested:
            # a backfill or named periods: only what the table publishes, in FHI's AAR codes
            published = next((d.labels for d in dims if d.code == opts.time_dimension), {})
            wanted = [fhi_period_code(p) for p in requested]
            missing = [p for p in wanted if p not in published]
            periods = [p for p in wanted if p in published]
            notes["periods"] = periods
            if missing:
                log.warning("%s: FHI table %s does not publish period(s) %s", m.id, table, ", ".join(missing))
            if not periods:
                return Plan([], skip_reason=f"FHI table {opts.source}/{table} publishes none of the periods asked "
                                            f"for ({', '.join(missing)})", upstream_updated=modified,
                            upstream_version=version, fetched=fetched, notes=notes)
        requests = plan_data_requests(
            endpoint=endpoint, source=opts.source, table=table, dims=dims, selection_spec=opts.dimensions,
            max_rows=opts.max_row_count, time_dimension=opts.time_dimension,
            measure_dimension=opts.measure_dimension, time_override=periods)
        notes.update(cells=sum(r.meta["cells"] for r in requests), pieces=len(requests))
        return Plan(requests, skip_reason=skip, upstream_updated=modified, upstream_version=version,
                    fetched=fetched, notes=notes)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        out = []
        for i, req in enumerate(plan.requests, 1):
            response = ctx.client.request(req.method, req.url, params=req.params or None, json_body=req.json_body)
            out.append(store_response(ctx.landing, response, "data", {**req.meta, "piece": i, "of": len(plan.requests)}))
        return out
