"""End to end, ngo_scrape: what `airflow dags test ngo_scrape` (inside the session's `atlas demo`,
see conftest) loaded from the constructed folkehjelp.no and what the marts DAG built from it, then
three more DAG runs against later states of the site (snapshot variants, through
`ATLAS_SOURCES_DIR`): six lastmods moved (only those pages are fetched), 55 URLs (the dropped
chapters become inactive) and 40 URLs (the run fails and nothing is orphaned). The marts are not
rebuilt here; the extra runs only touch raw.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from atlas_ingest.families.ngo_scrape.replay import variant_sources_dir

pytestmark = [pytest.mark.slow, pytest.mark.integration]

SOURCE = "folkehjelp-chapters"
DROPPED = {"sanitet-haukeland", "svalbard", "senja", "vadsoe", "ski", "gran", "stord"}


def dags_test_on(variant: str, log_dir, tmp) -> tuple[int, str]:
    """`airflow dags test ngo_scrape` with the site in `variant`'s state; (exit code, log)."""
    sources = variant_sources_dir(SOURCE, variant, tmp / f"sources-{variant}")
    log = log_dir / f"ngo_scrape-{variant}.log"
    with log.open("w") as out:
        result = subprocess.run([sys.executable, "-m", "airflow", "dags", "test", "ngo_scrape"], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, "ATLAS_SOURCES_DIR": str(sources)},
                                timeout=900)
    return result.returncode, log.read_text(errors="replace")


def dag_run_state(log: str) -> str | None:
    match = re.search(r"DagRun Finished: dag_id=ngo_scrape,.*?state=(\w+)", log)
    return match.group(1) if match else None


def run_row(db) -> tuple:
    row = db.execute("SELECT ingest_run_id, status, step, details, error, dag_id FROM raw.ingest_runs "
                     "WHERE source_id = %s ORDER BY ingest_run_id DESC LIMIT 1", (SOURCE,)).fetchone()
    db.commit()
    return row


def chapters(db) -> dict:
    rows = {r[0]: r[1:] for r in db.execute(
        "SELECT slug, record_hash, is_active, ingest_run_id, loaded_at FROM raw.folkehjelp_chapters")}
    db.commit()
    return rows


@pytest.fixture(scope="module")
def scrape(replayed, warehouse_url, tmp_path_factory):
    from atlas_ingest import warehouse

    tmp = tmp_path_factory.mktemp("ngo-scrape")
    with warehouse.connect(warehouse_url) as db:
        out = {"demo_log": replayed.log("ngo_scrape"), "marts_log": replayed.log("atlas_marts"),
               "seconds": replayed.seconds.get("ngo_scrape"), "demo_run": run_row(db), "demo_chapters": chapters(db)}
        for variant in ("run2-lastmod-moved", "run3-55-urls", "run4-40-urls"):
            code, log = dags_test_on(variant, replayed.log_dir, tmp)
            out[variant] = {"code": code, "log": log, "run": run_row(db), "chapters": chapters(db)}
    return out


def test_the_demo_scraped_the_site_through_the_dag(scrape, db):
    run_id, status, step, details, error, dag_id = scrape["demo_run"]
    assert (status, dag_id) == ("success", "ngo_scrape")
    assert (details["discovered"], details["fetched"], details["merge"]["chapters_inserted"]) == (62, 62, 62)
    counts = db.execute("""SELECT (SELECT count(*) FROM raw.sitemap_log WHERE source_id = %(s)s),
                                  (SELECT count(*) FROM raw.folkehjelp_chapter_placement WHERE source_id = %(s)s),
                                  (SELECT count(*) FROM raw.folkehjelp_brreg_matches WHERE source_id = %(s)s)""",
                        {"s": SOURCE}).fetchone()
    db.commit()
    assert counts == (62, 62, 3) and len(scrape["demo_chapters"]) == 62
    log = scrape["demo_log"]
    for suite in ("raw_sitemap_log", "raw_folkehjelp_chapters", "raw_folkehjelp_chapter_activities",
                  "raw_folkehjelp_chapter_placement", "raw_folkehjelp_brreg_matches"):
        assert f"GX suite {suite} on raw_staging." in log
    assert "unknown activity label 'Minerydding' on chapter 'haugesund'" in log
    print("ngo_scrape DAG seconds in the demo:", scrape["seconds"])


def test_the_marts_dag_built_folkehjelp_into_the_ngo_marts(scrape, db):
    counts = db.execute("""
        SELECT (SELECT count(*) FROM marts.dim_chapter WHERE ngo_slug = 'folkehjelp'),
               (SELECT count(*) FROM marts.dim_chapter WHERE ngo_slug = 'folkehjelp' AND NOT is_active),
               (SELECT count(*) FROM marts.dim_activity WHERE ngo_slug = 'folkehjelp'),
               (SELECT count(*) FROM marts.fact_chapter_activities WHERE ngo_slug = 'folkehjelp')""").fetchone()
    sources = dict(db.execute("SELECT source, count(*) FROM marts.chapter_kommune_coverage "
                              "WHERE ngo_slug = 'folkehjelp' GROUP BY 1").fetchall())
    asker = db.execute("SELECT array_agg(kommune_nr ORDER BY kommune_nr) FROM marts.chapter_kommune_coverage "
                       "WHERE chapter_id = 'folkehjelp-asker-og-baerum'").fetchone()[0]
    db.commit()
    assert counts == (64, 2, 7, 122)  # 62 pages + 2 Brreg-only entities; six bins + one unknown label
    assert sources == {"direct": 57, "override": 3, "inferred": 13}  # 55 from slugs + 2 Brreg addresses
    assert asker == ["3201", "3203"]
    text = scrape["marts_log"]
    tasks = ("supply__folkehjelp_chapters_model_build", "chapter_kommune_coverage_model_build", "folkehjelp_activity_category_seed_build")
    for task in tasks:
        assert task in text, f"the marts DAG did not run dbt.{task}"


def test_a_second_run_fetches_only_the_pages_whose_lastmod_moved(scrape):
    second = scrape["run2-lastmod-moved"]
    assert second["code"] == 0 and dag_run_state(second["log"]) == "success"
    run_id, status, step, details, error, dag_id = second["run"]
    assert status == "success"
    assert (details["fetch_reasons"], details["skipped_unchanged"], details["fetched"], details["fetch_failed"]) == (
        {"moved": 6}, 56, 5, 1)
    assert (details["merge"]["chapters_changed"], details["merge"]["chapters_unchanged"],
            details["merge"]["chapters_kept_heading_missing"]) == (3, 1, 1)
    changed = {s for s, c in second["chapters"].items() if c != scrape["demo_chapters"][s]}
    assert changed == {"moss", "bodoe", "larvik"}
    assert "page https://folkehjelp.no/lokallag/drammen failed" in second["log"]
    assert "no <h3>Aktivitetsområder</h3> on the page of chapter 'hamar'" in second["log"]


def test_a_run_with_55_urls_marks_the_dropped_chapters_inactive(scrape):
    third = scrape["run3-55-urls"]
    assert dag_run_state(third["log"]) == "success" and third["run"][1] == "success"
    assert third["run"][3]["merge"]["orphaned"] == 7
    inactive = {s for s, c in third["chapters"].items() if not c[1]}
    assert inactive == DROPPED and len(third["chapters"]) == 62


def test_a_run_with_40_urls_fails_without_orphaning(scrape):
    fourth = scrape["run4-40-urls"]
    assert dag_run_state(fourth["log"]) == "failed"
    run_id, status, step, details, error, dag_id = fourth["run"]
    assert (status, step) == ("failed", "discover") and "TooFewUrls" in error and "40 page URL(s)" in error
    assert fourth["chapters"] == scrape["run3-55-urls"]["chapters"]
