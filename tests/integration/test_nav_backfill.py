"""The NAV DAG backfilled over two past months by a real scheduler: each run loads the month of its
own data interval (and the quarterly source the quarter two months behind it), each slice exactly
once, from NAV's archive file for 2025 — never "today's" data."""

from __future__ import annotations

import pytest

from tests.support.airflow_env import isolated_airflow, postgres_metadata_db, sqlalchemy_url
from tests.support.running_airflow import airflow_cli, free_port, running_airflow, runtime_env, wait_for_dag, wait_for_runs

pytestmark = [pytest.mark.slow, pytest.mark.integration]

# rows per month in the constructed 2025 files (scripts/snapshots/nav_construct.py, SNAPSHOT.md)
ROWS_PER_MONTH = {"nav-uforetrygd": 820, "nav-aap": 744, "nav-helt-ledige": 714}
ROWS_PER_QUARTER = {"nav-sykefravaer": 373}


@pytest.fixture
def nav_metadata_db(warehouse_url):
    # a scheduler, a dag-processor and the CLI write at once: SQLite would answer "database is locked"
    with postgres_metadata_db(warehouse_url, "navbackfill") as url:
        yield url


def failed_task_logs(env: dict[str, str]) -> str:
    """The error lines of every task log, for the assertion message."""
    from pathlib import Path

    lines = []
    for log in sorted(Path(env["AIRFLOW_HOME"]).rglob("*.log")):
        errors = [line for line in log.read_text(errors="replace").splitlines()
                  if '"level":"error"' in line.replace(" ", "") or "ERROR" in line]
        if errors:
            lines.append(f"{log.parent.parent.name}/{log.parent.name}/{log.name}: {errors[0][:400]}")
    return "\n".join(lines[-30:])


# a real scheduler runs 3 × 20 tasks: ~12 minutes on a loaded 2-core machine, past the suite's 900 s default
@pytest.mark.timeout(2700)
def test_a_backfill_of_two_months_loads_each_month_once(tmp_path, nav_metadata_db, db):
    env = isolated_airflow(tmp_path, {"nav.py": (
        "from atlas_ingest.airflow.factory import build_family_dag\n"
        "dag = build_family_dag('nav', intro='NAV backfill test.')\n")},
        {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(nav_metadata_db)})
    env = runtime_env(env, free_port())
    logs = tmp_path / "logs"
    logs.mkdir()
    # the NAV sources fetch in the `scrape_polite` pool (airflow_settings.yaml); a fresh metadata DB lacks it
    airflow_cli(env, "pools", "set", "scrape_polite", "1", "one request at a time to scraped hosts")
    with running_airflow(env, logs):
        wait_for_dag(env, "nav")
        # the family runs on the 20th at 07:00 Oslo time; these UTC dates take the runs whose
        # intervals start on 20 October and 20 November 2025: they cover October and November
        airflow_cli(env, "backfill", "create", "--dag-id", "nav", "--from-date", "2025-10-19",
                    "--to-date", "2025-11-21", "--max-active-runs", "1")
        # catchup is off, so the unpaused DAG also makes its one scheduled run (the latest month)
        runs = wait_for_runs(env, "nav", 3, timeout=2400)
    backfills = sorted((r for r in runs if r["run_id"].startswith("backfill__")), key=lambda r: r["run_id"])
    # the scheduled run (the latest month, by the wall clock) is not what this test is about; on a
    # loaded machine its first tasks can lose the race with a slow api-server start
    assert len(backfills) == 2 and all(r["state"] == "success" for r in backfills), (runs, failed_task_logs(env))

    loaded = db.execute(
        """SELECT o.source_id, o.period_id, count(*), count(DISTINCT o.ingest_run_id), min(r.run_key), min(r.periods::text)
             FROM raw.observations o JOIN raw.ingest_runs r USING (ingest_run_id)
            WHERE o.source_id LIKE 'nav-%' AND o.period_id LIKE '2025%'
            GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    got = {(source, period): (rows, run_ids) for source, period, rows, run_ids, _, _ in loaded}
    expected = {(s, p): (n, 1) for s, n in ROWS_PER_MONTH.items() for p in ("2025M10", "2025M11")}
    expected |= {(s, "2025K3"): (n * 2, 1) for s, n in ROWS_PER_QUARTER.items()}
    assert got == expected
    # each month came from the backfill run of its own interval, which asked for that month only
    first, second = (r["run_id"] for r in backfills)
    for source, period, _, _, run_key, periods in loaded:
        assert periods == "{" + period + "}", (source, period, periods)
        assert run_key == (first if period == "2025M10" else second), (source, period, run_key)
    # the quarterly source's October run had no quarter to load: skipped, not "latest"
    skipped = db.execute(
        """SELECT details->>'skip_reason' FROM raw.ingest_runs WHERE source_id = 'nav-sykefravaer' AND run_key = %s""",
        (first,)).fetchone()[0]
    assert "no period of this source ended" in skipped
    dupes = db.execute("""SELECT count(*) FROM (SELECT 1 FROM raw.observations WHERE source_id LIKE 'nav-%'
                          GROUP BY source_id, region_code, period_id, contents_code, dimensions HAVING count(*) > 1) d"""
                       ).fetchone()[0]
    assert dupes == 0
