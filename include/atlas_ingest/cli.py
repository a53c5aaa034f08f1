"""`atlas` — the command line: demo, run, status, report, export.

    atlas demo              every family DAG (airflow dags test, replay mode), then the marts DAG,
                            then a summary (rows per source, GX results, run time)
    atlas run SOURCE...     the five steps of one or more sources in-process (no scheduler)
    atlas status            the last run of every source, from raw.ingest_runs
    atlas report            the HTML report (.atlas/report/index.html): health, coverage gaps, charts
    atlas export microdata [--source ID]
                            every published indicator as a microdata.no dataset, validated with
                            microdata-tools (.atlas/export/microdata/)

The demo runs the real DAGs through Airflow (`airflow dags test`), not a shortcut: what it
prints is what the Airflow UI would show after the same runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from atlas_ingest.settings import PROJECT_ROOT, atlas_home

MARTS_DAG = "atlas_marts"


def _print(message: str = "") -> None:
    print(message, flush=True)


# Families holding reference data others are checked or resolved against go first:
# ssb (Klass geography), then posten (postnummer, for resolve_kommune), then the rest.
FIRST_FAMILIES = ("ssb", "posten")


def families() -> list[str]:
    from atlas_ingest.manifest import load_manifests

    present = {m.family for m in load_manifests()}
    return [f for f in FIRST_FAMILIES if f in present] + sorted(present - set(FIRST_FAMILIES))


def dags_test(dag_id: str, log_dir: Path, conf: dict[str, Any] | None = None) -> tuple[bool, float, Path]:
    """`airflow dags test <dag_id>`; output to a log file; returns (ok, seconds, log path)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{dag_id}.log"
    cmd = [sys.executable, "-m", "airflow", "dags", "test", dag_id]
    if conf:
        cmd += ["--conf", json.dumps(conf)]
    started = time.monotonic()
    with log_path.open("w") as log:
        result = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
    elapsed = time.monotonic() - started
    ok = result.returncode == 0 and _dag_run_succeeded(log_path)
    return ok, elapsed, log_path


def _dag_run_succeeded(log_path: Path) -> bool:
    # `airflow dags test` exits 0 even when a task failed in some versions; the final state line
    # is the truth.
    text = log_path.read_text(errors="replace")
    return "state=success" in text.replace(" ", "") or "DagRunState.SUCCESS" in text or "dag_run_state=success" in text


def _tail(path: Path, lines: int = 25) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("ATLAS_HTTP_MODE", "replay")
    os.environ.setdefault("ATLAS_RETRY_DELAY_SECONDS", "1")
    started = time.monotonic()
    log_dir = Path(args.log_dir) if getattr(args, "log_dir", None) else atlas_home() / "logs" / "demo"
    _print(f"Atlas demo — HTTP mode {os.environ['ATLAS_HTTP_MODE']}; logs in {log_dir}")
    results = []
    demo_started = _now()
    for family in families() + [MARTS_DAG]:
        if family == MARTS_DAG and not _marts_need_refresh(demo_started):
            _print(f"  ▷ {MARTS_DAG}: no source loaded new data and the marts exist — not re-run "
                   "(the asset schedule would not trigger it either)")
            continue
        _print(f"  ▶ airflow dags test {family} …")
        ok, seconds, log_path = dags_test(family, log_dir)
        results.append((family, ok, seconds))
        _print(f"    {'✔' if ok else '✘'} {family} in {seconds:.0f}s")
        if not ok:
            _print(f"    last lines of {log_path}:\n{_tail(log_path)}")
            _print("\nThe demo stopped at the first failing DAG (the warehouse keeps the last good data).")
            _print(summary_text(time.monotonic() - started, results))
            return 1
    _print(summary_text(time.monotonic() - started, results))
    return _write_report(Path(args.report_dir) if getattr(args, "report_dir", None) else None)


def _write_report(out_dir: Path | None) -> int:
    """The demo ends with the report (`atlas report`), and says where it is."""
    from atlas_ingest.export.report import ReportError, write_report

    try:
        path = write_report(out_dir)
    except ReportError as exc:
        _print(f"\nReport not written: {exc}")
        return 1
    _print(f"\nReport: {path}")
    return 0


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _marts_need_refresh(since) -> bool:
    """True when a source run succeeded (emitted its raw asset) since `since`, or marts are missing."""
    try:
        fresh = _query("SELECT count(*) FROM raw.ingest_runs WHERE status = 'success' AND finished_at >= %s", (since,))
        built = _query("SELECT to_regclass('marts.fact_kommune_indicators') IS NOT NULL")
    except Exception:  # noqa: BLE001 - when in doubt, build
        return True
    return fresh[0][0] > 0 or not built[0][0]


def _query(sql: str, params: tuple = ()) -> list[tuple]:
    from atlas_ingest import warehouse

    with warehouse.connect() as conn:
        return conn.execute(sql, params).fetchall()


# Rows per source across every primary raw table (str.format: {counts} is filled per call).
_SUMMARY_SQL = """
            WITH last AS (
                SELECT DISTINCT ON (source_id) source_id, status, rows_out, rows_quarantined, finished_at, details, error
                  FROM raw.ingest_runs ORDER BY source_id, started_at DESC),
            good AS (
                SELECT DISTINCT ON (source_id) source_id, details
                  FROM raw.ingest_runs WHERE status = 'success' ORDER BY source_id, finished_at DESC),
            counts AS ({counts})
            SELECT r.source_id, l.status, coalesce(sum(c.n), 0) AS raw_rows, coalesce(l.rows_quarantined, 0),
                   (SELECT string_agg(v->>'suite' || ' ' || (v->>'expectations') || '/' || (v->>'expectations'), ', ')
                      FROM jsonb_array_elements(coalesce(g.details->'validated', '[]'::jsonb)) v) AS gx,
                   l.details->>'skip_reason', l.error
              FROM raw.source_registry r
              LEFT JOIN last l USING (source_id)
              LEFT JOIN good g USING (source_id)
              LEFT JOIN counts c USING (source_id)
             GROUP BY r.source_id, l.status, l.rows_quarantined, g.details, l.details, l.error
             ORDER BY r.source_id"""


def _primary_raw_tables() -> list[str]:
    """Every raw table a manifest loads, plus the Klass correspondences (a second Klass table)."""
    from atlas_ingest.manifest import load_manifests

    return sorted({m.raw_table for m in load_manifests()} | {"raw.klass_correspondences"})


def summary_text(total_seconds: float, dag_results: list[tuple[str, bool, float]]) -> str:
    lines = ["", "Summary", "======="]
    lines.append("DAG runs: " + ", ".join(f"{d} {'ok' if ok else 'FAILED'} ({s:.0f}s)" for d, ok, s in dag_results))
    try:
        rows = _query(_SUMMARY_SQL.format(counts=" UNION ALL ".join(
            f"SELECT source_id, count(*) AS n FROM {table} GROUP BY 1" for table in _primary_raw_tables())))
    except Exception as exc:  # noqa: BLE001 - a summary must never hide the run's own outcome
        lines.append(f"(could not read the warehouse: {exc})")
        return "\n".join(lines)
    width = max((len(r[0]) for r in rows), default=10)
    lines.append(f"{'source':<{width}}  {'last run':<8}  {'raw rows':>9}  {'quar.':>5}  GX suites passed (last success)")
    for source_id, status, raw_rows, quarantined, gx, skip, error in rows:
        note = f"  [skipped: {skip.split(' (')[0][:70]}]" if status == "skipped" and skip else ""
        note += f"  [error: {error.splitlines()[0][:80]}]" if status == "failed" and error else ""
        lines.append(f"{source_id:<{width}}  {status or 'never':<8}  {raw_rows:>9,}  {quarantined:>5}  {gx or '-'}{note}")
    try:
        marts = _query("""
            SELECT 'marts.dim_kommune (current)', count(*) FROM marts.dim_kommune WHERE is_current
            UNION ALL SELECT 'marts.dim_fylke', count(*) FROM marts.dim_fylke
            UNION ALL SELECT 'marts.dim_bydel', count(*) FROM marts.dim_bydel
            UNION ALL SELECT 'marts.dim_indicator', count(*) FROM marts.dim_indicator
            UNION ALL SELECT 'marts.fact_kommune_indicators', count(*) FROM marts.fact_kommune_indicators""")
        lines.append("")
        lines += [f"{name:<34} {n:>10,}" for name, n in marts]
    except Exception as exc:  # noqa: BLE001
        lines.append(f"(marts not built yet: {str(exc).splitlines()[0]})")
    lines.append("")
    lines.append(f"Total {total_seconds:.0f}s. Snapshots are replayed; where a source's SNAPSHOT.md says its "
                 "numbers were CONSTRUCTED (include/sources/*/snapshots/), they are not official statistics.")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import logging

    from atlas_ingest import pipeline

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    failed = 0
    for source_id in args.sources:
        try:
            result = pipeline.run_source(source_id, force=args.force)
            _print(json.dumps(result, default=str))
        except Exception as exc:  # noqa: BLE001 - report every source, then fail
            failed += 1
            _print(f"{source_id}: FAILED — {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    return 1 if failed else 0


def status(args: argparse.Namespace) -> int:
    _print(summary_text(0.0, []))
    return 0


def report(args: argparse.Namespace) -> int:
    return _write_report(Path(args.out) if args.out else None)


def export_microdata(args: argparse.Namespace) -> int:
    import logging

    from atlas_ingest.export.microdata import MicrodataExportError, export

    # microdata-tools logs every dataset it reads; the command prints its own progress
    logging.basicConfig(level=logging.WARNING)
    out = Path(args.out) if args.out else atlas_home() / "export" / "microdata"
    started = time.monotonic()
    try:
        result = export(out, args.source, validate_with_tools=not args.no_validate, progress=_print)
    except MicrodataExportError as exc:
        _print(f"microdata export FAILED: {exc}")
        return 1
    checked = "validated with microdata-tools" if not args.no_validate else "NOT validated (--no-validate)"
    _print(f"{len(result.datasets)} dataset(s) in {out} ({checked}), {len(result.skipped)} source(s) skipped; "
           f"index: {out / 'index.json'} ({time.monotonic() - started:.0f}s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="atlas", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="run every family DAG and the marts DAG (replay), then summarise")
    p_demo.add_argument("--log-dir", help="where each DAG's log goes (default: .atlas/logs/demo)")
    p_demo.add_argument("--report-dir", help="where the closing report goes (default: .atlas/report)")
    p_demo.set_defaults(func=demo)
    p_run = sub.add_parser("run", help="run sources in-process")
    p_run.add_argument("sources", nargs="+")
    p_run.add_argument("--force", action="store_true", help="load even when upstream is unchanged")
    p_run.set_defaults(func=run)
    sub.add_parser("status", help="last run per source").set_defaults(func=status)
    p_report = sub.add_parser("report", help="write the self-contained HTML report (.atlas/report/index.html)")
    p_report.add_argument("--out", help="directory for index.html (default: .atlas/report)")
    p_report.set_defaults(func=report)
    p_export = sub.add_parser("export", help="export the marts for others")
    export_sub = p_export.add_subparsers(dest="target", required=True)
    p_micro = export_sub.add_parser("microdata", help="every published indicator as a microdata.no dataset")
    p_micro.add_argument("--source", help="only this source (e.g. ssb-08764)")
    p_micro.add_argument("--out", help="output directory (default: .atlas/export/microdata)")
    p_micro.add_argument("--no-validate", action="store_true",
                         help="skip microdata-tools' validate_dataset (the built-in rule check still runs)")
    p_micro.set_defaults(func=export_microdata)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
