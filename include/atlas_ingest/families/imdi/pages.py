"""IMDi's yearly key-figure pages: finding them, and the `html` fetch adapter.

www.imdi.no is scraped politely through the shared client (robots.txt is read before any page —
the `html` kind is a scraped kind —, one request per second to the host, retries with backoff).
Discover reads the index page, picks the newest `years` yearly pages (or, for a backfill, builds
the pages of the run's periods from `page_url`), fetches each page and decides per page: its
Excel download when it links one and `prefer_excel` is on, else its HTML tables. The run is
skipped when every page (and the Excel link it points to) is byte-identical to the last good load —
IMDi updates the current year's page during the year (the interim quarterly figures), which
changes its bytes and reloads that year.
"""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import urljoin

from atlas_ingest.http import UpstreamError
from atlas_ingest.kinds import Fetched, Plan, PlannedRequest, RunContext, store_response

log = logging.getLogger("atlas_ingest.families.imdi")


class ImdiPageError(RuntimeError):
    """A page or download is not where, or not what, the manifest expects (names the URL)."""


def page_links(html: str, base_url: str, pattern: str) -> dict[int, str]:
    """{year: absolute URL} of the links on `html` whose absolute URL matches `pattern`."""
    from bs4 import BeautifulSoup

    out: dict[int, str] = {}
    for a in BeautifulSoup(html, "lxml").find_all("a", href=True):
        url = urljoin(base_url, a["href"].strip())
        if m := re.search(pattern, url):
            out.setdefault(int(m.group("year")), url)
    return out


def excel_link(html: str, base_url: str, suffixes: list[str]) -> str | None:
    from bs4 import BeautifulSoup

    for a in BeautifulSoup(html, "lxml").find_all("a", href=True):
        href = a["href"].strip()
        if any(href.lower().split("?")[0].endswith(s) for s in suffixes):
            return urljoin(base_url, href)
    return None


def requested_years(ctx: RunContext) -> list[int] | None:
    periods = getattr(ctx, "periods", None) or ctx.params.get("periods")
    return sorted({int(str(p)[:4]) for p in periods}, reverse=True) if periods else None


class ImdiPagesAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        wanted = requested_years(ctx)
        fetched: list[Fetched] = []
        if wanted:
            pages = {year: opts.page_url.format(year=year) for year in wanted}
        else:
            index = ctx.client.get(opts.index_url)
            fetched.append(store_response(ctx.landing, index, "index"))
            found = page_links(index.text, opts.index_url, opts.page_pattern)
            if not found:
                raise ImdiPageError(f"{m.id}: the index page {opts.index_url} links no page matching "
                                    f"{opts.page_pattern!r}; IMDi may have moved its key-figure pages")
            pages = dict(sorted(found.items(), reverse=True)[: opts.years])
        requests: list[PlannedRequest] = []
        versions = []
        for year, url in pages.items():
            try:
                page = ctx.client.get(url)
            except UpstreamError as exc:
                if wanted and exc.status == 404:
                    log.warning("%s: IMDi has no page for %s (%s answered 404)", m.id, year, url)
                    continue
                raise
            fetched.append(store_response(ctx.landing, page, "page", {"year": year}))
            digest = hashlib.sha256(page.body).hexdigest()[:12]
            download = excel_link(page.text, url, opts.excel_suffixes) if opts.prefer_excel else None
            if download:
                requests.append(PlannedRequest("GET", download, role="excel", meta={"year": year, "page": url}))
            versions.append(f"{year}:{digest}" + (f":{download.rsplit('/', 1)[-1]}" if download else ""))
        version = "; ".join(versions)
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = None
        if not versions:
            skip = f"IMDi has no page for the year(s) asked for ({', '.join(map(str, wanted or []))})"
        elif previous == version and not wanted:
            skip = f"IMDi's pages are unchanged since the last load ({version})"
        return Plan(requests, skip_reason=skip, upstream_version=version, fetched=fetched,
                    notes={"pages": {str(y): u for y, u in pages.items()}, "excel": len(requests)})

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        out = []
        for req in plan.requests:
            try:
                response = ctx.client.request(req.method, req.url)
            except UpstreamError as exc:
                raise ImdiPageError(
                    f"{ctx.manifest.id}: the Excel download linked from {req.meta['page']} ({req.url}) answered "
                    f"{exc.status}: IMDi has moved or removed the file. Nothing was loaded; raw keeps the last "
                    "good data. Check the page for the new link (or set fetch.options.prefer_excel: false to "
                    "read the page's HTML tables).") from None
            out.append(store_response(ctx.landing, response, req.role, req.meta))
        return out


def text_of(ctx: RunContext, f: Fetched) -> str:
    body = ctx.landing.get(f.key)
    match = re.search(r"charset=([\w-]+)", f.content_type or "")
    return body.decode(match.group(1) if match else "utf-8", errors="replace")
