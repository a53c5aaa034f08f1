"""Helfo's fastlege statistics from Helsedirektoratet's developer-portal API (`json_api` /
`api: helsedir_fastlege`, source `helsedir-fastlege`). Never the Power BI dashboard.

The API sits behind Azure API Management at `fetch.endpoint` (https://api.helsedirektoratet.no)
and needs a subscription key from utvikler.helsedirektoratet.no, sent as `Ocp-Apim-Subscription-Key`.
The key is the password of the Airflow connection named in the manifest's `fetch.auth_conn_id`
(`helsedir_api`), read at execute time (env `AIRFLOW_CONN_HELSEDIR_API`, the metadata DB or a
secrets backend) and never written anywhere: snapshots are keyed by method, URL and parameters
only, and the HTTP client records no request headers. Without a key a live or record run fails
in discover with a message naming the connection to create; replay needs none.

    discover  GET {endpoint}{periods_path}            the published months (first-of-month dates)
              → the months to load: the run's `periods` (a backfill's or the `periods` param),
                those upstream has not published dropped with a note; otherwise the latest
                `latest_months`. Skipped when the published months (and their publication
                stamps) are what the last successful run saw.
    fetch     GET {endpoint}{data_path}?{period_param}=YYYY-MM-01   one request per month
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from atlas_ingest.kinds import Fetched, Plan, PlannedRequest, RunContext, store_response
from atlas_ingest.periods import PeriodError, parse_period

log = logging.getLogger("atlas_ingest.helsedirektoratet")


class ApiKeyMissing(RuntimeError):
    pass


class HelsedirApiError(RuntimeError):
    pass


def api_key(source_id: str, conn_id: str | None) -> str:
    """The subscription key: the password of Airflow connection `conn_id`."""
    how = (f"create the Airflow connection {conn_id!r} with the Helsedirektoratet API subscription key "
           "(utvikler.helsedirektoratet.no) as its password — Admin → Connections, "
           f"`airflow connections add {conn_id} --conn-type http --conn-password <key>`, or the environment "
           f"variable AIRFLOW_CONN_{(conn_id or '').upper()}='http://:<key>@api.helsedirektoratet.no'")
    if not conn_id:
        raise ApiKeyMissing(f"{source_id}: fetch.auth_conn_id must name the Airflow connection holding the "
                            "Helsedirektoratet API key")
    try:
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises, the fix is the same
        raise ApiKeyMissing(f"{source_id}: no Helsedirektoratet API key: {how} "
                            f"({type(exc).__name__}: {str(exc).strip()})") from None
    if not conn.password:
        raise ApiKeyMissing(f"{source_id}: the Airflow connection {conn_id!r} has no password; {how}")
    return conn.password


def key_headers(ctx: RunContext) -> dict[str, str]:
    """The key header for live and record runs; replay answers from snapshots and needs no key."""
    if ctx.client.mode == "replay":
        return {}
    opts = ctx.manifest.fetch_options().root
    return {opts.key_header: api_key(ctx.manifest.id, ctx.manifest.fetch.auth_conn_id)}


def published_months(doc: Any) -> dict[str, str | None]:
    """`{"perioder": [{"periode": "YYYY-MM-01", "publisert": …}]}` → {"YYYYMmm": publisert}."""
    entries = doc.get("perioder") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise HelsedirApiError(f"the periods answer has no `perioder` list (keys: "
                               f"{sorted(doc) if isinstance(doc, dict) else type(doc).__name__})")
    months: dict[str, str | None] = {}
    for entry in entries:
        raw = str((entry or {}).get("periode") or "")
        try:
            month = parse_period(raw[:7], "P1M").period_id
        except PeriodError as exc:
            raise HelsedirApiError(f"the periods answer lists {raw!r}, not a first-of-month date: {exc}") from None
        if raw[7:] not in ("", "-01"):
            raise HelsedirApiError(f"the periods answer lists {raw!r}: the statistics are first-of-month snapshots")
        months[month] = entry.get("publisert")
    return dict(sorted(months.items()))


def first_of_month(period_id: str) -> str:
    period = parse_period(period_id, "P1M")
    return period.start.isoformat()


def choose_months(available: dict[str, str | None], wanted: list[str] | None,
                  latest: int) -> tuple[list[str], list[str]]:
    """(months to load, months asked for that upstream has not published)."""
    if wanted:
        return [m for m in wanted if m in available], [m for m in wanted if m not in available]
    return list(available)[-latest:], []


def _stamp(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


class HelsedirFastlegeAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options().root
        headers = key_headers(ctx)
        periods_url = f"{m.fetch.endpoint}{opts.periods_path}"
        response = ctx.client.get(periods_url, headers=headers)
        listing = store_response(ctx.landing, response, "periods", {"url": periods_url})
        available = published_months(response.json())
        if not available:
            raise HelsedirApiError(f"{m.id}: {periods_url} lists no published month")
        months, unpublished = choose_months(available, ctx.periods, opts.latest_months)
        notes: dict[str, Any] = {"published_months": len(available), "latest_published": list(available)[-1],
                                 "months": months}
        if unpublished:
            notes["not_published"] = unpublished
            log.info("%s: upstream has not published %s; skipping those", m.id, ", ".join(unpublished))
        if not months:
            return Plan([], skip_reason=f"none of the requested months {unpublished} is published", fetched=[listing],
                        notes=notes)
        digest = hashlib.sha256(json.dumps(available, sort_keys=True).encode()).hexdigest()[:16]
        version = f"{months[-1]}:sha256:{digest}"
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = (f"the published months are unchanged since the last successful run ({version})"
                if previous == version and not ctx.periods else None)
        data_url = f"{m.fetch.endpoint}{opts.data_path}"
        requests = [PlannedRequest("GET", data_url, [(opts.period_param, first_of_month(month))], role="data",
                                   meta={"period": month}) for month in months]
        return Plan(requests, skip_reason=skip, upstream_version=version,
                    upstream_updated=_stamp(available[months[-1]]), fetched=[listing], notes=notes)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        headers = key_headers(ctx)
        out = []
        for req in plan.requests:
            response = ctx.client.get(req.url, params=req.params, headers=headers)
            out.append(store_response(ctx.landing, response, req.role, req.meta))
        return out
