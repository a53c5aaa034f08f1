"""`airflow backfill create` over three past yearly intervals, executed by a real scheduler: every
run loads the period of its own data interval, and only that slice."""

from __future__ import annotations

import pytest

from tests.integration.small_source import write_yearly_source
from tests.support.airflow_env import isolated_airflow, postgres_metadata_db, sqlalchemy_url
from tests.support.running_airflow import airflow_cli, free_port, running_airflow, runtime_env, wait_for_dag, wait_for_runs

pytestmark = [pytest.mark.slow, pytest.mark.integration]

SOURCE = "ssb-99997"


@pytest.fixture
def backfill_metadata_db(warehouse_url):
    with postgres_metadata_db(warehouse_url, "backfill") as url:
        yield url


def test_a_backfill_of_three_years_loads_three_slices_once_each(tmp_path, backfill_metadata_db, db):
    sources = tmp_path / "sources"
    write_yearly_source(sources)
    env = isolated_airflow(tmp_path, {"testbackfill.py": (
        "from atlas_ingest.airflow.factory import build_family_dag\n"
        "dag = build_family_dag('testbackfill', intro='Backfill test family.')\n")},
        {"ATLAS_SOURCES_DIR": str(sources), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(backfill_metadata_db)})
    env = runtime_env(env, free_port())
    logs = tmp_path / "logs"
    logs.mkdir()
    with running_airflow(env, logs):
        wait_for_dag(env, "testbackfill")
        # the CLI's dates are UTC logical dates; the family's yearly intervals start at midnight in
        # Oslo, i.e. 23:00 UTC the day before: 2020-12-31 .. 2023-01-01 covers the years 2021–2023
        airflow_cli(env, "backfill", "create", "--dag-id", "testbackfill",
                    "--from-date", "2020-12-31", "--to-date", "2023-01-01", "--max-active-runs", "1")
        # the unpaused DAG also makes its one scheduled run (catchup is off): the latest year
        runs = wait_for_runs(env, "testbackfill", 4, timeout=900)
    backfills = [r for r in runs if r["run_id"].startswith("backfill__")]
    assert len(backfills) == 3 and all(r["state"] == "success" for r in runs), runs

    slices = db.execute(
        """SELECT o.period_id, count(*), count(DISTINCT o.ingest_run_id), min(r.periods::text), min(r.run_key)
             FROM raw.observations o JOIN raw.ingest_runs r USING (ingest_run_id)
            WHERE o.source_id = %s GROUP BY 1 ORDER BY 1""", (SOURCE,)).fetchall()
    assert [(p, n, runs_) for p, n, runs_, _, _ in slices] == [("2021", 6, 1), ("2022", 6, 1), ("2023", 6, 1)]
    # each slice came from a run that asked for that year only: the backfill run whose interval
    # is that year (2023 may be the scheduled run's, which asks for the latest year, also 2023)
    for period, _, _, periods, run_key in slices:
        assert periods == "{" + period + "}", (period, periods)
        # a backfill run id carries its run_after: the end of its interval
        assert run_key.startswith(f"backfill__{period}-12-31T23:00") or (
            period == "2023" and run_key.startswith("scheduled__")), (period, run_key)
    dupes = db.execute("""SELECT count(*) FROM (SELECT 1 FROM raw.observations WHERE source_id = %s
                          GROUP BY region_code, period_id, contents_code, dimensions HAVING count(*) > 1) d""",
                       (SOURCE,)).fetchone()[0]
    assert dupes == 0
