"""The "Atlas health" page: marts.mart_ingest_health in the Airflow 3 UI.

A FastAPI app mounted by the plugin in `plugins/atlas_health.py` at `/atlas` on the api-server:
`/atlas/health` (HTML, linked from the UI's navigation) and `/atlas/health.json`. Each source
links to its latest run in the Airflow UI. Reads the warehouse per request; before the marts
exist it says so instead of failing.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

log = logging.getLogger("atlas_ingest.health")

COLUMNS = ("source_id", "family", "cadence", "last_run_status", "last_run_started_at", "last_success_at",
           "last_success_rows", "raw_rows", "last_run_quarantined", "quarantined_total", "age_days",
           "freshness_budget_days", "freshness_status", "last_error", "last_run_dag_id", "last_run_id", "title")


def read_health(url: str | None = None) -> list[dict[str, Any]]:
    from atlas_ingest import warehouse

    with warehouse.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('marts.mart_ingest_health') IS NOT NULL").fetchone()[0]
        if not exists:
            raise LookupError("marts.mart_ingest_health is not built yet: run the atlas_marts DAG")
        cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM marts.mart_ingest_health "
                           "ORDER BY CASE freshness_status WHEN 'stale' THEN 0 WHEN 'warn' THEN 1 ELSE 2 END, source_id")
        return [dict(zip(COLUMNS, row)) for row in cur.fetchall()]


def run_link(row: dict[str, Any]) -> str | None:
    if not row.get("last_run_dag_id") or not row.get("last_run_id"):
        return None
    return f"/dags/{quote(row['last_run_dag_id'])}/runs/{quote(row['last_run_id'], safe='')}"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def render_page(rows: list[dict[str, Any]] | None, problem: str | None = None) -> str:
    head = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Atlas health</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1b1f24}table{border-collapse:collapse}
td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}
.ok{color:#1a7f37}.warn{color:#9a6700}.stale{color:#cf222e;font-weight:600}.failed{color:#cf222e}
.err{white-space:normal;max-width:28rem;color:#57606a;font-size:12px}</style></head><body>
<h1>Atlas health</h1><p>Every source's last run, last success and freshness against its cadence
(<code>marts.mart_ingest_health</code>). ok: within budget · warn: up to 1.5× · stale: beyond, or never loaded.</p>"""
    if problem:
        return head + f"<p class='stale'>{html.escape(problem)}</p></body></html>"
    counts = {s: sum(1 for r in rows if r["freshness_status"] == s) for s in ("ok", "warn", "stale")}
    summary = " · ".join(f"<span class='{s}'>{n} {s}</span>" for s, n in counts.items())
    lines = [f"<p>{len(rows)} sources: {summary}</p><table><thead><tr>",
             "<th>source</th><th>freshness</th><th>age (days) / budget</th><th>last run</th><th>started</th>"
             "<th>last success</th><th>rows loaded</th><th>rows in raw</th><th>quarantined (last / all)</th>"
             "<th>last error</th></tr></thead><tbody>"]
    for r in rows:
        link = run_link(r)
        status = _cell(r["last_run_status"])
        status_html = f"<a href='{html.escape(link)}' target='_top'>{status}</a>" if link else status
        lines.append(
            f"<tr><td title='{_cell(r['title'])}'>{_cell(r['source_id'])}</td>"
            f"<td class='{r['freshness_status']}'>{r['freshness_status']}</td>"
            f"<td>{_cell(r['age_days'])} / {_cell(r['freshness_budget_days'])}</td>"
            f"<td class='{'failed' if r['last_run_status'] == 'failed' else ''}'>{status_html}</td>"
            f"<td>{_cell(r['last_run_started_at'])}</td><td>{_cell(r['last_success_at'])}</td>"
            f"<td>{_cell(r['last_success_rows'])}</td><td>{_cell(r['raw_rows'])}</td>"
            f"<td>{_cell(r['last_run_quarantined'])} / {_cell(r['quarantined_total'])}</td>"
            f"<td class='err'>{_cell(r['last_error'])}</td></tr>")
    lines.append("</tbody></table></body></html>")
    return head + "".join(lines)


def create_app():
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, JSONResponse

    app = FastAPI(title="Atlas health", docs_url=None, redoc_url=None)

    @app.get("/health", response_class=HTMLResponse)
    def health_page() -> HTMLResponse:
        try:
            return HTMLResponse(render_page(read_health()))
        except Exception as exc:  # noqa: BLE001 - a page, not a traceback
            log.warning("Atlas health page: %s", exc)
            return HTMLResponse(render_page(None, str(exc).splitlines()[0]), status_code=503)

    @app.get("/health.json")
    def health_json() -> JSONResponse:
        try:
            rows = read_health()
        except Exception as exc:  # noqa: BLE001
            return JSONResponse({"error": str(exc).splitlines()[0]}, status_code=503)
        for row in rows:
            row["run_url"] = run_link(row)
        return JSONResponse(_jsonable(rows))

    return app


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)
        return value

    return [{k: convert(v) for k, v in row.items()} for row in rows]
