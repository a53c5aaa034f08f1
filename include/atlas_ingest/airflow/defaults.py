"""default_args, tags and schedules shared by every Atlas DAG."""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum

from atlas_ingest.manifest import Cadence, EuTheme, Provider

OWNER = "atlas-data"
# Static, in the past, and the same for every DAG: backfills start here, never "now".
START_DATE = pendulum.datetime(2024, 1, 1, tz="Europe/Oslo")

# Tags come from this vocabulary only (tested), so the UI's tag filter stays useful.
TAG_VOCABULARY = frozenset(
    {"atlas", "ingest", "marts", "api", "scrape", "reference", "sensitive", "dbt", "gx"}
    | {p.value for p in Provider}
    | {t.value.lower() for t in EuTheme}
)

# Each step's own time budget: a hung request or a runaway parse fails instead of blocking.
STEP_TIMEOUTS = {
    "discover": timedelta(minutes=10),
    "fetch": timedelta(minutes=90),
    "parse": timedelta(minutes=30),
    "load": timedelta(minutes=30),
    "validate_raw": timedelta(minutes=15),
}

# Annual tables are checked monthly (discover skips them when upstream has not changed).
SCHEDULE_BY_CADENCE: dict[Cadence, str] = {
    Cadence.daily: "0 6 * * *",
    Cadence.weekly: "0 6 * * 1",
    Cadence.monthly: "0 6 5 * *",
    Cadence.quarterly: "0 6 5 1,4,7,10 *",
    Cadence.annual: "0 6 3 * *",
    Cadence.irregular: "0 6 3 * *",
}
_FREQUENCY_ORDER = [Cadence.daily, Cadence.weekly, Cadence.monthly, Cadence.quarterly, Cadence.annual,
                    Cadence.irregular]


def retry_delay() -> timedelta:
    """One minute in production; `make demo` and the tests set ATLAS_RETRY_DELAY_SECONDS=1 so a
    failing task (which `airflow dags test` retries for real) fails fast."""
    return timedelta(seconds=float(os.environ.get("ATLAS_RETRY_DELAY_SECONDS", "60")))


def default_args() -> dict:
    from atlas_ingest.airflow.notifiers import AtlasNotifier

    return {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": retry_delay(),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=20),
        "execution_timeout": timedelta(minutes=60),
        "on_failure_callback": [AtlasNotifier("task_failed")],
        "on_retry_callback": [AtlasNotifier("task_retry")],
    }


def family_schedule(cadences: list[Cadence], overrides: list[str]) -> str:
    distinct = sorted(set(overrides))
    if len(distinct) > 1:
        raise ValueError(f"sources of one family set different schedules: {distinct}")
    if distinct:
        return distinct[0]
    most_frequent = min(cadences, key=_FREQUENCY_ORDER.index)
    return SCHEDULE_BY_CADENCE[most_frequent]


def run_failure_callbacks() -> list:
    """The DAG's own on_failure_callback: one summary alert per failed run."""
    from atlas_ingest.airflow.notifiers import AtlasRunFailedNotifier

    return [AtlasRunFailedNotifier()]
