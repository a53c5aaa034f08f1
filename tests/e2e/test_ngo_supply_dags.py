"""End to end, NGO supply: what `airflow dags test brreg` and `airflow dags test ngo_supply` (inside
the session's `atlas demo`, see conftest) loaded, and the NGO marts the marts DAG built — replay
mode, real PostgreSQL. redcross-branches resolves kommuner from the warehouse, so it relies on
the demo's order: SSB's Klass classifications and posten's postnummer register load first.
"""

from __future__ import annotations

import pytest

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def latest_status(db, source_id: str) -> str:
    row = db.execute("SELECT status FROM raw.ingest_runs WHERE source_id = %s ORDER BY started_at DESC LIMIT 1",
                     (source_id,)).fetchone()
    db.commit()
    return row[0] if row else None


@pytest.fixture(scope="module")
def ngo_loaded(replayed):
    return {"logs": {dag_id: replayed.log(dag_id) for dag_id in ("brreg", "ngo_supply", "atlas_marts")},
            "timings": {k: v for k, v in replayed.seconds.items() if k in ("brreg", "ngo_supply", "atlas_marts")},
            "tmp": replayed.log_dir}


def test_both_families_loaded_through_their_dags(ngo_loaded, db):
    assert latest_status(db, "brreg-enheter") == "success"
    assert latest_status(db, "redcross-branches") == "success"
    counts = db.execute(
        """SELECT (SELECT count(*) FROM raw.brreg_enheter WHERE source_id = 'brreg-enheter'),
                  (SELECT count(*) FROM raw.redcross_branches WHERE source_id = 'redcross-branches'),
                  (SELECT count(*) FROM raw.redcross_branch_activities
                    WHERE source_id = 'redcross-branches')""").fetchone()
    assert counts == (14, 36, 93)
    run_id = db.execute("SELECT max(ingest_run_id) FROM raw.ingest_runs "
                        "WHERE source_id = 'redcross-branches'").fetchone()[0]
    reasons = [r for (r,) in db.execute("SELECT reason FROM raw.quarantine WHERE ingest_run_id = %s ORDER BY locator",
                                        (run_id,))]
    db.commit()
    assert len(reasons) == 2 and reasons[0].startswith("kommune not resolved (ambiguous): 'Bø'")
    logs = ngo_loaded["logs"]
    assert "GX suite raw_brreg_enheter on raw_staging." in logs["brreg"]
    assert "GX suite raw_redcross_branches on raw_staging." in logs["ngo_supply"]
    assert "GX suite raw_redcross_branch_activities on raw_staging." in logs["ngo_supply"]
    print("DAG seconds:", {k: round(v) for k, v in ngo_loaded["timings"].items()})


def test_the_marts_dag_builds_the_ngo_marts(ngo_loaded, db):
    marts = db.execute(
        """SELECT (SELECT count(*) FROM marts.dim_ngo),
                  (SELECT count(*) FROM marts.dim_chapter WHERE ngo_slug = 'redcross'),
                  (SELECT count(*) FROM marts.dim_activity WHERE ngo_slug = 'redcross'),
                  (SELECT count(*) FROM marts.fact_chapter_activities WHERE ngo_slug = 'redcross'),
                  (SELECT count(*) FROM reference.ref_atlas_service_category),
                  (SELECT count(*) FROM reference.redcross_activity_category)""").fetchone()
    assert marts == (11, 36, 24, 90, 25, 24)
    # the Red Cross hierarchy and a kommune resolved from the warehouse's Klass + Bring register
    assert db.execute("SELECT chapter_level, parent_chapter_id, kommune_nr FROM marts.dim_chapter "
                      "WHERE chapter_id = 'redcross-L098'").fetchone() == ("local", "redcross-D006", "3316")
    active = db.execute("SELECT count(*) FILTER (WHERE is_active) FROM marts.dim_chapter "
                        "WHERE ngo_slug = 'redcross'").fetchone()
    db.commit()
    assert active == (32,)
    text = ngo_loaded["logs"]["atlas_marts"]
    tasks = ("dim_chapter_model_build", "dim_activity_model_build", "fact_chapter_activities_model_build", "redcross_activity_category_seed_build")
    for task in tasks:
        assert task in text, f"the marts DAG did not run dbt.{task}"


def test_an_unchanged_export_skips_the_next_run(ngo_loaded, db):
    dags_test("ngo_supply", ngo_loaded["tmp"], name="ngo_supply-rerun")
    assert latest_status(db, "redcross-branches") == "skipped"
    assert db.execute("SELECT count(*) FROM raw.redcross_branches").fetchone() == (36,)
