"""`sitemap_scrape`: discover pages through robots.txt and the sitemap, fetch only what moved.

discover (cheap, and every failure here fails the run before anything is written):
1. robots.txt through the shared client (a 404 allows everything; any other failure raises);
   every URL this run may request — sitemaps, the index page, each page — is checked against it
   and one disallowed URL stops the run (`RobotsDisallowed`): a future Disallow is obeyed, not
   worked around. robots.txt's own `Sitemap:` lines are compared with the configured index.
2. the sitemap index, then every sub-sitemap whose <loc> matches `sub_sitemap`; the page URLs
   are the <loc>s that fully match `url_pattern` (legacy and sub-page URLs are ignored, counted).
3. fewer than `min_discovered_urls` → `TooFewUrls`: a broken sitemap must never orphan the
   organisation's chapters, so nothing is marked inactive.
4. raw.sitemap_log and the source's record table decide what to fetch (`plan_fetches`): a URL
   with no record, a URL whose last attempt was not loaded (processed_lastmod NULL), or one whose
   lastmod moved past processed_lastmod. `force` fetches every page.
5. `upstream_version` hashes the (url, lastmod) list, the source's config files and the last
   successful runs of the sources it joins; nothing to fetch and an unchanged version skips.

fetch requests the index page (failure: WARN, the parser degrades) and the planned pages one by
one through the shared client (1 request/second to the host, retries with backoff). A page that
fails is a WARN and an empty body with its status; `max_consecutive_failures` in a row fails the
run (the site is down, not one page). A robots Disallow is never caught.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from atlas_ingest.formats.sitemap import SitemapEntry, expect, parse_sitemap
from atlas_ingest.http import ResponseTooLarge, RobotsDisallowed, UpstreamError, UpstreamUnavailable
from atlas_ingest.kinds import Fetched, Plan, PlannedRequest, RunContext, store_response

log = logging.getLogger("atlas_ingest.ngo_scrape")

ROLE_SITEMAP_INDEX = "sitemap_index"
ROLE_SITEMAP = "sitemap"
ROLE_INDEX = "index"
ROLE_PAGE = "page"
PAGE_ERRORS = (UpstreamError, UpstreamUnavailable, ResponseTooLarge)


class ScrapeDiscoveryError(RuntimeError):
    """The sitemap could not tell what to scrape (no matching sub-sitemap, not a sitemap …)."""


class TooFewUrls(ScrapeDiscoveryError):
    """Fewer page URLs than the manifest's floor: refuse before anything is marked inactive."""


class SiteUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class PageToFetch:
    url: str
    lastmod: datetime | None
    reason: str  # new | unprocessed | moved | no_lastmod | forced


# ------------------------------------------------------------------------------------ pure parts
def site_url(endpoint: str, path: str) -> str:
    return endpoint.rstrip("/") + path


def page_entries(entries: Iterable[SitemapEntry], url_pattern: str) -> tuple[list[SitemapEntry], list[str]]:
    """The entries whose <loc> fully matches `url_pattern` (one per URL, latest lastmod kept, in
    sitemap order), and the locs that did not match."""
    pattern = re.compile(url_pattern)
    kept: dict[str, SitemapEntry] = {}
    ignored: list[str] = []
    for entry in entries:
        if not pattern.fullmatch(entry.loc):
            ignored.append(entry.loc)
            continue
        previous = kept.get(entry.loc)
        if previous is None or (entry.lastmod and (previous.lastmod is None or entry.lastmod > previous.lastmod)):
            kept[entry.loc] = entry
    return list(kept.values()), ignored


def discovered_pages(sitemap_bodies: Iterable[tuple[str, bytes]],
                     url_pattern: str) -> tuple[list[SitemapEntry], list[str]]:
    """(locator, body) of each sub-sitemap → the page entries (see `page_entries`)."""
    entries: list[SitemapEntry] = []
    for locator, body in sitemap_bodies:
        entries += expect(parse_sitemap(body, locator), "urlset", locator).entries
    return page_entries(entries, url_pattern)


def plan_fetches(entries: Iterable[SitemapEntry], *, processed: Mapping[str, datetime | None],
                 records: Iterable[str], force: bool = False) -> tuple[list[PageToFetch], list[str]]:
    """Which pages to fetch and which are unchanged.

    `processed`: url → processed_lastmod from raw.sitemap_log (a URL with a log row whose value is
    NULL was seen but not loaded); `records`: the URLs the source's record table holds."""
    known = set(records)
    fetch: list[PageToFetch] = []
    unchanged: list[str] = []
    for e in entries:
        done = processed.get(e.loc)
        if force:
            reason = "forced"
        elif e.loc not in known:
            reason = "new"
        elif done is None:
            reason = "unprocessed"
        elif e.lastmod is None:
            reason = "no_lastmod"
        elif e.lastmod > done:
            reason = "moved"
        else:
            unchanged.append(e.loc)
            continue
        fetch.append(PageToFetch(e.loc, e.lastmod, reason))
    return fetch, unchanged


def upstream_version(entries: Iterable[SitemapEntry], config: Mapping[str, str],
                     dependencies: Mapping[str, Any]) -> str:
    payload = {"pages": sorted([e.loc, e.lastmod.isoformat() if e.lastmod else None] for e in entries),
               "config": dict(sorted(config.items())), "after": dict(sorted(dependencies.items()))}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return f"sitemap:{digest}"


# ------------------------------------------------------------------------------------ warehouse state
def read_state(source_id: str, records_table: str, depends_on: Iterable[str]) -> tuple[dict, set[str], dict]:
    """(url → processed_lastmod, the record table's URLs, dependency → last successful run id)."""
    from psycopg import sql

    from atlas_ingest import warehouse

    schema, table = records_table.split(".", 1)
    with warehouse.connect() as conn:
        processed = dict(conn.execute("SELECT url, processed_lastmod FROM raw.sitemap_log WHERE source_id = %s",
                                      (source_id,)).fetchall())
        records = {r[0] for r in conn.execute(
            sql.SQL("SELECT url FROM {}.{} WHERE source_id = %s").format(sql.Identifier(schema), sql.Identifier(table)),
            (source_id,)).fetchall()}
        after = {dep: conn.execute("SELECT max(ingest_run_id) FROM raw.ingest_runs WHERE source_id = %s "
                                   "AND status = 'success'", (dep,)).fetchone()[0] for dep in depends_on}
        conn.commit()
    return processed, records, after


# ------------------------------------------------------------------------------------ the adapter
class SitemapScrapeAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        client = ctx.client
        robots = client.robots(m.fetch.endpoint)
        index_url = site_url(m.fetch.endpoint, opts.sitemap_index)
        notes: dict[str, Any] = {}
        listed = list(getattr(robots, "sitemaps", []) or [])
        if listed and index_url not in listed:
            log.warning("%s: robots.txt lists sitemaps %s, not the configured %s", m.id, listed, index_url)
            notes["robots_sitemaps"] = listed
        self._allowed(ctx, robots, [index_url])
        response = client.get(index_url)
        fetched = [store_response(ctx.landing, response, ROLE_SITEMAP_INDEX, {"url": index_url})]
        index = expect(parse_sitemap(response.body, index_url), "index", index_url)
        subs = [e.loc for e in index.entries if re.search(opts.sub_sitemap, e.loc)]
        if not subs:
            raise ScrapeDiscoveryError(
                f"{m.id}: no sub-sitemap of {index_url} matches {opts.sub_sitemap!r} (it lists "
                f"{len(index.entries)}: {', '.join(e.loc for e in index.entries[:8])}…); the site's sitemap "
                "changed: update fetch.options.sub_sitemap")
        self._allowed(ctx, robots, subs)
        bodies = []
        for sub in subs:
            sub_response = client.get(sub)
            fetched.append(store_response(ctx.landing, sub_response, ROLE_SITEMAP, {"url": sub}))
            bodies.append((sub, sub_response.body))
        entries, ignored = discovered_pages(bodies, opts.url_pattern)
        if ignored:
            log.info("%s: %d sitemap URL(s) do not match %s and are ignored, e.g. %s", m.id, len(ignored),
                     opts.url_pattern, ", ".join(ignored[:3]))
        if len(entries) < opts.min_discovered_urls:
            raise TooFewUrls(
                f"{m.id}: the sitemap ({', '.join(subs)}) lists {len(entries)} page URL(s) matching "
                f"{opts.url_pattern!r}, fewer than min_discovered_urls {opts.min_discovered_urls}. A broken or "
                "partial sitemap must never orphan the organisation: the run stops here and nothing was "
                "marked inactive.")
        index_page = site_url(m.fetch.endpoint, opts.index_page) if opts.index_page else None
        self._allowed(ctx, robots, [e.loc for e in entries] + ([index_page] if index_page else []))

        processed, records, after = read_state(m.id, opts.records_table, opts.depends_on)
        to_fetch, unchanged = plan_fetches(entries, processed=processed, records=records, force=ctx.force)
        config = {}
        for name in opts.config_files:
            path = m.folder / name
            config[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"
        version = upstream_version(entries, config, after)
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = None
        if not to_fetch and version == previous:
            skip = (f"no page moved: the {len(entries)} URL(s) and their lastmod, the config files and the "
                    f"sources joined ({', '.join(opts.depends_on) or 'none'}) are as in the last successful run")
        requests = [PlannedRequest("GET", index_page, role=ROLE_INDEX, meta={"url": index_page})] if index_page else []
        requests += [PlannedRequest("GET", p.url, role=ROLE_PAGE,
                                    meta={"lastmod": p.lastmod.isoformat() if p.lastmod else None, "reason": p.reason})
                     for p in to_fetch]
        reasons: dict[str, int] = {}
        for p in to_fetch:
            reasons[p.reason] = reasons.get(p.reason, 0) + 1
        notes.update({"discovered": len(entries), "ignored_urls": len(ignored), "to_fetch": len(to_fetch),
                      "fetch_reasons": reasons, "skipped_unchanged": len(unchanged), "sub_sitemaps": subs})
        log.info("%s: %d page URL(s) in the sitemap; %d to fetch %s, %d unchanged", m.id, len(entries),
                 len(to_fetch), reasons or "", len(unchanged))
        lastmods = [e.lastmod for e in entries if e.lastmod]
        return Plan(requests, skip_reason=skip, upstream_version=version,
                    upstream_updated=max(lastmods) if lastmods else None, fetched=fetched, notes=notes)

    @staticmethod
    def _allowed(ctx: RunContext, robots, urls: Iterable[str]) -> None:
        for url in urls:
            if not robots.can_fetch(url, ctx.client.user_agent):
                raise RobotsDisallowed(
                    f"{ctx.manifest.id}: robots.txt of {ctx.manifest.fetch.endpoint} disallows {url} for "
                    f"{ctx.client.user_agent!r}: the run stops here (nothing was fetched or written)", url=url)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        m = ctx.manifest
        opts = m.fetch_options()
        out: list[Fetched] = []
        in_a_row = 0
        failed = 0
        for req in plan.requests:
            try:
                response = ctx.client.get(req.url)
            except RobotsDisallowed:
                raise
            except PAGE_ERRORS as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                status = getattr(exc, "status", None) or 0
                out.append(Fetched(role=req.role, method="GET", url=req.url, params=[], json_body=None,
                                   key=ctx.landing.put(b""), status=status, bytes=0,
                                   meta={**req.meta, "error": first[:500]}))
                if req.role == ROLE_INDEX:
                    log.warning("%s: the index page %s failed (%s): chapters still load; grouping falls back to "
                                "what was stored before and to the override file", m.id, req.url, first)
                    continue
                failed += 1
                in_a_row += 1
                log.warning("%s: page %s failed (%s): skipped this run, fetched again next run", m.id, req.url, first)
                if in_a_row >= opts.max_consecutive_failures:
                    raise SiteUnavailable(
                        f"{m.id}: {in_a_row} pages failed in a row (last {req.url}: {first}); the site looks down, "
                        "so the run stops instead of warning page by page") from exc
                continue
            if req.role == ROLE_PAGE:
                in_a_row = 0
            out.append(store_response(ctx.landing, response, req.role, req.meta))
        pages = sum(1 for r in plan.requests if r.role == ROLE_PAGE)
        log.info("%s: fetched %d of %d planned page(s), %d failed", m.id, pages - failed, pages, failed)
        return out
