"""Find and download a Bufdir monitor's ZIP (`fetch.kind: bufdir_zip`).

The monitor page (www.bufdir.no/statistikk-og-analyse/monitor/<monitor>/) links the edition's
whole dataset as one ZIP on Bufdir's CMS uploads host, e.g.
`…/uploads/2025_07_31_barnefattigdom_monitor_e7fc16129b.zip` or
`…/uploads/Kommunemonitor_barnevern_2026_09_04_cedc894149.zip`; the file name (and even the host)
change with each edition, so discover reads the page every run and takes the one link matching the
manifest's `zip_pattern` — several matches are an error that lists them, never a guess.

discover downloads the ZIP, records its sha256 (and `Last-Modified`) and, unless the run asks for
named periods, skips the run when the ZIP is byte-identical to the last successful run's. The
bodies go to the landing store with the plan; fetch has nothing left to do.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from typing import Any
from urllib.parse import urljoin

from atlas_ingest.kinds import Fetched, Plan, RunContext, store_response

ZIP_URL = re.compile(r"""(?:https?://|/)[^\s"'<>()\\]+?\.zip\b""", re.I)


class BufdirMonitorError(RuntimeError):
    pass


def zip_links(html: str, page_url: str, pattern: str) -> list[str]:
    """Every distinct .zip URL in the page (anchors, and URLs inside the SPA's embedded JSON or
    markdown) that matches the manifest's pattern, absolute, in page order."""
    wanted = re.compile(pattern, re.I)
    out: list[str] = []
    for match in ZIP_URL.finditer(html.replace("\\/", "/")):
        url = urljoin(page_url, match.group(0))
        if wanted.search(url) and url not in out:
            out.append(url)
    return out


class BufdirMonitorAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        page = ctx.client.get(opts.page)
        fetched: list[Fetched] = [store_response(ctx.landing, page, "page", {"page": opts.page})]
        links = zip_links(page.text, opts.page, opts.zip_pattern)
        if not links:
            every = zip_links(page.text, opts.page, r"\.zip")
            raise BufdirMonitorError(
                f"{m.id}: no ZIP link matching {opts.zip_pattern!r} on {opts.page} "
                f"(ZIP links on the page: {every[:10] or 'none'}); Bufdir may have restructured the page")
        if len(links) > 1:
            raise BufdirMonitorError(f"{m.id}: {len(links)} ZIP links on {opts.page} match {opts.zip_pattern!r}: "
                                     f"{links}; tighten fetch.options.zip_pattern to choose one")
        response = ctx.client.get(links[0])
        if len(response.body) > opts.max_zip_bytes:
            raise BufdirMonitorError(f"{m.id}: {links[0]} is {len(response.body):,} bytes, over the manifest's "
                                     f"max_zip_bytes {opts.max_zip_bytes:,}")
        version = f"sha256:{hashlib.sha256(response.body).hexdigest()}"
        updated = None
        if response.last_modified:
            try:
                updated = email.utils.parsedate_to_datetime(response.last_modified)
            except (TypeError, ValueError):
                updated = None
        fetched.append(store_response(ctx.landing, response, "zip", {"url": links[0]}))
        notes: dict[str, Any] = {"zip": links[0], "bytes": len(response.body)}
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = None
        if previous == version and not ctx.periods:
            skip = f"the monitor's ZIP is byte-identical to the last successful run's ({version[:19]}…)"
        return Plan([], skip_reason=skip, upstream_updated=updated, upstream_version=version, fetched=fetched,
                    notes=notes)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        return []
