"""SSB Statistikkbanken through PxWebApi v2: the request planner and the fetch adapter.

API (https://data.ssb.no/api/pxwebapi/v2):
* `GET /tables/{id}/metadata?lang=no&outputFormat=json-stat2` — the cube's dimensions and every
  value code, `updated`, roles, and per-dimension `extension` (elimination, codelists,
  measuringType, refperiod);
* `GET /codeLists/{id}?lang=no` — the codes of a value set / aggregation (e.g. `vs_Kommun`);
* `GET /tables/{id}/data?lang=no&outputFormat=json-stat2&valueCodes[Dim]=a,b&codelist[Dim]=…`,
  or the same selection as a `POST` body `{"selection": [{"variableCode", "codeList",
  "valueCodes"}]}` when the URL would be too long.

The planner is what no public client does for us:
* it expands every selection (`*`, `top(n)`, `from(code)`, explicit codes — de-duplicated) to
  explicit codes against the metadata, so the cell count is exact (empty cells count, as SSB
  counts them) and every request is reproducible from the metadata snapshot;
* it splits a query above SSB's 800,000-cell limit along the largest non-time, non-content
  dimension (recursively, if one split is not enough), so the pieces are disjoint and their union
  is exactly the selection;
* it switches from GET to POST before the URL passes ~2,000 characters (SSB answers 404 — not
  414 — past ~2,100, which would otherwise look like a missing table);
* all SSB requests go through one host limiter at 2 s (SSB publishes 30 queries/minute/IP),
  honour `x-ratelimit-*`, and retry 429 and 503 (SSB answers 503 during its daily metadata
  refresh around 05:00 and 11:30) — that part is the shared HTTP client; the Airflow pool
  `ssb_api` keeps parallel tasks from multiplying the rate.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from atlas_ingest import planning
from atlas_ingest.formats.jsonstat import DatasetInfo, dataset_info
from atlas_ingest.planning import cell_count
from atlas_ingest.kinds import Fetched, Plan, PlannedRequest, RunContext, store_response

log = logging.getLogger("atlas_ingest.ssb")

TIME_DIMENSION = "Tid"
CONTENTS_DIMENSION = "ContentsCode"


class PlannerError(planning.SplitError):
    pass


@dataclass(frozen=True)
class Dimension:
    code: str
    values: tuple[str, ...]  # in metadata order (time ascending)
    eliminable: bool
    role: str | None = None  # "time" | "metric" | "geo" | None


def dimensions_from_metadata(info: DatasetInfo) -> list[Dimension]:
    roles = {}
    for role, names in info.roles.items():
        for name in names:
            roles.setdefault(name, role)
    dims = []
    for code in info.dimension_ids:
        ext = info.dimension_extension.get(code, {})
        role = roles.get(code) or ("time" if code == TIME_DIMENSION else "metric" if code == CONTENTS_DIMENSION else None)
        dims.append(Dimension(code, tuple(info.labels[code]), bool(ext.get("elimination", False)), role))
    return dims


_TOP = re.compile(r"^top\((\d+)\)$", re.I)
_FROM = re.compile(r"^from\((.+)\)$", re.I)


def expand_values(dim: Dimension, tokens: Sequence[str], universe: Sequence[str] | None = None) -> list[str]:
    """Resolve selection tokens to explicit codes, de-duplicated, in the universe's order."""
    source = "code list" if universe is not None else "table's metadata"
    universe = list(universe if universe is not None else dim.values)
    known = set(universe)
    chosen: list[str] = []
    for token in tokens:
        token = str(token).strip()
        if token == "*":
            picked = universe
        elif m := _TOP.match(token):
            picked = universe[-int(m[1]):] if int(m[1]) else []
        elif m := _FROM.match(token):
            start = m[1].strip()
            if start not in known:
                raise PlannerError(f"{dim.code}: from({start}) — {start!r} is not a value of the dimension")
            picked = universe[universe.index(start):]
        else:
            if token not in known:
                raise PlannerError(f"{dim.code}: value {token!r} is not in the {source}")
            picked = [token]
        chosen.extend(picked)
    seen: set[str] = set()
    order = {code: i for i, code in enumerate(universe)}
    unique = [c for c in chosen if not (c in seen or seen.add(c))]
    return sorted(unique, key=order.__getitem__)


def split_selection(selection: dict[str, list[str]], dims: Sequence[Dimension], max_cells: int) -> list[dict[str, list[str]]]:
    """Disjoint pieces, each within `max_cells`, splitting only non-time, non-content dimensions."""
    role = {d.code: d.role for d in dims}
    keep_whole = {code for code in selection
                  if role.get(code) in ("time", "metric") or code in (TIME_DIMENSION, CONTENTS_DIMENSION)}
    try:
        return planning.split_selection(selection, keep_whole, max_cells)
    except planning.SplitError as exc:
        raise PlannerError(str(exc)) from None


def build_request(endpoint: str, table: str, lang: str, selection: Mapping[str, Sequence[str]],
                  codelists: Mapping[str, str], max_url_length: int) -> PlannedRequest:
    url = f"{endpoint}/tables/{table}/data"
    base = [("lang", lang), ("outputFormat", "json-stat2")]
    params = list(base)
    for code, values in selection.items():
        params.append((f"valueCodes[{code}]", ",".join(values)))
        if code in codelists:
            params.append((f"codelist[{code}]", codelists[code]))
    full_length = len(url) + 1 + len(urlencode(params))
    cells = cell_count(selection)
    if full_length <= max_url_length:
        return PlannedRequest("GET", url, params, role="data", meta={"cells": cells, "url_length": full_length})
    body = {"selection": [
        {"variableCode": code, **({"codeList": codelists[code]} if code in codelists else {}), "valueCodes": list(values)}
        for code, values in selection.items()
    ]}
    return PlannedRequest("POST", url, base, json_body=body, role="data",
                          meta={"cells": cells, "url_length": full_length, "why_post": f"GET URL would be {full_length} chars"})


def plan_data_requests(*, endpoint: str, table: str, lang: str, dims: Sequence[Dimension],
                       selection_spec: Mapping[str, Any], codelist_values: Mapping[str, Sequence[str]],
                       max_cells: int, max_url_length: int,
                       time_override: Sequence[str] | None = None) -> list[PlannedRequest]:
    """The whole planner: expand, split by cell count, then GET or POST by URL length."""
    by_code = {d.code: d for d in dims}
    unknown = sorted(set(selection_spec) - set(by_code))
    if unknown:
        raise PlannerError(f"table {table} has no dimension(s) {', '.join(unknown)} "
                           f"(it has {', '.join(by_code)})")
    selection: dict[str, list[str]] = {}
    codelists: dict[str, str] = {}
    for dim in dims:
        spec = selection_spec.get(dim.code)
        if spec is None:
            if dim.eliminable:
                continue  # omitted: SSB aggregates an eliminable dimension away
            tokens, codelist = ["*"], None
        else:
            tokens, codelist = list(spec.values), spec.codelist
        if time_override is not None and dim.role == "time":
            tokens = list(time_override)
        universe = None
        if codelist:
            codelists[dim.code] = codelist
            universe = codelist_values.get(codelist)
            if universe is None:
                raise PlannerError(f"code list {codelist} for {dim.code} was not fetched")
        values = expand_values(dim, tokens, universe)
        if not values:
            raise PlannerError(f"{dim.code}: the selection {tokens} matches no values")
        selection[dim.code] = values
    pieces = split_selection(selection, dims, max_cells)
    return [build_request(endpoint, table, lang, piece, codelists, max_url_length) for piece in pieces]


def _parse_updated(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class PxWebAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        endpoint = m.fetch.endpoint
        meta_resp = ctx.client.get(f"{endpoint}/tables/{opts.table}/metadata",
                                   params=[("lang", opts.lang), ("outputFormat", "json-stat2")])
        metadata = meta_resp.json()
        info = dataset_info(metadata)
        fetched: list[Fetched] = [store_response(ctx.landing, meta_resp, "metadata")]
        updated = _parse_updated(info.updated)
        previous = (ctx.last_success or {}).get("upstream_updated")
        codelist_values: dict[str, list[str]] = {}
        for spec in opts.selection.values():
            if spec.codelist and spec.codelist not in codelist_values:
                cl_resp = ctx.client.get(f"{endpoint}/codeLists/{spec.codelist}", params=[("lang", opts.lang)])
                codelist_values[spec.codelist] = [str(v["code"]) for v in cl_resp.json().get("values", [])]
                fetched.append(store_response(ctx.landing, cl_resp, "codelist"))
        dims = dimensions_from_metadata(info)
        periods = ctx.periods
        skip = None
        if periods:
            # a backfill or a named period: only what the table publishes (SSB's time codes are
            # Atlas's canonical ids for years, months, quarters and rolling windows)
            published = next((d.values for d in dims if d.role == "time"), ())
            missing = [p for p in periods if p not in published]
            periods = [p for p in periods if p in published]
            if missing:
                log.warning("%s: table %s does not publish period(s) %s (it has %s … %s)", m.id, opts.table,
                            ", ".join(missing), published[0] if published else "-", published[-1] if published else "-")
            if not periods:
                skip = f"table {opts.table} publishes none of the periods asked for ({', '.join(missing)})"
        requests = [] if skip else plan_data_requests(
            endpoint=endpoint, table=opts.table, lang=opts.lang, dims=dims,
            selection_spec=opts.selection, codelist_values=codelist_values, max_cells=opts.max_cells,
            max_url_length=opts.max_url_length, time_override=periods,
        )
        if updated is not None and previous is not None and updated <= previous and not ctx.periods:
            skip = f"table {opts.table} not updated since {previous.isoformat()} (metadata says {info.updated})"
        return Plan(requests, skip_reason=skip, upstream_updated=updated, upstream_version=info.updated,
                    fetched=fetched,
                    notes={"table": opts.table, "cells": sum(r.meta["cells"] for r in requests),
                           "posts": sum(r.method == "POST" for r in requests)})

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        out = []
        for i, req in enumerate(plan.requests, 1):
            response = ctx.client.request(req.method, req.url, params=req.params, json_body=req.json_body)
            out.append(store_response(ctx.landing, response, "data", {**req.meta, "piece": i, "of": len(plan.requests)}))
        return out
