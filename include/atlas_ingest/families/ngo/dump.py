"""`static_dump`: an export handed over as one file (the Red Cross getOrganizations dump).

discover reads the file — from the manifest's `fetch.options.path` when set (absolute, or
relative to the project root), otherwise from `fetch.endpoint` through the shared HTTP client
(live, or the snapshots in replay) — and compares its sha256 with the last successful run:
unchanged bytes skip the run. The body goes to the landing store as `plan.fetched`, so `fetch`
has nothing left to request. A JSON export's `metadata.timestamp`, when present, is recorded as
the upstream update time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path

from atlas_ingest.kinds import Fetched, Plan, RunContext, store_response
from atlas_ingest.settings import PROJECT_ROOT

log = logging.getLogger("atlas_ingest.ngo.dump")


class DumpError(RuntimeError):
    pass


def resolve_path(path: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p


def _export_timestamp(body: bytes) -> datetime | None:
    try:
        stamp = json.loads(body).get("metadata", {}).get("timestamp")
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
    except (ValueError, AttributeError, TypeError):
        return None


class StaticDumpAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        if opts.path:
            path = resolve_path(opts.path)
            if not path.is_file():
                raise DumpError(f"{m.id}: the export {path} (fetch.options.path) does not exist or is not a file")
            body = path.read_bytes()
            fetched = Fetched(role="file", method="FILE", url=path.as_uri(), params=[], json_body=None,
                              key=ctx.landing.put(body), status=200, bytes=len(body),
                              content_type="application/json" if path.suffix == ".json" else None,
                              meta={"path": str(path)})
            log.info("%s: read the export from %s (%d bytes)", m.id, path, len(body))
        else:
            response = ctx.client.get(m.fetch.endpoint)
            body = response.body
            fetched = store_response(ctx.landing, response, "file", {"url": m.fetch.endpoint})
        if len(body) < opts.min_bytes:
            raise DumpError(f"{m.id}: the export {fetched.locator} has {len(body)} bytes, fewer than "
                            f"fetch.options.min_bytes {opts.min_bytes}: refusing a truncated file")
        version = f"sha256:{hashlib.sha256(body).hexdigest()}"
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = (f"the export is byte-identical to the last successful run ({version[:19]}…)"
                if previous == version else None)
        return Plan([], skip_reason=skip, upstream_version=version, upstream_updated=_export_timestamp(body),
                    fetched=[fetched], notes={"bytes": len(body), "export": fetched.locator})

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        return []
