"""The dbt project and the GX suites stay in step with the manifests (no database needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from atlas_ingest.manifest import OBSERVATIONS_TABLE, load_manifests
from atlas_ingest.quality import load_suite_definition

ROOT = Path(__file__).resolve().parents[2]
DBT = ROOT / "include" / "dbt" / "atlas"
GX = ROOT / "include" / "gx"


def staging_model_name(source_id: str) -> str:
    return "stg_" + source_id.replace("-", "_") + "__observations"


def union_list() -> list[str]:
    text = (DBT / "models" / "intermediate" / "int_observations__unioned.sql").read_text()
    block = re.search(r"observation_models = \[(.*?)\]", text, re.S).group(1)
    return re.findall(r"'([a-z0-9_]+)'", block)


def test_every_observation_source_has_a_staging_model_in_the_union():
    expected = sorted(staging_model_name(m.id) for m in load_manifests() if m.raw_table == OBSERVATIONS_TABLE)
    assert expected, "no observation sources found"
    models = {p.stem for p in (DBT / "models" / "staging").rglob("stg_*__observations.sql")}
    assert set(expected) <= models, f"missing staging models: {set(expected) - models}"
    assert union_list() == sorted(union_list()), "keep int_observations__unioned's list sorted"
    assert set(union_list()) == set(expected), (
        f"union list and manifests disagree: only in list {set(union_list()) - set(expected)}, "
        f"only in manifests {set(expected) - set(union_list())}")


def test_each_staging_model_reads_its_own_source():
    for model in union_list():
        path = next((DBT / "models" / "staging").rglob(f"{model}.sql"))
        source_id = re.search(r"stg_observations\('([a-z0-9-]+)'\)", path.read_text()).group(1)
        assert staging_model_name(source_id) == model, f"{path.name} reads {source_id}"


def test_every_raw_table_has_a_gx_suite():
    tables = {m.raw_table for m in load_manifests()} | {"raw.indicator_catalog", "raw.klass_changes"}
    for table in tables:
        suite = GX / f"{table.replace('.', '_')}.json"
        assert suite.exists(), f"no GX suite for {table} (expected {suite.relative_to(ROOT)})"


def test_every_suite_loads_and_names_itself():
    variables = {"source_id": "ssb-07459", "period_regex": ".*", "min_rows": 1, "provider": "ssb"}
    for path in sorted(GX.glob("*.json")):
        definition = load_suite_definition(path.stem, variables)
        assert definition["name"] == path.stem
        assert definition["expectations"], path.name
        for spec in definition["expectations"]:
            assert spec["type"].startswith(("expect_", "unexpected_rows_expectation")), spec["type"]
            if spec["type"] == "unexpected_rows_expectation":
                assert "{batch}" in spec["kwargs"]["unexpected_rows_query"], f"{path.name}: query must read {{batch}}"


def test_marts_yaml_documents_every_mart_model():
    marts = {p.stem for p in (DBT / "models" / "marts").glob("*.sql")}
    documented = set(re.findall(r"- name: ([a-z_]+)\n    description", (DBT / "models" / "marts" / "_marts.yml").read_text()))
    assert marts <= documented, f"undocumented marts: {marts - documented}"


def test_dbt_manifest_is_current_when_present():
    """make setup rebuilds target/manifest.json when the project changes; Cosmos renders from it."""
    manifest = DBT / "target" / "manifest.json"
    if not manifest.exists():
        return
    nodes = json.loads(manifest.read_text())["nodes"]
    model_files = {p.stem for p in (DBT / "models").rglob("*.sql")}
    in_manifest = {n.split(".")[-1] for n in nodes if n.startswith("model.")}
    assert model_files == in_manifest, "target/manifest.json is stale: run `make dbt-manifest`"


def test_the_health_mart_counts_every_raw_table_a_source_loads_into():
    health = (DBT / "models" / "marts" / "mart_ingest_health.sql").read_text()
    counted = set(re.findall(r"source\('raw\w*', '([a-z_]+)'\)", health))
    primary = {m.raw_table.split(".", 1)[1] for m in load_manifests()}
    assert primary - {"ingest_runs", "quarantine"} <= counted, f"not counted in mart_ingest_health: {primary - counted}"
