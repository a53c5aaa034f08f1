"""The contract between the generic pipeline and each fetch kind / parser.

A fetch adapter (registered per `fetch.kind`) answers two questions:

* `discover(ctx)` — what to request this run, and is there anything new upstream? It may make
  cheap metadata requests (PxWebApi `/metadata`, a sitemap) and returns a `Plan`.
* `fetch(ctx, plan)` — perform the plan's requests, put each body in the landing store, and
  return `Fetched` records (keys, not bodies).

A parser (registered per `parse.parser`) turns the fetched bodies into `ParsedTable`s (CSV in
the landing store, one per raw table) plus quarantine records. Parsers are pure with respect to
the network and the database: bodies in, rows out.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from atlas_ingest.http import HttpClient, HttpResponse
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import FETCH_ADAPTERS, PARSERS, Manifest, _register_kinds


@dataclass
class RunContext:
    """What one source run knows about itself; built from the Airflow context or by the CLI."""

    manifest: Manifest
    run_key: str
    dag_id: str | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    force: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    run_type: str | None = None  # Airflow's: scheduled, manual, backfill, asset_triggered
    # The periods this run is asked for (canonical ids), or None for the source's latest data.
    periods: list[str] | None = None
    last_success: dict[str, Any] | None = None
    client: HttpClient | None = None
    landing: LandingStore | None = None


@dataclass
class PlannedRequest:
    method: str
    url: str
    params: list[tuple[str, str]] = field(default_factory=list)
    json_body: Any = None
    role: str = "data"  # what the parser does with the body: data, metadata, index, …
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    requests: list[PlannedRequest]
    skip_reason: str | None = None  # set when nothing changed upstream
    upstream_updated: datetime | None = None
    upstream_version: str | None = None
    # Bodies discover already fetched (metadata) and the parser needs; stored, not re-fetched.
    fetched: list[Fetched] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def skip(self) -> bool:
        return self.skip_reason is not None


@dataclass
class Fetched:
    role: str
    method: str
    url: str
    params: list[tuple[str, str]]
    json_body: Any
    key: str  # landing key of the body
    status: int
    bytes: int
    content_type: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fetched:
        data = dict(data)
        data["params"] = [tuple(p) for p in data.get("params", [])]
        return cls(**data)

    @property
    def locator(self) -> str:
        from urllib.parse import urlencode

        return f"{self.url}?{urlencode(self.params)}" if self.params else self.url


def store_response(landing: LandingStore, response: HttpResponse, role: str,
                   meta: dict[str, Any] | None = None) -> Fetched:
    req = response.request
    return Fetched(role=role, method=req.method, url=req.url, params=list(req.params),
                   json_body=req.json_body, key=landing.put(response.body), status=response.status,
                   bytes=len(response.body), content_type=response.headers.get("content-type"),
                   meta=meta or {})


@dataclass
class ParsedTable:
    table: str
    columns: tuple[str, ...]
    slice_column: str | None
    key: str  # landing key of the CSV
    rows: int

    @classmethod
    def staged(cls, landing: LandingStore, load: Any, buffer: Any) -> ParsedTable:
        """`buffer` (a CSV writer with `getvalue()` and `rows`) put in the landing store as the
        file of `load` (a `warehouse.TableLoad`: the raw table, its columns and slice column)."""
        return cls(load.table, load.columns, load.slice_column, landing.put(buffer.getvalue()), buffer.rows)


@dataclass
class ParseResult:
    tables: list[ParsedTable]
    quarantine: list[dict[str, Any]]
    records: int  # everything the parser looked at, quarantined included
    periods: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Counts for raw.ingest_runs.details (a scraper's fetched / unchanged / failed pages …).
    details: dict[str, Any] = field(default_factory=dict)
    # "module:function" that writes the staged tables instead of the slice replace, for sources
    # whose raw tables are merged (upsert by key, children rewritten only when their parent
    # changed, rows marked inactive instead of deleted). Called inside load's one transaction
    # as merge(conn, stages, source_id=…, ingest_run_id=…) with `stages` the
    # [(TableLoad, staging table)] pairs in table order; returns a LoadResult per table.
    merge: str | None = None


class FetchAdapter(Protocol):
    def discover(self, ctx: RunContext) -> Plan: ...

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]: ...


class Parser(Protocol):
    def __call__(self, ctx: RunContext, fetched: list[Fetched]) -> ParseResult: ...


def _resolve(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def resolve(path: str) -> Any:
    """A "module:attribute" string (the registries' and ParseResult.merge's form) → the object."""
    return _resolve(path)


def adapter_for(manifest: Manifest) -> FetchAdapter:
    _register_kinds()
    return _resolve(FETCH_ADAPTERS[manifest.fetch.kind.value])()


def parser_for(manifest: Manifest) -> Parser:
    _register_kinds()
    return _resolve(PARSERS[manifest.parse.parser])


class PlainRequestsAdapter:
    """For kinds whose plan is simply the manifest's `options.urls`: fetch each, in order."""

    def discover(self, ctx: RunContext) -> Plan:
        urls = getattr(ctx.manifest.fetch_options(), "urls", None) or [ctx.manifest.fetch.endpoint]
        return Plan([PlannedRequest("GET", u) for u in urls])

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        out = []
        for req in plan.requests:
            response = ctx.client.request(req.method, req.url, params=req.params or None, json_body=req.json_body)
            out.append(store_response(ctx.landing, response, req.role, req.meta))
        return out
