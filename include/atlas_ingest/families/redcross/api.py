"""The live Red Cross Organizations API (`json_api` / `api: redcross_organizations`).

Same parser as the export: the API's `getOrganizations` answer is the document the export holds
(`{data: {branches}, metadata}`), so switching a deployment from the dump to the live API is a
change of the manifest's `fetch` block only:

    fetch:
      kind: json_api
      endpoint: https://<the API's base URL>
      auth_conn_id: redcross_api          # an Airflow connection; its password is the key
      options: {api: redcross_organizations, path: /getOrganizations, key_header: <header name>}

The key is read at execute time from the Airflow connection named in `fetch.auth_conn_id`
(`AIRFLOW_CONN_REDCROSS_API` or the metadata DB / a secrets backend), sent in the configured
header, and never written anywhere: replay snapshots are keyed by method, URL, parameters and
body only, and the HTTP client records no request headers. In replay mode no key is needed.
Like the export, an unchanged answer (same sha256) skips the run.
"""

from __future__ import annotations

import hashlib

from atlas_ingest.families.ngo.dump import _export_timestamp
from atlas_ingest.kinds import Fetched, Plan, RunContext, store_response


class ApiKeyMissing(RuntimeError):
    pass


def api_key(conn_id: str) -> str:
    """The key: the password of Airflow connection `conn_id` (env var, metadata DB or secrets backend)."""
    try:
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
    except Exception as exc:  # noqa: BLE001 - the message below names what to configure
        raise ApiKeyMissing(f"the Airflow connection {conn_id!r} holding the Red Cross API key is not "
                            f"available ({type(exc).__name__}: {exc}); create it (password = the key) or set "
                            f"AIRFLOW_CONN_{conn_id.upper()}") from None
    if not conn.password:
        raise ApiKeyMissing(f"the Airflow connection {conn_id!r} has no password (the Red Cross API key)")
    return conn.password


class RedcrossApiAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options().root
        headers = {}
        if ctx.client.mode != "replay":
            if not m.fetch.auth_conn_id:
                raise ApiKeyMissing(f"{m.id}: fetch.auth_conn_id must name the Airflow connection with the API key")
            headers[opts.key_header] = api_key(m.fetch.auth_conn_id)
        url = f"{m.fetch.endpoint}{opts.path}"
        if opts.method == "POST":
            response = ctx.client.post(url, json_body=opts.body, headers=headers)
        else:
            response = ctx.client.get(url, headers=headers)
        fetched = store_response(ctx.landing, response, "data", {"url": url})
        version = f"sha256:{hashlib.sha256(response.body).hexdigest()}"
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = (f"the API answer is byte-identical to the last successful run ({version[:19]}…)"
                if previous == version else None)
        return Plan([], skip_reason=skip, upstream_version=version, upstream_updated=_export_timestamp(response.body),
                    fetched=[fetched], notes={"bytes": len(response.body)})

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        return []
