"""The marts DAG: dbt (rendered by astronomer-cosmos) then Great Expectations mart gates.

* Scheduled on the family Assets (`atlas://raw/<family>`): any validated raw refresh triggers it.
* Cosmos renders one Airflow task per dbt model/seed that builds it and runs its tests in the same
  `dbt build` (`TestBehavior.BUILD`: a failing test fails the task, so nothing downstream builds
  on a model that failed its tests; one task per node instead of a run and a test task halves
  the DAG's task count and its run time — each task pays dbt's start-up), from `target/manifest.json` (`LoadMode.DBT_MANIFEST`, built by
  `make setup`), so parsing this DAG never shells out to dbt. Tasks run dbt in-process
  (`InvocationMode.DBT_RUNNER`), with the profile built from the `atlas_warehouse` connection.
* `validate_marts` runs the GX mart suites; only when they pass is `atlas://marts` emitted, so
  downstream consumers never see marts that failed their gates.
* `alert_stale_sources` sends one `source_stale` alert when mart_ingest_health shows sources
  past their freshness budget.
"""

from __future__ import annotations

from datetime import timedelta

from atlas_ingest.airflow.defaults import START_DATE, default_args, run_failure_callbacks
from atlas_ingest.airflow.factory import raw_asset_uri
from atlas_ingest.manifest import load_manifests
from atlas_ingest.settings import DBT_PROJECT_DIR

MARTS_DAG_ID = "atlas_marts"
MARTS_ASSET_URI = "atlas://marts"
MART_SUITES = {
    # suite name -> (query, what it checks)
    "mart_fact_kommune_indicators": "SELECT * FROM marts.fact_kommune_indicators",
    "mart_dim_kommune": "SELECT * FROM marts.dim_kommune",
    "mart_coverage_gap": "SELECT * FROM marts.mart_coverage_gap",
    "mart_dim_school": "SELECT * FROM marts.dim_school",
    "mart_fact_school_indicators": "SELECT * FROM marts.fact_school_indicators",
    "mart_fact_kommune_preparedness": "SELECT * FROM marts.fact_kommune_preparedness",
    "mart_fact_kommune_registered_organisations": "SELECT * FROM marts.fact_kommune_registered_organisations",
}

DOC = f"""
# {MARTS_DAG_ID}

Builds the conformed marts from `raw.*` with dbt (staging views → intermediate → marts, each
model followed by its dbt tests), then gates the result with Great Expectations.

* **Schedule:** whenever a family DAG emits validated raw data (`atlas://raw/<family>`).
* **dbt:** `include/dbt/atlas`, rendered by astronomer-cosmos from the manifest that
  `make setup` builds (`make dbt-manifest` after editing models outside the bootstrap).
* **Gates:** `validate_marts` runs the GX suites {", ".join(f"`{s}`" for s in MART_SUITES)}
  (`include/gx/`). A failing expectation fails the task with the expectations in the log, and
  `{MARTS_ASSET_URI}` is not emitted: the marts are not declared fresh.
* **Health:** `mart_ingest_health`, shown on the "Atlas health" page (Browse → Atlas health), and a
  `source_stale` alert from `alert_stale_sources` when a source is past its freshness budget.
"""


def validate_marts() -> dict:
    from atlas_ingest import quality

    results = {}
    for suite, query in MART_SUITES.items():
        outcome = quality.gate(suite, query=query, target=query.split("FROM ", 1)[1])
        results[suite] = f"{outcome.evaluated} expectations passed"
    return results


def alert_stale_sources() -> list[str]:
    """Send one `source_stale` alert naming every source past its freshness budget (never fails)."""
    from atlas_ingest.airflow.health import read_health
    from atlas_ingest.airflow.notifiers import send

    stale = [r for r in read_health() if r["freshness_status"] == "stale"]
    if stale:
        from airflow.sdk import get_current_context

        ctx = get_current_context()
        send({"event": "source_stale", "dag_id": MARTS_DAG_ID, "task_id": "alert_stale_sources",
              "run_id": ctx["dag_run"].run_id, "source_ids": [r["source_id"] for r in stale],
              "details": [f"{r['source_id']}: last good check {r['age_days']} days ago, budget "
                          f"{r['freshness_budget_days']} days" for r in stale]})
    return [r["source_id"] for r in stale]


def warehouse_profile_mapping():
    """The `atlas_warehouse` connection as a dbt profile, also for a password-less warehouse.

    Cosmos's Postgres mapping insists on a password; a local cluster with trust authentication
    (the bootstrap's, or a developer's) has none. The password, when there is one, still goes
    through an environment variable, never into the generated profiles.yml.
    """
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    class WarehouseProfileMapping(PostgresUserPasswordProfileMapping):
        required_fields = ["host", "user", "dbname"]

        def _has_password(self) -> bool:
            return self.get_dbt_value("password") not in (None, "")

        @property
        def env_vars(self) -> dict[str, str]:
            if self._has_password():
                return super().env_vars
            return {"DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}

        @property
        def profile(self) -> dict:
            profile = super().profile
            if not self._has_password():
                profile["password"] = ""
            return profile

    return WarehouseProfileMapping(conn_id="atlas_warehouse", profile_args={"schema": "marts", "threads": 2})


def build_marts_dag():
    from airflow.sdk import DAG, Asset, AssetAny, task
    from cosmos import DbtTaskGroup, ExecutionConfig, LoadMode, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import InvocationMode, TestBehavior, TestIndirectSelection

    families = sorted({m.family for m in load_manifests()})
    raw_assets = [Asset(raw_asset_uri(f)) for f in families]

    dag = DAG(
        dag_id=MARTS_DAG_ID,
        description="dbt marts (Cosmos) + Great Expectations mart gates",
        schedule=AssetAny(*raw_assets),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        on_failure_callback=run_failure_callbacks(),
        default_args={**default_args(), "execution_timeout": timedelta(minutes=30)},
        tags=["atlas", "marts", "dbt", "gx"],
        doc_md=DOC,
    )
    with dag:
        dbt = DbtTaskGroup(
            group_id="dbt",
            project_config=ProjectConfig(
                dbt_project_path=DBT_PROJECT_DIR,
                manifest_path=DBT_PROJECT_DIR / "target" / "manifest.json",
                install_dbt_deps=False,
            ),
            profile_config=ProfileConfig(
                profile_name="atlas",
                target_name="airflow",
                profile_mapping=warehouse_profile_mapping(),
            ),
            render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD),
            # BUILDABLE: a model's build runs the tests whose other parents are its ancestors
            # (relationships to dims), not tests of models downstream that are not built yet.
            execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER,
                                             test_indirect_selection=TestIndirectSelection.BUILDABLE),
            operator_args={"pool": "dbt"},
        )
        gate = task(task_id="validate_marts", outlets=[Asset(MARTS_ASSET_URI)],
                    execution_timeout=timedelta(minutes=15))(validate_marts)()
        stale = task(task_id="alert_stale_sources", execution_timeout=timedelta(minutes=5),
                     doc_md="Alerts once per run when mart_ingest_health shows sources past their "
                            "freshness budget; never fails the run.")(alert_stale_sources)()
        dbt >> gate
        dbt >> stale
    return dag
