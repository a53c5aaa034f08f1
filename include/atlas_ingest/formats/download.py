"""Whole-file sources (a register, an Excel report, a dump): download, detect change, hand over.

discover downloads each file (conditional GET with the last ETag/Last-Modified when upstream
sends them) and compares the bodies' sha256 with the last successful run: unchanged bytes mean
nothing to do. The bodies discover already holds go to the landing store as `plan.fetched`, so
`fetch` has nothing left to request and never downloads twice.
"""

from __future__ import annotations

import hashlib

from atlas_ingest.kinds import Fetched, Plan, RunContext, store_response


class FileDownloadAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        opts = ctx.manifest.fetch_options()
        urls = list(getattr(opts, "urls", None) or [ctx.manifest.fetch.endpoint])
        fetched: list[Fetched] = []
        digest = hashlib.sha256()
        for url in urls:
            response = ctx.client.get(url)
            digest.update(response.body)
            fetched.append(store_response(ctx.landing, response, "file", {"url": url}))
        version = f"sha256:{digest.hexdigest()}"
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = f"the file(s) are byte-identical to the last successful run ({version[:19]}…)" if previous == version else None
        return Plan([], skip_reason=skip, upstream_version=version, fetched=fetched,
                    notes={"files": len(urls), "bytes": sum(f.bytes for f in fetched)})

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        return []


class WorkbookTooSmall(RuntimeError):
    pass


class WorkbookDownloadAdapter:
    """`excel`: one workbook per period, downloaded in discover (see WorkbookDownloadOptions)."""

    def discover(self, ctx: RunContext) -> Plan:
        from atlas_ingest.periods import parse_period

        m = ctx.manifest
        opts = m.fetch_options()
        grain = m.period_grain.value
        by_period = {parse_period(f.period, grain).period_id: f for f in opts.files}
        wanted = [p for p in (ctx.periods or []) if p in by_period] if ctx.periods else list(by_period)
        missing = [p for p in (ctx.periods or []) if p not in by_period]
        fetched: list[Fetched] = []
        digest = hashlib.sha256()
        for period in wanted:
            file = by_period[period]
            response = ctx.client.get(file.url)
            if len(response.body) < opts.min_bytes:
                raise WorkbookTooSmall(f"{m.id}: {file.url} (period {period}) has {len(response.body)} bytes, fewer "
                                       f"than fetch.options.min_bytes {opts.min_bytes}: refusing a truncated file")
            digest.update(response.body)
            fetched.append(store_response(ctx.landing, response, "file", {"url": file.url, "period": period}))
        notes = {"files": len(fetched), "periods": wanted, "bytes": sum(f.bytes for f in fetched)}
        if missing:
            notes["not_published"] = missing
        if not fetched:
            return Plan([], skip_reason=f"no workbook is listed for the requested period(s) {missing}", notes=notes)
        version = f"sha256:{digest.hexdigest()}"
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = (f"the workbook(s) are byte-identical to the last successful run ({version[:19]}…)"
                if previous == version and not ctx.periods else None)
        return Plan([], skip_reason=skip, upstream_version=version, fetched=fetched, notes=notes)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        return []
