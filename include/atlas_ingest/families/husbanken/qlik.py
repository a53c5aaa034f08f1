"""A minimal Qlik Engine API client and the `qlik` fetch adapter (Husbanken's statistikkbank).

Husbanken's statistikkbank (statistikk.husbanken.no) is a Qlik Sense app published anonymously on
`qlik.husbanken.no/public` (app `ee185fe5-…`). The Engine API is JSON-RPC 2.0 over a WebSocket,
documented by Qlik (help.qlik.com, "Engine API"; enigma.js is Qlik's own client); this client
needs four calls:

1. `OpenDoc` (handle -1, the app id) → the document handle;
2. `CreateSessionObject` with a `qHyperCubeDef` — the manifest's dimensions (field names) and
   measures (expressions, each with an explicit `qLabel`: without one Qlik titles a measure with
   its expression text);
3. `GetLayout` on the object → `qHyperCube.qSize` (rows × columns) and the dimension and measure
   titles;
4. `GetHyperCubeData("/qHyperCubeDef", [{qTop, qLeft: 0, qWidth, qHeight}])` page by page — a
   whole-cube fetch fails with Qlik's "hypercube too large" (7009), and a page may hold at most
   10,000 cells.

Messages without an `id` (the server's `OnConnected` / `OnAuthenticationInformation` pushes) are
skipped; an `error` answer raises `QlikError` with Qlik's code and message.

Replay and record go through the same `SnapshotStore` as HTTP: each call is stored as a request
`RPC wss://…/app/<id>` whose JSON body is `{method, handle, params}` (the JSON-RPC id, a counter,
is left out so a replayed session matches a recorded one) and whose body is the call's `result`.
A call with no snapshot is an error naming it, as for HTTP.

The manifest may name further cubes of the same app (`fetch.options.cubes`): one `OpenDoc`, then
steps 2–4 per cube in manifest order (handles 2, 3, …), each Fetched tagged with `meta["cube"]`.

discover asks the app's REST metadata (`GET https://qlik.husbanken.no/api/v1/apps/<id>`,
anonymous) for `lastReloadTime` and skips the run when the app has not been reloaded since the
last good run; fetch then opens one Engine session and stores the layout and every page in the
landing store.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from typing import Any

from atlas_ingest.http import HttpRequest, SnapshotMissing, SnapshotStore, UpstreamUnavailable
from atlas_ingest.kinds import Fetched, Plan, PlannedRequest, RunContext, store_response
from atlas_ingest.settings import USER_AGENT

log = logging.getLogger("atlas_ingest.families.husbanken")
RPC = "RPC"


class QlikError(RuntimeError):
    """The engine answered an error (or something that is not a JSON-RPC answer)."""


def rpc_body(method: str, handle: int, params: Any) -> dict[str, Any]:
    return {"method": method, "handle": handle, "params": params}


def hypercube_def(dimensions: list[str], measures: dict[str, str]) -> dict[str, Any]:
    return {
        "qInfo": {"qType": "atlas-hypercube"},
        "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": [field]}, "qNullSuppression": False} for field in dimensions],
            "qMeasures": [{"qDef": {"qDef": expression, "qLabel": label}} for label, expression in measures.items()],
            "qSuppressZero": False,
            "qSuppressMissing": False,
            "qInitialDataFetch": [],
        },
    }


class QlikSession:
    """One Engine API session; `mode` as the HTTP client's (live, replay, record)."""

    def __init__(self, url: str, *, mode: str, snapshot_dir=None, source_id: str = "adhoc", timeout: float = 60.0,
                 connect_attempts: int = 3, sleep=time.sleep):
        self.url = url
        self.mode = mode
        self.source_id = source_id
        self.timeout = timeout
        self.connect_attempts = connect_attempts
        self.sleep = sleep
        self.calls = 0
        self.bytes = 0
        self._snapshots = SnapshotStore(snapshot_dir) if snapshot_dir is not None else None
        self._ws = None
        self._next_id = 0

    def __enter__(self) -> QlikSession:
        if self.mode != "replay":
            self._connect()
        return self

    def __exit__(self, *exc) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    def _connect(self) -> None:
        from websockets.sync.client import connect

        last = None
        for attempt in range(self.connect_attempts):
            try:
                self._ws = connect(self.url, user_agent_header=USER_AGENT, open_timeout=self.timeout,
                                   max_size=64 * 1024 * 1024, compression=None)
                return
            except Exception as exc:  # OSError, TimeoutError, websockets' InvalidStatus/InvalidHandshake …
                last = exc
                log.warning("%s: connecting to %s failed (%s); attempt %d/%d", self.source_id, self.url, exc,
                            attempt + 1, self.connect_attempts)
                self.sleep(2 ** attempt)
        raise UpstreamUnavailable(f"{self.source_id}: cannot open a Qlik Engine session at {self.url}: {last}",
                                  url=self.url)

    def call(self, method: str, handle: int, params: Any) -> tuple[Any, bytes]:
        """The call's `result` and its JSON bytes (what the landing store keeps)."""
        body = rpc_body(method, handle, params)
        request = HttpRequest(RPC, self.url, (), body)
        self.calls += 1
        if self.mode == "replay":
            found = self._snapshots.lookup(request) if self._snapshots else None
            if found is None:
                raise SnapshotMissing(f"{self.source_id}: replay mode has no snapshot for the Qlik call "
                                      f"{request.describe()} in {self._snapshots.directory if self._snapshots else '-'}",
                                      url=self.url)
            raw = found[2]
        else:
            raw = self._live_call(method, handle, params)
            if self.mode == "record":
                self._snapshots.record(request, 200, {"content-type": "application/json"}, raw)
        self.bytes += len(raw)
        return json.loads(raw), raw

    def _live_call(self, method: str, handle: int, params: Any) -> bytes:
        self._next_id += 1
        message_id = self._next_id
        self._ws.send(json.dumps({"jsonrpc": "2.0", "id": message_id, "method": method, "handle": handle,
                                  "params": params}, ensure_ascii=False))
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QlikError(f"{self.source_id}: {method} on {self.url} got no answer in {self.timeout:.0f}s")
            text = self._ws.recv(timeout=remaining)
            try:
                answer = json.loads(text)
            except ValueError:
                raise QlikError(f"{self.source_id}: {method}: the engine sent something that is not JSON: "
                                f"{str(text)[:200]!r}") from None
            if answer.get("id") != message_id:
                continue  # a push (OnConnected, OnAuthenticationInformation) or a change notice
            if "error" in answer:
                error = answer["error"]
                raise QlikError(f"{self.source_id}: {method} on {self.url} failed: Qlik error {error.get('code')} "
                                f"{error.get('message')!r} {error.get('parameter') or ''}".rstrip())
            return json.dumps(answer.get("result"), ensure_ascii=False, sort_keys=True).encode("utf-8")


def _fetched(role: str, url: str, body: dict[str, Any], key: str, size: int, meta: dict[str, Any]) -> Fetched:
    return Fetched(role=role, method=RPC, url=url, params=[], json_body=body, key=key, status=200, bytes=size,
                   content_type="application/json", meta=meta)


def open_doc(session: QlikSession, ctx: RunContext, app_id: str) -> int:
    opened, _ = session.call("OpenDoc", -1, [app_id])
    doc = (opened or {}).get("qReturn", {}).get("qHandle")
    if doc is None:
        raise QlikError(f"{ctx.manifest.id}: OpenDoc {app_id} returned no document handle: {opened}")
    return doc


def fetch_hypercube(session: QlikSession, ctx: RunContext, app_id: str, dimensions: list[str],
                    measures: dict[str, str], page_rows: int, *, doc: int | None = None,
                    cube_name: str | None = None) -> list[Fetched]:
    """Open the app (unless `doc` is an open document's handle), create the cube, store its layout
    and every page; `cube_name` goes into each Fetched's meta as `cube`."""
    out: list[Fetched] = []
    if doc is None:
        doc = open_doc(session, ctx, app_id)
    named = {"cube": cube_name} if cube_name else {}
    created, _ = session.call("CreateSessionObject", doc, [hypercube_def(dimensions, measures)])
    cube = (created or {}).get("qReturn", {}).get("qHandle")
    if cube is None:
        raise QlikError(f"{ctx.manifest.id}: CreateSessionObject returned no object handle: {created}")
    layout, raw = session.call("GetLayout", cube, [])
    out.append(_fetched("layout", session.url, rpc_body("GetLayout", cube, []), ctx.landing.put(raw), len(raw),
                        {"app_id": app_id, **named}))
    size = ((layout or {}).get("qLayout", {}).get("qHyperCube", {}).get("qSize") or {})
    rows, width = int(size.get("qcy") or 0), int(size.get("qcx") or 0)
    if width != len(dimensions) + len(measures):
        raise QlikError(f"{ctx.manifest.id}: the cube{' ' + cube_name if cube_name else ''} has {width} columns, "
                        f"the manifest asks for {len(dimensions)} dimensions and {len(measures)} measures")
    for top in range(0, rows, page_rows):
        page = [{"qTop": top, "qLeft": 0, "qWidth": width, "qHeight": min(page_rows, rows - top)}]
        params = ["/qHyperCubeDef", page]
        _, raw = session.call("GetHyperCubeData", cube, params)
        out.append(_fetched("page", session.url, rpc_body("GetHyperCubeData", cube, params), ctx.landing.put(raw),
                            len(raw), {"qTop": top, "rows": rows, **named}))
    log.info("%s: Qlik cube %s %s × %s fetched in %d page(s)", ctx.manifest.id, cube_name or "", rows, width,
             len(out) - 1)
    return out


def parse_qlik_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class QlikHypercubeAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        response = ctx.client.get(opts.app_url)
        info = response.json()
        attributes = info.get("attributes", info) if isinstance(info, dict) else {}
        version = attributes.get("lastReloadTime") or attributes.get("modifiedDate")
        reloaded = parse_qlik_time(version)
        notes = {"qlik_app": opts.app_id, "app_name": attributes.get("name"), "last_reload": version}
        previous = (ctx.last_success or {}).get("upstream_updated")
        skip = None
        if reloaded is None:
            log.warning("%s: %s names no lastReloadTime; loading without change detection", m.id, opts.app_url)
        elif previous is not None and reloaded <= previous and not ctx.periods:
            skip = f"the Qlik app {opts.app_id} has not been reloaded since {previous.isoformat()} (lastReloadTime {version})"
        cubes = [PlannedRequest(RPC, opts.engine_url, json_body=hypercube_def(dimensions, measures), role="hypercube")
                 for dimensions, measures, _ in opts.all_cubes().values()]
        return Plan(cubes, skip_reason=skip, upstream_updated=reloaded, upstream_version=version,
                    fetched=[store_response(ctx.landing, response, "app", {"url": opts.app_url})], notes=notes)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        m = ctx.manifest
        opts = m.fetch_options()
        client = ctx.client
        with QlikSession(opts.engine_url, mode=client.mode, snapshot_dir=m.snapshot_dir, source_id=m.id) as session:
            # one document, one session object per cube (the app's cubes are asked in manifest order)
            doc = open_doc(session, ctx, opts.app_id)
            fetched = []
            for name, (dimensions, measures, _) in opts.all_cubes().items():
                fetched += fetch_hypercube(session, ctx, opts.app_id, dimensions, measures, opts.page_rows, doc=doc,
                                           cube_name=name)
        # the engine calls count like HTTP requests in raw.ingest_runs
        client.stats["requests"] += session.calls
        client.stats["bytes"] += session.bytes
        return fetched
