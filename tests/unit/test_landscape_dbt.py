"""The NGO dbt files stay documented and in step with the raw tables and the persona questions
(no database needed)."""

from __future__ import annotations

import re

import yaml

from atlas_ingest.settings import DBT_PROJECT_DIR, MIGRATIONS_DIR

MODELS = DBT_PROJECT_DIR / "models"
PERSONA_QUESTIONS = {
    "persona_activities_in_kommune": "activities in a kommune",
    "persona_chapters_offering_category_in_fylke": "chapters offering a category in a fylke",
    "persona_ngo_comparison_by_fylke": "NGO comparison per fylke",
    "persona_chapter_activity_list": "a chapter's own activity list",
    "persona_district_underrepresented_activities": "under-represented activities in a district",
    "persona_active_chapters_per_ngo": "active chapters per Tier A NGO",
}


def documented(path) -> dict[str, dict]:
    return {m["name"]: m for m in yaml.safe_load(path.read_text())["models"]}


def test_every_ngo_mart_and_staging_model_is_documented():
    marts = {**documented(MODELS / "marts" / "ngo" / "_ngo__models.yml"),
             **documented(MODELS / "marts" / "ngo" / "_chapter_kommune_coverage.yml")}
    assert {p.stem for p in (MODELS / "marts" / "ngo").glob("*.sql")} == set(marts) == {
        "dim_ngo", "dim_chapter", "dim_activity", "fact_chapter_activities", "chapter_kommune_coverage"}
    for name, model in marts.items():
        assert len(model.get("description", "")) > 100, name
    staging = documented(MODELS / "staging" / "ngo" / "_ngo__staging.yml")
    files = {p.stem for d in ("ngo", "brreg", "redcross") for p in (MODELS / "staging" / d).glob("*.sql")}
    assert files == set(staging)


def test_the_ngo_source_declares_every_table_of_the_migration():
    sources = yaml.safe_load((MODELS / "staging" / "ngo" / "_ngo__sources.yml").read_text())["sources"]
    (raw_ngo,) = [s for s in sources if s["name"] == "raw_ngo"]
    declared = {t["name"] for t in raw_ngo["tables"]}
    migration = (MIGRATIONS_DIR / "0010_ngo_supply.sql").read_text()
    created = set(re.findall(r"CREATE TABLE IF NOT EXISTS raw\.(\w+)", migration))
    assert declared == created == {"brreg_enheter", "redcross_branches", "redcross_branch_activities"}


def test_a_persona_query_for_every_question_of_the_issue():
    analyses = {p.stem: p.read_text() for p in (DBT_PROJECT_DIR / "analyses").glob("persona_*.sql")}
    assert set(PERSONA_QUESTIONS) <= set(analyses)
    for name in PERSONA_QUESTIONS:
        sql = analyses[name]
        assert sql.startswith("-- "), f"{name}: say whose question it is"
        assert "dbt compile --select " + name in sql, f"{name}: show how to run it"
        assert "{{ ref(" in sql and "marts." not in sql, f"{name}: read the marts through ref()"


def test_the_mapping_gate_is_where_cosmos_runs_it():
    """Cosmos renders with TestIndirectSelection.BUILDABLE: a relationships test runs only on a model
    whose ancestors include its target, so the mapping test sits on dim_activity (built on the
    seed) and the fact is built on dim_activity (a failed mapping stops it)."""
    dim_activity = (MODELS / "marts" / "ngo" / "dim_activity.sql").read_text()
    fact = (MODELS / "marts" / "ngo" / "fact_chapter_activities.sql").read_text()
    assert "ref('redcross_activity_category')" in dim_activity and "ref('dim_activity')" in fact
    assert "ref('dim_kommune')" in (MODELS / "marts" / "ngo" / "dim_chapter.sql").read_text()
    text = (MODELS / "marts" / "ngo" / "_ngo__models.yml").read_text()
    assert "name: redcross_activity_has_a_reviewed_category" in text
