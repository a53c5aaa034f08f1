"""The Enhetsregister planner behind `json_api` / `api: brreg_enheter`.

Generic and cross-NGO: every NGO in landscape.json with a `brreg_query` gets one paged search of
the open Enhetsregister API (no key):

    GET {endpoint}/enheter?navn=<navn>&organisasjonsform=<A,B>&size=<page_size>&page=<n>

discover fetches page 0 of every query (it holds `page.totalPages` and `page.totalElements`) and
plans the remaining pages; a query with more hits than Brreg serves (10 000: page × size) fails
the run with the NGO's slug, to be narrowed in landscape.json — never silently truncated.

fetch runs the planned pages, then re-checks the entities this source loaded before that no
search returns any more (`GET {endpoint}/enheter/{orgnr}`), so the parser can record a deletion
(`slettedato`) or an entity that no longer matches, instead of leaving a stale row that looks
current. A 404/410 for such an entity is kept as an empty body with its status (the parser logs
it and leaves the row as last seen). Adding an NGO is an edit of landscape.json, no code.
"""

from __future__ import annotations

import json
import logging
import math

from atlas_ingest.families.brreg.parse import matched_orgnrs
from atlas_ingest.families.ngo.dump import resolve_path
from atlas_ingest.families.ngo.landscape import load_landscape
from atlas_ingest.http import UpstreamError
from atlas_ingest.kinds import Fetched, Plan, PlannedRequest, RunContext, store_response

log = logging.getLogger("atlas_ingest.brreg")


class BrregQueryTooBroad(RuntimeError):
    pass


def search_params(query: dict, page: int, size: int) -> list[tuple[str, str]]:
    params = [("navn", query["navn"])]
    if query.get("organisasjonsform"):
        params.append(("organisasjonsform", ",".join(query["organisasjonsform"])))
    return params + [("size", str(size)), ("page", str(page))]


class BrregEnheterAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options().root
        landscape = load_landscape(resolve_path(opts.landscape))
        url = f"{m.fetch.endpoint}/enheter"
        first_pages: list[Fetched] = []
        requests: list[PlannedRequest] = []
        hits: dict[str, int] = {}
        for ngo in landscape.ngos:
            if ngo.brreg_query is None:
                continue
            query = ngo.brreg_query.model_dump()
            meta = {"slug": ngo.slug, "query": query}
            response = ctx.client.get(url, params=search_params(query, 0, opts.page_size))
            first_pages.append(store_response(ctx.landing, response, "search", {**meta, "page": 0}))
            page = response.json().get("page") or {}
            total = int(page.get("totalElements") or 0)
            hits[ngo.slug] = total
            if total > opts.max_hits_per_query:
                raise BrregQueryTooBroad(
                    f"{m.id}: the Brreg query of {ngo.slug!r} ({query}) has {total} hits; Enhetsregisteret serves "
                    f"at most {opts.max_hits_per_query} per search. Narrow its brreg_query in landscape.json "
                    "(organisasjonsform, a longer navn).")
            pages = int(page.get("totalPages") or math.ceil(total / opts.page_size))
            for n in range(1, pages):
                requests.append(PlannedRequest("GET", url, search_params(query, n, opts.page_size), role="search",
                                               meta={**meta, "page": n}))
        if not first_pages:
            raise BrregQueryTooBroad(f"{m.id}: no NGO in {opts.landscape} has a brreg_query: nothing to search")
        log.info("%s: %d NGO queries, %d hits, %d more page(s) to fetch", m.id, len(first_pages), sum(hits.values()),
                 len(requests))
        return Plan(requests, fetched=first_pages,
                    notes={"queries": len(first_pages), "search_hits": hits, "pages": len(first_pages) + len(requests)})

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        m = ctx.manifest
        opts = m.fetch_options().root
        out: list[Fetched] = []
        for req in plan.requests:
            response = ctx.client.get(req.url, params=req.params)
            out.append(store_response(ctx.landing, response, req.role, req.meta))
        if not opts.recheck_missing:
            return out
        pages = [(json.loads(ctx.landing.get(f.key)), f.meta.get("query") or {})
                 for f in (*plan.fetched, *out) if f.role == "search"]
        missing = sorted(self.known_orgnrs(ctx) - matched_orgnrs(pages))
        if missing:
            log.info("%s: %d entities loaded before are not in this run's searches; re-reading them by orgnr",
                     m.id, len(missing))
        for orgnr in missing:
            out.append(self._details(ctx, f"{m.fetch.endpoint}/enheter/{orgnr}", orgnr))
        return out

    def _details(self, ctx: RunContext, url: str, orgnr: str) -> Fetched:
        try:
            response = ctx.client.get(url)
        except UpstreamError as exc:
            if exc.status not in (404, 410):
                raise
            log.warning("%s: %s answered %s: Brreg no longer serves %s", ctx.manifest.id, url, exc.status, orgnr)
            return Fetched(role="details", method="GET", url=url, params=[], json_body=None,
                           key=ctx.landing.put(b""), status=exc.status, bytes=0, meta={"orgnr": orgnr})
        return store_response(ctx.landing, response, "details", {"orgnr": orgnr})

    def known_orgnrs(self, ctx: RunContext) -> set[str]:
        """orgnrs this source loaded before and Brreg had not reported deleted."""
        from atlas_ingest import warehouse

        with warehouse.connect() as conn:
            if not conn.execute("SELECT to_regclass('raw.brreg_enheter')").fetchone()[0]:
                return set()
            rows = conn.execute("SELECT orgnr FROM raw.brreg_enheter WHERE source_id = %s AND slettedato IS NULL",
                                (ctx.manifest.id,)).fetchall()
        return {r[0] for r in rows}
