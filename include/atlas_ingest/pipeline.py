"""The five steps every source runs: discover → fetch → parse → load → validate_raw.

Each step is a plain function of (source id, run context, the previous step's small result) so
it runs the same under Airflow, from the CLI (`atlas run <source>`) and in tests. Between steps
only landing keys, counts and hashes travel (XCom-sized); data stays in the landing store and the
warehouse. Every step records itself in `raw.ingest_runs`, and a failing step records the error
before re-raising, so failed runs are visible in the warehouse as well as in the Airflow UI.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from atlas_ingest import registry, warehouse
from atlas_ingest.http import HttpClient
from atlas_ingest.kinds import (
    Fetched,
    ParseResult,
    Plan,
    PlannedRequest,
    RunContext,
    adapter_for,
    parser_for,
    resolve,
)
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import OBSERVATIONS_TABLE, FetchKind, Manifest, get_manifest
from atlas_ingest.periods import (
    CANONICAL_PERIOD_REGEX,
    PeriodError,
    parse_period,
    periods_ended_in_interval,
    periods_in_interval,
)

log = logging.getLogger("atlas_ingest.pipeline")

STEPS = ("discover", "fetch", "parse", "load", "validate_raw")
SCRAPED_KINDS = {FetchKind.html, FetchKind.sitemap_scrape}


class QuarantineThresholdExceeded(RuntimeError):
    pass


class TooFewRows(RuntimeError):
    pass


LOCAL_TZ = "Europe/Oslo"


def periods_for_run(manifest: Manifest, *, params: dict[str, Any], run_type: str | None,
                    data_interval_start: datetime | None, data_interval_end: datetime | None) -> list[str] | None:
    """Which periods a run fetches: the `periods` param; else, for a backfill (or a source that
    schedules by interval), the periods its data interval covers; else None (the latest data)."""
    if params.get("periods"):
        grain = manifest.period_grain.value
        periods = []
        for text in params["periods"]:
            try:
                periods.append(parse_period(text, grain).period_id)
            except PeriodError as err:
                raise PeriodError(f"{manifest.id}: the run's `periods` param {text!r} is not a {grain} period "
                                  f"({err}); give this source's periods, or list it apart with `sources`") from err
        return periods
    by_interval = run_type == "backfill" or (run_type == "scheduled" and manifest.schedule_periods == "interval")
    if not by_interval or data_interval_start is None:
        return None
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(LOCAL_TZ)  # the interval is cut in Norwegian local time, like the cron schedule
    start = data_interval_start.astimezone(tz).date()
    end = (data_interval_end or data_interval_start).astimezone(tz).date()
    rule = manifest.interval_periods
    if rule.rule == "ended":
        # [] (not None): no period of the source ended in this interval, so the run has nothing to
        # load — it must not fall back to the latest data
        return periods_ended_in_interval(manifest.period_grain.value, start, end, rule.lag_months)
    return periods_in_interval(manifest.period_grain.value, start, end) or None


def make_context(source_id: str, *, run_key: str | None = None, dag_id: str | None = None,
                 data_interval_start: datetime | None = None, data_interval_end: datetime | None = None,
                 force: bool = False, params: dict[str, Any] | None = None, run_type: str | None = None,
                 mode: str | None = None) -> RunContext:
    manifest = get_manifest(source_id)
    client = HttpClient(source_id=manifest.id, snapshot_dir=manifest.snapshot_dir, mode=mode,
                        respect_robots=manifest.fetch.kind in SCRAPED_KINDS)
    params = dict(params or {})
    periods = periods_for_run(manifest, params=params, run_type=run_type, data_interval_start=data_interval_start,
                              data_interval_end=data_interval_end)
    return RunContext(manifest=manifest, run_key=run_key or f"cli-{uuid.uuid4().hex[:12]}", dag_id=dag_id,
                      data_interval_start=data_interval_start, data_interval_end=data_interval_end,
                      force=force, params=params, client=client, landing=LandingStore(), run_type=run_type,
                      periods=periods)


@contextlib.contextmanager
def _recorded_step(conn, ingest_run_id: int, step: str, source_id: str) -> Iterator[None]:
    warehouse.update_run(conn, ingest_run_id, step=step, status="running")
    started = time.monotonic()
    try:
        yield
    except BaseException as exc:
        if conn.info.transaction_status != 0:  # not IDLE: a failed statement left it aborted
            conn.rollback()
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        warehouse.update_run(conn, ingest_run_id, status="failed", finished_at=datetime.now(timezone.utc),
                             error=f"{step}: {type(exc).__name__}: {str(exc)[:4000]}",
                             details={f"{step}_seconds": round(time.monotonic() - started, 3)})
        log.error("%s: step %s failed: %s", source_id, step, first_line)
        raise
    else:
        warehouse.update_run(conn, ingest_run_id, details={f"{step}_seconds": round(time.monotonic() - started, 3)})


def _count_http(conn, ingest_run_id: int, client: HttpClient, before: dict[str, int]) -> None:
    conn.execute(
        "UPDATE raw.ingest_runs SET requests = requests + %s, bytes_fetched = bytes_fetched + %s "
        "WHERE ingest_run_id = %s",
        (client.stats["requests"] - before["requests"], client.stats["bytes"] - before["bytes"], ingest_run_id))
    conn.commit()


# ------------------------------------------------------------------------------------ discover
def discover(ctx: RunContext) -> dict[str, Any]:
    m = ctx.manifest
    with warehouse.connect() as conn:
        warehouse.migrate(conn)
        registry.upsert_sources(conn, [m])
        run_id = warehouse.start_run(conn, m.id, ctx.run_key, dag_id=ctx.dag_id,
                                     data_interval_start=ctx.data_interval_start,
                                     data_interval_end=ctx.data_interval_end)
        with _recorded_step(conn, run_id, "discover", m.id):
            ctx.last_success = warehouse.last_success(conn, m.id)
            before = dict(ctx.client.stats)
            plan = adapter_for(m).discover(ctx)
            _count_http(conn, run_id, ctx.client, before)
            warehouse.update_run(conn, run_id, upstream_updated=plan.upstream_updated,
                                 upstream_version=plan.upstream_version,
                                 # the methodology this refresh was read under, kept per run: the
                                 # registry holds only the manifest's current pin
                                 details={"planned_requests": len(plan.requests),
                                          "methodology_version": m.methodology_version, **plan.notes})
            if ctx.periods:
                log.info("%s: this %s run asks for period(s) %s", m.id, ctx.run_type or "", ", ".join(ctx.periods))
            if plan.skip and not ctx.force:
                warehouse.update_run(conn, run_id, status="skipped", finished_at=datetime.now(timezone.utc),
                                     details={"skip_reason": plan.skip_reason})
                log.info("%s: nothing to do — %s", m.id, plan.skip_reason)
                return {"skip": True, "reason": plan.skip_reason, "ingest_run_id": run_id}
            if plan.skip:
                log.info("%s: %s, but force=True: fetching anyway", m.id, plan.skip_reason)
            plan_key = ctx.landing.put_json(_plan_to_json(plan))
    log.info("%s: planned %d request(s)", m.id, len(plan.requests))
    return {"skip": False, "ingest_run_id": run_id, "plan_key": plan_key, "requests": len(plan.requests)}


def _plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "requests": [asdict(r) for r in plan.requests],
        "fetched": [f.to_json() for f in plan.fetched],
        "upstream_updated": plan.upstream_updated.isoformat() if plan.upstream_updated else None,
        "upstream_version": plan.upstream_version,
        "notes": plan.notes,
    }


def _plan_from_json(data: dict[str, Any]) -> Plan:
    requests = [PlannedRequest(**{**r, "params": [tuple(p) for p in r.get("params", [])]}) for r in data["requests"]]
    updated = datetime.fromisoformat(data["upstream_updated"]) if data.get("upstream_updated") else None
    return Plan(requests, upstream_updated=updated, upstream_version=data.get("upstream_version"),
                fetched=[Fetched.from_json(f) for f in data.get("fetched", [])], notes=data.get("notes", {}))


# ------------------------------------------------------------------------------------ fetch
def fetch(ctx: RunContext, discovered: dict[str, Any]) -> dict[str, Any]:
    m = ctx.manifest
    run_id = discovered["ingest_run_id"]
    with warehouse.connect() as conn:
        with _recorded_step(conn, run_id, "fetch", m.id):
            plan = _plan_from_json(ctx.landing.get_json(discovered["plan_key"]))
            before = dict(ctx.client.stats)
            fetched = plan.fetched + adapter_for(m).fetch(ctx, plan)
            _count_http(conn, run_id, ctx.client, before)
            fetched_key = ctx.landing.put_json([f.to_json() for f in fetched])
    total = sum(f.bytes for f in fetched)
    log.info("%s: fetched %d bodies, %d bytes (landing %s)", m.id, len(fetched), total, ctx.landing.root)
    return {"ingest_run_id": run_id, "fetched_key": fetched_key, "bodies": len(fetched), "bytes": total}


# ------------------------------------------------------------------------------------ parse
def parse(ctx: RunContext, fetched_result: dict[str, Any]) -> dict[str, Any]:
    m = ctx.manifest
    run_id = fetched_result["ingest_run_id"]
    with warehouse.connect() as conn:
        with _recorded_step(conn, run_id, "parse", m.id):
            fetched = [Fetched.from_json(f) for f in ctx.landing.get_json(fetched_result["fetched_key"])]
            result: ParseResult = parser_for(m)(ctx, fetched)
            for warning in result.warnings:
                log.warning("%s: %s", m.id, warning)
            for q in result.quarantine[:20]:
                log.warning("%s: quarantined %s — %s", m.id, q["locator"], q["reason"])
            if len(result.quarantine) > 20:
                log.warning("%s: … and %d more quarantined records", m.id, len(result.quarantine) - 20)
            quarantine_key = ctx.landing.put_json(result.quarantine)
            rows = sum(t.rows for t in result.tables)
            warehouse.update_run(conn, run_id, rows_in=rows, rows_quarantined=len(result.quarantine),
                                 periods=sorted(result.periods) or None,
                                 details={"records_seen": result.records, "warnings": result.warnings[:50],
                                          **result.details})
    log.info("%s: parsed %d records → %d rows, %d quarantined, periods %s", m.id, result.records, rows,
             len(result.quarantine), ", ".join(sorted(result.periods)) or "-")
    return {
        "ingest_run_id": run_id,
        "tables": [asdict(t) for t in result.tables],
        "quarantine_key": quarantine_key,
        "records": result.records,
        "quarantined": len(result.quarantine),
        "periods": sorted(result.periods),
        **({"merge": result.merge} if result.merge else {}),
    }


# ------------------------------------------------------------------------------------ load
def raw_suite_name(table: str) -> str:
    return table.replace(".", "_")


def raw_suites(table: str, m: Manifest) -> list[str]:
    """The table's suite, plus the provider's own when it has one (e.g. raw_observations__fhi)."""
    from atlas_ingest import quality

    names = [raw_suite_name(table)]
    specific = f"{raw_suite_name(table)}__{m.provider.value}"
    if quality.suite_path(specific).exists():
        names.append(specific)
    return names


def _suite_variables(m: Manifest) -> dict[str, Any]:
    return {"source_id": m.id, "period_regex": CANONICAL_PERIOD_REGEX, "min_rows": m.min_rows,
            "provider": m.provider.value}


def load(ctx: RunContext, parsed: dict[str, Any]) -> dict[str, Any]:
    """Quarantine, stage (COPY), gate (GX on the staged rows), then replace slices atomically."""
    from atlas_ingest import quality

    m = ctx.manifest
    run_id = parsed["ingest_run_id"]
    with warehouse.connect() as conn:
        with _recorded_step(conn, run_id, "load", m.id), warehouse.source_lock(conn, m.id):
            warehouse.drop_stale_stages(conn)
            quarantine = ctx.landing.get_json(parsed["quarantine_key"])
            warehouse.insert_quarantine(conn, m.id, run_id, quarantine)
            _check_quarantine_share(m, run_id, len(quarantine), parsed["records"], quarantine)

            specs = [warehouse.TableLoad(t["table"], tuple(t["columns"]), t["slice_column"]) for t in parsed["tables"]]
            stages: list[tuple[warehouse.TableLoad, str]] = []
            try:
                for spec, table in zip(specs, parsed["tables"]):
                    stage, staged = warehouse.copy_into_stage(conn, spec, run_id, ctx.landing.get(table["key"]))
                    stages.append((spec, stage))
                    log.info("%s: staged %d rows for %s in %s", m.id, staged, spec.table, stage)
                    if spec.table == OBSERVATIONS_TABLE:
                        moved, checked = warehouse.quarantine_unplaceable_regions(
                            conn, stage, m.id, run_id, m.period_grain.value)
                        warehouse.update_run(conn, run_id, details={"regions_checked_against_klass": checked})
                        if moved:
                            log.warning("%s: %d staged rows quarantined: region codes Klass cannot place "
                                        "(see raw.quarantine, ingest_run_id %d)", m.id, moved, run_id)
                            total = len(quarantine) + moved
                            warehouse.update_run(conn, run_id, rows_quarantined=total)
                            reasons = [r for (r,) in conn.execute(
                                "SELECT DISTINCT reason FROM raw.quarantine WHERE ingest_run_id = %s LIMIT 5",
                                (run_id,)).fetchall()]
                            conn.commit()
                            _check_quarantine_share(m, run_id, total, parsed["records"],
                                                    [{"reason": r} for r in reasons])
                    for suite in raw_suites(spec.table, m):
                        quality.gate(suite, query=f"SELECT * FROM {stage}",
                                     target=f"{stage} (staged {spec.table})", variables=_suite_variables(m),
                                     extra=(_quarantine_expectation(run_id, parsed["records"], m.quarantine_max_share)
                                            if suite == raw_suite_name(spec.table) else None))
                # one transaction for every table of the source and the run's bookkeeping
                with conn.transaction():
                    if parsed.get("merge"):
                        results = resolve(parsed["merge"])(conn, stages, source_id=m.id, ingest_run_id=run_id)
                    else:
                        results = [warehouse.replace_slices(conn, spec, stage, m.id) for spec, stage in stages]
                    conn.execute("UPDATE raw.ingest_runs SET rows_out = %s, step = 'load' WHERE ingest_run_id = %s",
                                 (sum(r.inserted for r in results), run_id))
            finally:
                for _, stage in stages:
                    warehouse.drop_stage(conn, stage)
    for r in results:
        log.info("%s: %s — replaced %d slice(s) %s: %d rows out, %d rows in", m.id, r.table, len(r.slices),
                 _short(r.slices), r.deleted, r.inserted)
    return {"ingest_run_id": run_id, "loaded": {r.table: r.inserted for r in results},
            "slices": {r.table: r.slices for r in results}}


def _check_quarantine_share(m: Manifest, run_id: int, quarantined: int, records: int,
                            examples: list[dict[str, Any]]) -> None:
    share = quarantined / max(records, 1)
    if share > m.quarantine_max_share:
        reasons = sorted({q["reason"] for q in examples})[:5]
        raise QuarantineThresholdExceeded(
            f"{m.id}: {quarantined} of {records} records ({share:.1%}) were quarantined, "
            f"above the manifest's quarantine_max_share {m.quarantine_max_share:.1%}; nothing was "
            f"loaded and raw keeps the last good data. Reasons: {'; '.join(reasons)}. "
            f"See raw.quarantine where ingest_run_id = {run_id}.")


def _quarantine_expectation(run_id: int, records: int, max_share: float) -> list[dict[str, Any]]:
    allowed = int(max_share * max(records, 1))
    return [{
        "type": "unexpected_rows_expectation",
        "kwargs": {"unexpected_rows_query": (
            # joined to one row of the batch only because GX wants every such query to read it
            f"SELECT q.n FROM (SELECT count(*) AS n FROM raw.quarantine WHERE ingest_run_id = {int(run_id)}) q "
            f"CROSS JOIN (SELECT 1 FROM {{batch}} AS batch_rows LIMIT 1) b WHERE q.n > {allowed}")},
        "meta": {"why": f"at most {max_share:.1%} of a run's records may be quarantined"},
    }]


def _short(values: list[str], limit: int = 6) -> str:
    return ", ".join(values[:limit]) + (f", … (+{len(values) - limit})" if len(values) > limit else "")


# ------------------------------------------------------------------------------------ validate
def validate_raw(ctx: RunContext, loaded: dict[str, Any]) -> dict[str, Any]:
    """Re-check the source's published rows as a whole; only a success marks the run good."""
    from atlas_ingest import quality

    m = ctx.manifest
    run_id = loaded["ingest_run_id"]
    summaries = []
    with warehouse.connect() as conn:
        with _recorded_step(conn, run_id, "validate_raw", m.id):
            for table in loaded["loaded"]:
                total = conn.execute(f"SELECT count(*) FROM {table} WHERE source_id = %s", (m.id,)).fetchone()[0]
                conn.commit()
                if table == m.raw_table and total < m.min_rows:
                    raise TooFewRows(f"{m.id}: {table} holds {total} rows for this source, below the manifest's "
                                     f"min_rows {m.min_rows}")
                for suite in raw_suites(table, m):
                    outcome = quality.gate(suite, target=f"{table} where source_id = {m.id!r}",
                                           query=f"SELECT * FROM {table} WHERE source_id = '{m.id}'",
                                           variables=_suite_variables(m))
                    summaries.append({"table": table, "rows": total, "suite": outcome.suite,
                                      "expectations": outcome.evaluated})
            warehouse.update_run(conn, run_id, status="success", finished_at=datetime.now(timezone.utc),
                                 details={"validated": summaries})
    log.info("%s: raw validated — %s", m.id, json.dumps(summaries))
    return {"ingest_run_id": run_id, "validated": summaries}


# ------------------------------------------------------------------------------------ all five
def run_source(source_id: str, **kwargs: Any) -> dict[str, Any]:
    """Run the five steps in-process (CLI, tests, benchmarks)."""
    ctx = make_context(source_id, **kwargs)
    discovered = discover(ctx)
    if discovered["skip"]:
        return {"source_id": source_id, "status": "skipped", **discovered}
    fetched = fetch(ctx, discovered)
    parsed = parse(ctx, fetched)
    loaded = load(ctx, parsed)
    validated = validate_raw(ctx, loaded)
    return {"source_id": source_id, "status": "success", "ingest_run_id": discovered["ingest_run_id"],
            "rows": sum(loaded["loaded"].values()), "quarantined": parsed["quarantined"],
            "validated": validated["validated"]}
