"""Alerts: one message builder, delivered to whatever targets are configured.

Every alert is first a structured log line (JSON after `ATLAS_ALERT`, logger `atlas_ingest.alerts`)
that log shippers can match. It is then sent, through apprise, to each alert target that exists
as an Airflow connection:

| connection id          | what it holds                                                       |
|------------------------|---------------------------------------------------------------------|
| `atlas_alerts_smtp`    | SMTP host, port, login, password; extra `{"from": …, "to": "a@x,b@y"}` |
| `atlas_alerts_slack`   | the Slack incoming-webhook URL as the password (or extra `url`)      |
| `atlas_alerts_webhook` | an HTTP endpoint (host, port, schema = path) that receives JSON, or extra `{"apprise_url": …}` for any apprise service (Teams, Discord, …) |

None configured: the log line is the alert. A target that fails is logged and never fails the
task or hides the original error.

Events: `task_failed` and `task_retry` (task callbacks), `dag_failed` (one summary per failed run,
the DAG's own callback), `source_stale` (the marts DAG, from mart_ingest_health).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any
from urllib.parse import quote, urlencode

from airflow.sdk import BaseNotifier

log = logging.getLogger("atlas_ingest.alerts")

ALERT_CONNECTIONS = ("atlas_alerts_smtp", "atlas_alerts_slack", "atlas_alerts_webhook")


def _first_line(exception: Any) -> str | None:
    if exception is None:
        return None
    if isinstance(exception, str):
        lines = exception.strip().splitlines()
        return lines[0] if lines else None
    lines = str(exception).strip().splitlines()
    return f"{type(exception).__name__}: {lines[0] if lines else ''}".strip()


def alert_payload(context: dict[str, Any], event: str) -> dict[str, Any]:
    ti = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    task_id = getattr(ti, "task_id", None)
    group = task_id.split(".", 1)[0] if task_id and "." in task_id else None
    return {
        "event": event,
        "dag_id": getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", None)
        or getattr(context.get("dag"), "dag_id", None),
        "task_id": task_id,
        "source_id": group,
        "run_id": getattr(dag_run, "run_id", None) or context.get("run_id"),
        "try_number": getattr(ti, "try_number", None),
        "log_url": getattr(ti, "log_url", None),
        "error": _first_line(context.get("exception")) or _first_line(context.get("reason")),
    }


def _connection(conn_id: str):
    """The connection, from the environment (AIRFLOW_CONN_*) or Airflow; None when not configured."""
    try:
        from airflow.sdk import Connection

        env = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if env:
            return Connection.from_uri(env, conn_id=conn_id) if env.strip()[:1] != "{" else \
                Connection.from_json(env, conn_id=conn_id)
        return Connection.get(conn_id)
    except Exception:  # noqa: BLE001 - a missing or unreadable connection means "not configured"
        return None


def apprise_url(conn_id: str, conn) -> str | None:
    """Translate an alert connection into an apprise URL."""
    extra = conn.extra_dejson if conn.extra else {}
    if extra.get("apprise_url"):
        return extra["apprise_url"]
    if conn_id == "atlas_alerts_slack":
        return extra.get("url") or conn.password or conn.host
    if conn_id == "atlas_alerts_webhook":
        if not conn.host:
            return None
        scheme = "jsons" if (conn.conn_type == "https" or extra.get("https")) else "json"
        path = "/" + (conn.schema or extra.get("path") or "").lstrip("/")
        port = f":{conn.port}" if conn.port else ""
        return f"{scheme}://{conn.host}{port}{path}"
    if conn_id == "atlas_alerts_smtp":
        if not conn.host or not extra.get("to"):
            return None
        auth = f"{quote(conn.login or '')}:{quote(conn.password or '')}@" if conn.login else ""
        port = f":{conn.port}" if conn.port else ""
        query = {"smtp": conn.host, "to": extra["to"], "from": extra.get("from", f"atlas-ingest@{conn.host}")}
        scheme = "mailtos" if extra.get("secure") else "mailto"
        return f"{scheme}://{auth}{conn.host}{port}?{urlencode(query)}"
    return None


def configured_targets() -> list[tuple[str, str]]:
    targets = []
    for conn_id in ALERT_CONNECTIONS:
        conn = _connection(conn_id)
        if conn is None:
            continue
        url = apprise_url(conn_id, conn)
        if url:
            targets.append((conn_id, url))
        else:
            log.warning("alert connection %s is incomplete; see atlas_ingest.airflow.notifiers", conn_id)
    return targets


def render(payload: dict[str, Any]) -> tuple[str, str]:
    what = {"task_failed": "task failed", "task_retry": "task will retry", "dag_failed": "DAG run failed",
            "source_stale": "sources are stale"}.get(payload["event"], payload["event"])
    title = f"[Atlas] {what}: {payload.get('dag_id') or ''} {payload.get('task_id') or ''}".strip()
    lines = [f"{k}: {v}" for k, v in payload.items() if v not in (None, "", [])]
    return title, "\n".join(lines)


def send(payload: dict[str, Any]) -> list[str]:
    """Log the alert, then deliver it to each configured target; returns the targets reached."""
    log.error("ATLAS_ALERT %s", json.dumps(payload, ensure_ascii=False, default=str))
    reached = []
    targets = configured_targets()
    if not targets:
        return reached
    import apprise

    title, body = render(payload)
    for conn_id, url in targets:
        notifier = apprise.Apprise()
        if not notifier.add(url):
            log.warning("alert target %s: apprise does not understand its URL", conn_id)
            continue
        try:
            ok = notifier.notify(title=title, body=body)
        except Exception as exc:  # noqa: BLE001 - an alert channel must never mask the failure
            log.warning("alert target %s failed: %s", conn_id, exc)
            continue
        (reached.append(conn_id) if ok else log.warning("alert target %s did not accept the alert", conn_id))
    return reached


class AtlasNotifier(BaseNotifier):
    """Task callbacks (`on_failure_callback`, `on_retry_callback`)."""

    def __init__(self, event: str = "task_failed"):
        super().__init__()
        self.event = event

    def notify(self, context: dict[str, Any]) -> None:
        send(alert_payload(context, self.event))


class AtlasRunFailedNotifier:
    """The DAG's own `on_failure_callback`: one summary per failed run, naming the failed tasks.

    A plain callable rather than a BaseNotifier: DAG callbacks receive a serialized DAG, which
    BaseNotifier's template rendering cannot handle in Airflow 3.3 (seen under `dags test`)."""

    def __call__(self, context: dict[str, Any]) -> None:
        self.notify(context)

    def notify(self, context: dict[str, Any]) -> None:
        payload = alert_payload(context, "dag_failed")
        dag_run = context.get("dag_run")
        failed: list[str] = []
        try:
            failed = sorted(ti.task_id for ti in dag_run.get_task_instances(state="failed"))
        except Exception:  # noqa: BLE001 - the summary goes out with what is known
            pass
        if not failed and payload["task_id"]:
            failed = [payload["task_id"]]  # the callback context carries the task that failed the run
        payload["task_id"] = None
        payload["try_number"] = None
        payload["failed_tasks"] = failed
        payload["source_ids"] = sorted({t.split(".", 1)[0] for t in failed if "." in t})
        send(payload)
