"""Build one DAG per provider family from its sources' manifests.

Per source, a TaskGroup `<source_id>` with `discover → fetch → parse → load → validate_raw`.
`discover` is a short-circuit: when upstream has not changed (or the run's `sources` param leaves
the source out) the rest of the group is skipped, visibly, instead of doing work. `validate_raw`
carries the family's outlet Asset, so the marts DAG is triggered only by validated raw data.

Parse-time cost is kept to YAML + pydantic: no database, network, Variable or heavy import here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from atlas_ingest.airflow.defaults import (
    START_DATE,
    STEP_TIMEOUTS,
    default_args,
    family_schedule,
    run_failure_callbacks,
)
from atlas_ingest.manifest import FetchKind, Manifest, PresentationPolicy, manifests_for_family

SCRAPED = {FetchKind.html, FetchKind.sitemap_scrape}


def raw_asset_uri(family: str) -> str:
    return f"atlas://raw/{family}"


# ---------------------------------------------------------------- task callables (run in workers)
def _context(source_id: str):
    from airflow.sdk import get_current_context

    from atlas_ingest.pipeline import make_context

    ctx = get_current_context()
    dag_run = ctx["dag_run"]
    params = dict(ctx.get("params") or {})
    return make_context(
        source_id,
        run_key=dag_run.run_id,
        dag_id=dag_run.dag_id,
        data_interval_start=ctx.get("data_interval_start"),
        data_interval_end=ctx.get("data_interval_end"),
        force=bool(params.get("force", False)),
        params=params,
        # the Task SDK's DagRunType is a str Enum whose str() is "DagRunType.BACKFILL": use .value
        run_type=getattr(getattr(dag_run, "run_type", None), "value", None) or getattr(dag_run, "run_type", None),
    ), params


def discover_step(source_id: str) -> dict[str, Any] | bool:
    import logging

    from atlas_ingest import pipeline

    from airflow.sdk import get_current_context

    # Checked before the run context is built: the run's `periods` are read in the selected
    # sources' grain (`2025-11` is a month to NAV's monthly tables and no period at all to a
    # quarterly one), so an unselected source must not try to parse them.
    selected = (get_current_context().get("params") or {}).get("sources") or []
    if selected and source_id not in selected:
        logging.getLogger("atlas_ingest.pipeline").info(
            "%s: not in this run's `sources` param %s; skipping", source_id, selected)
        return False
    ctx, _params = _context(source_id)
    result = pipeline.discover(ctx)
    return False if result["skip"] else result


def fetch_step(source_id: str, discovered: dict[str, Any]) -> dict[str, Any]:
    from atlas_ingest import pipeline

    return pipeline.fetch(_context(source_id)[0], discovered)


def parse_step(source_id: str, fetched: dict[str, Any]) -> dict[str, Any]:
    from atlas_ingest import pipeline

    return pipeline.parse(_context(source_id)[0], fetched)


def load_step(source_id: str, parsed: dict[str, Any]) -> dict[str, Any]:
    from atlas_ingest import pipeline

    return pipeline.load(_context(source_id)[0], parsed)


def validate_raw_step(source_id: str, loaded: dict[str, Any]) -> dict[str, Any]:
    from atlas_ingest import pipeline

    return pipeline.validate_raw(_context(source_id)[0], loaded)


# ---------------------------------------------------------------- DAG construction
def family_tags(manifests: list[Manifest]) -> list[str]:
    tags = {"atlas", "ingest"}
    tags |= {m.provider.value for m in manifests}
    tags |= {m.eu_theme.value.lower() for m in manifests}
    tags.add("scrape" if any(m.fetch.kind in SCRAPED for m in manifests) else "api")
    if any(m.presentation_policy is PresentationPolicy.sensitive for m in manifests):
        tags.add("sensitive")
    return sorted(tags)


def family_doc(family: str, manifests: list[Manifest], intro: str) -> str:
    rows = "\n".join(
        f"| `{m.id}` | {m.title} | {m.cadence.value} | {m.period_grain.value} | {m.eu_theme.value} | "
        f"{m.presentation_policy.value} |" for m in manifests)
    return (
        f"# {family}\n\n{intro.strip()}\n\n"
        "Each source runs `discover → fetch → parse → load → validate_raw` in its own task group; "
        "`discover` skips the rest when upstream has not changed (trigger with `force: true` to "
        "re-load anyway, or list `sources` to run only some). Validated raw data emits the asset "
        f"`{raw_asset_uri(family)}`, which schedules the `atlas_marts` DAG.\n\n"
        "| source | title | cadence | grain | theme | policy |\n|---|---|---|---|---|---|\n"
        f"{rows}\n\nSource READMEs (what, why, quirks, backfill) are on each task's *Task Docs*; "
        "the `ingest_runs` table and `mart_ingest_health` show every run.\n"
    )


def build_family_dag(family: str, *, intro: str = ""):
    from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, TaskGroup, task

    manifests = manifests_for_family(family)
    if not manifests:
        raise ValueError(f"no manifests with family {family!r} under include/sources")
    source_ids = [m.id for m in manifests]
    asset = Asset(raw_asset_uri(family), extra={"family": family, "sources": source_ids})

    dag = DAG(
        dag_id=family,
        description=f"Atlas ingest: {', '.join(source_ids)}"[:200],
        # real data intervals (Airflow 3's plain cron strings have none): a backfill run's interval
        # decides the periods it loads
        schedule=CronDataIntervalTimetable(
            family_schedule([m.cadence for m in manifests], [m.schedule for m in manifests if m.schedule]),
            timezone="Europe/Oslo"),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        on_failure_callback=run_failure_callbacks(),
        default_args=default_args(),
        tags=family_tags(manifests),
        doc_md=family_doc(family, manifests, intro),
        params={
            "sources": Param([], type="array", items={"type": "string", "enum": source_ids},
                             description="Run only these sources (empty = all)."),
            "force": Param(False, type="boolean",
                           description="Fetch and load even when upstream reports no change."),
            "periods": Param([], type="array", items={"type": "string"},
                             description="Load these periods (e.g. 2023, 2024M03) instead of the latest; "
                                         "backfills use their data interval."),
        },
    )
    with dag:
        reference_done, waiting = [], []
        for m in manifests:
            readme = m.readme()
            with TaskGroup(group_id=m.task_group_id, tooltip=m.title):
                # skip only this group's own steps, never other groups that wait for it
                discovered = task.short_circuit(
                    task_id="discover", execution_timeout=STEP_TIMEOUTS["discover"], doc_md=readme,
                    ignore_downstream_trigger_rules=False,
                    trigger_rule="all_success" if m.reference else "all_done",
                )(discover_step)(m.id)
                fetched = task(
                    task_id="fetch", doc_md=readme,
                    execution_timeout=(timedelta(minutes=m.fetch.timeout_minutes) if m.fetch.timeout_minutes
                                       else STEP_TIMEOUTS["fetch"]),
                    pool=m.fetch.pool or "default_pool",
                )(fetch_step)(m.id, discovered)
                parsed = task(task_id="parse", execution_timeout=STEP_TIMEOUTS["parse"], doc_md=readme)(
                    parse_step)(m.id, fetched)
                loaded = task(task_id="load", execution_timeout=STEP_TIMEOUTS["load"], doc_md=readme)(
                    load_step)(m.id, parsed)
                validated = task(task_id="validate_raw", execution_timeout=STEP_TIMEOUTS["validate_raw"],
                                 doc_md=readme, outlets=[asset])(validate_raw_step)(m.id, loaded)
            (reference_done if m.reference else waiting).append((validated, discovered))
        # reference data (the geography the others are checked against) loads first
        for validated, _ in reference_done:
            for _, discovered in waiting:
                validated >> discovered
    return dag
