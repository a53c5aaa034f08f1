"""Every DAG imports cleanly and follows the house rules (DESIGN.md §6)."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from atlas_ingest.airflow.defaults import START_DATE, TAG_VOCABULARY
from atlas_ingest.manifest import load_manifests
from atlas_ingest.pipeline import STEPS

ROOT = Path(__file__).resolve().parents[2]
DAGS_DIR = ROOT / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}, dagbag.import_errors


def test_every_family_has_a_dag_file_and_a_dag(dagbag):
    families = {m.family for m in load_manifests()}
    assert families, "no manifests found"
    for family in families:
        assert (DAGS_DIR / f"{family}.py").exists(), f"family {family} has no dags/{family}.py"
        assert family in dagbag.dags, f"dags/{family}.py did not produce a DAG with dag_id {family!r}"
    assert "atlas_marts" in dagbag.dags


@pytest.mark.parametrize("rule", ["owner", "tags", "retries", "notifier", "doc_md", "start_date", "runs"])
def test_dag_policy(dagbag, rule):
    for dag_id, dag in dagbag.dags.items():
        if rule == "owner":
            assert all(t.owner == "atlas-data" for t in dag.tasks), dag_id
        elif rule == "tags":
            assert dag.tags, f"{dag_id} has no tags"
            assert set(dag.tags) <= TAG_VOCABULARY, f"{dag_id}: tags outside the vocabulary: {set(dag.tags) - TAG_VOCABULARY}"
        elif rule == "retries":
            low = [t.task_id for t in dag.tasks if t.retries < 2]
            assert not low, f"{dag_id}: tasks with fewer than 2 retries: {low}"
            assert all(t.retry_exponential_backoff for t in dag.tasks), f"{dag_id}: retries without backoff"
        elif rule == "notifier":
            missing = [t.task_id for t in dag.tasks if not t.on_failure_callback]
            assert not missing, f"{dag_id}: tasks without a failure notifier: {missing}"
        elif rule == "doc_md":
            assert dag.doc_md and len(dag.doc_md) > 200, f"{dag_id} has no real doc_md"
        elif rule == "start_date":
            assert isinstance(dag.start_date, datetime) and dag.start_date == START_DATE, dag_id
            assert dag.catchup is False, dag_id
        elif rule == "runs":
            assert dag.max_active_runs == 1, dag_id


def test_every_source_has_its_five_steps_in_order(dagbag):
    for manifest in load_manifests():
        dag = dagbag.dags[manifest.family]
        ids = [f"{manifest.id}.{step}" for step in STEPS]
        for task_id in ids:
            assert task_id in dag.task_dict, f"{manifest.family}: missing {task_id}"
        for upstream, downstream in zip(ids, ids[1:]):
            assert downstream in dag.task_dict[upstream].downstream_task_ids, f"{upstream} -> {downstream}"
        validate = dag.task_dict[ids[-1]]
        assert [o.uri for o in validate.outlets] == [f"atlas://raw/{manifest.family}"]


def test_reference_sources_load_before_the_rest_of_their_family(dagbag):
    manifests = load_manifests()
    for family in {m.family for m in manifests}:
        refs = [m for m in manifests if m.family == family and m.reference]
        dag = dagbag.dags[family]
        for ref in refs:
            downstream = {t.task_id for t in dag.task_dict[f"{ref.id}.validate_raw"].get_flat_relatives(upstream=False)}
            for other in (m for m in manifests if m.family == family and not m.reference):
                assert f"{other.id}.discover" in downstream, f"{other.id} must wait for {ref.id}"
                assert dag.task_dict[f"{other.id}.discover"].trigger_rule == "all_done"
    assert any(m.reference for m in manifests if m.id == "ssb-klass-kommuner")


def test_task_groups_are_sorted(dagbag):
    for dag_id, dag in dagbag.dags.items():
        if dag_id == "atlas_marts":
            continue
        groups = [g for g in dag.task_group.children]
        assert groups == sorted(groups), f"{dag_id}: task groups not in sorted order"


def test_marts_dag_is_scheduled_on_every_family_asset(dagbag):
    marts = dagbag.dags["atlas_marts"]
    condition = marts.timetable.asset_condition  # AssetAny(...): any family's raw refresh triggers
    uris = {a.uri for a in condition.objects}
    families = {m.family for m in load_manifests()}
    assert uris == {f"atlas://raw/{f}" for f in families}
    assert "validate_marts" in marts.task_dict
    dbt_tasks = [t for t in marts.tasks if t.task_id.startswith("dbt.")]
    # Cosmos renders each model as one `dbt build` task: the model, then its tests (TestBehavior.BUILD)
    fact = marts.task_dict["dbt.fact_kommune_indicators_model_build"]
    assert "build" in fact.base_cmd and fact.select == ["fqn:atlas.marts.fact_kommune_indicators"] or \
        "fqn:atlas.marts.fact_kommune_indicators" in str(fact.select)
    assert "dbt.fact_kommune_indicators_annual_model_build" in fact.downstream_task_ids
    gate_upstream = {t.task_id for t in marts.task_dict["validate_marts"].get_flat_relatives(upstream=True)}
    assert {t.task_id for t in dbt_tasks} <= gate_upstream, "the GX mart gate must wait for every dbt task"
    assert all(t.pool == "dbt" for t in dbt_tasks)


def test_dag_files_stay_thin():
    """No heavy import, database, network or Variable access at a DAG file's top level."""
    forbidden_modules = {"pandas", "great_expectations", "dbt", "psycopg", "requests", "sqlalchemy"}
    for path in DAGS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for name in names:
                    assert name.split(".")[0] not in forbidden_modules, f"{path.name} imports {name} at top level"
        assert "Variable.get" not in path.read_text(), path.name
        assert len(path.read_text().splitlines()) < 40, f"{path.name} should stay thin (logic in atlas_ingest)"


def test_every_pool_a_manifest_uses_is_configured():
    settings = yaml.safe_load((ROOT / "airflow_settings.yaml").read_text())["airflow"]
    pools = {p["pool_name"] for p in settings["pools"]}
    used = {m.fetch.pool for m in load_manifests() if m.fetch.pool}
    assert used <= pools, f"pools used but not in airflow_settings.yaml: {used - pools}"
    assert {"ssb_api", "scrape_polite", "dbt"} <= pools


def test_a_source_can_lengthen_its_fetch_timeout(dagbag):
    from datetime import timedelta

    udir = dagbag.dags["udir"]
    assert udir.task_dict["udir-elevundersokelsen.fetch"].execution_timeout == timedelta(minutes=240)
    assert udir.task_dict["udir-gsi.fetch"].execution_timeout == timedelta(minutes=90)
