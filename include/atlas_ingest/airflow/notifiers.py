"""Failure and retry notifications.

One swappable piece: `AtlasNotifier` builds the message (DAG, task, source id, run, try number,
log URL, the error's first line) and hands it to its targets. By default the only target is a
structured log line (JSON, logger `atlas_ingest.alerts`), which log shippers can alert on;
issue #6 adds SMTP / Slack / webhook targets read from Airflow connections.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from airflow.sdk import BaseNotifier

log = logging.getLogger("atlas_ingest.alerts")


def alert_payload(context: dict[str, Any], event: str) -> dict[str, Any]:
    ti = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    exception = context.get("exception")
    task_id = getattr(ti, "task_id", None)
    group = task_id.split(".", 1)[0] if task_id and "." in task_id else None
    error = None
    if exception is not None:
        lines = str(exception).strip().splitlines()
        error = f"{type(exception).__name__}: {lines[0] if lines else ''}".strip()
    return {
        "event": event,
        "dag_id": getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", None),
        "task_id": task_id,
        "source_id": group,
        "run_id": getattr(dag_run, "run_id", None) or context.get("run_id"),
        "try_number": getattr(ti, "try_number", None),
        "log_url": getattr(ti, "log_url", None),
        "error": error,
    }


class AtlasNotifier(BaseNotifier):
    def __init__(self, event: str = "task_failed"):
        super().__init__()
        self.event = event

    def notify(self, context: dict[str, Any]) -> None:
        payload = alert_payload(context, self.event)
        log.error("ATLAS_ALERT %s", json.dumps(payload, ensure_ascii=False, default=str))
