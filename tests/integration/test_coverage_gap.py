"""The coverage-gap marts against small hand-built rows, in a database of their own.

Real reference data (Klass 131/104/103 replayed through the pipeline: today's kommuner, fylker
and bydeler); everything else is written by hand below — the need and population cells, a
handful of Red Cross chapters and their activities, the ingest runs and a quarantined chapter —
so each rule of fact_kommune_supply, fact_kommune_need, mart_coverage_gap and
fact_indicator_rollups has a row that proves it. The database is separate from the session's
because the source registry here holds only the sources named in SOURCES: the NGOs the gap
verdict rests on are exactly Red Cross.

Child poverty (ssb-08764 EUskala60, 2024) — 15 published values, top quartile ≥ 15.5:
  4020 Midt-Telemark 22  high; a quarantined chapter "Bø" may be here (candidate 0821 → 4020)
  0301 Oslo          21  high; an active local chapter offers Leksehjelp          → supply present
  4601 Bergen        20  high; Leksehjelp only at a terminated chapter and a district office
  5001 Trondheim     19  high; no chapter
  5501 Tromsø        ':' suppressed;  1804 Bodø '..' missing;  1867 Bø: no row at all
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from atlas_ingest import pipeline, registry, warehouse
from atlas_ingest.settings import PROJECT_ROOT, SOURCES_DIR

pytestmark = pytest.mark.integration

DBT = [str(Path(sys.executable).parent / "dbt")]
DBT_DIR = "include/dbt/atlas"
REFERENCE = ["ssb-klass-kommuner", "ssb-klass-fylker", "ssb-klass-bydeler"]
SOURCES = REFERENCE + ["ssb-07459", "ssb-08764", "ssb-12292", "fhi-innvandrere", "redcross-branches"]
COVERAGE = ["+mart_coverage_gap", "+fact_indicator_rollups"]
REBUILD = ["mart_ingest_health", "fact_kommune_supply", "fact_kommune_need", "mart_coverage_gap"]

POVERTY = {"4020": 22, "0301": 21, "4601": 20, "5001": 19, "1103": 12, "4204": 10, "3301": 9, "3107": 8, "3103": 7,
           "1508": 6, "1580": 5, "3203": 4.5, "3201": 4, "1506": 3, "1108": 2}
# (branch, type, name, kommune, active, terminated, parent, activities)
BRANCHES = [
    ("RK01", "Nasjonalkontoret", "Røde Kors test", "0301", True, False, None, []),
    ("D901", "Distrikt", "Hordaland test distrikt", "4601", True, False, "RK01", ["Leksehjelp"]),
    ("L901", "Lokalforening", "Oslo test Røde Kors", "0301", True, False, "D901", ["Leksehjelp"]),
    ("L902", "Lokalforening", "Bergen test Røde Kors", "4601", True, False, "D901", ["Besøkstjeneste"]),
    ("L903", "Lokalforening", "Bergen nedlagt Røde Kors", "4601", False, True, "D901", ["Leksehjelp"]),
]
# Trondheim's four bydeler (Klass 103) and the kommune's own figure, per year: (bydeler, kommune)
BYDEL_COUNTS = {
    "2021": ([(10, None), (20, None), (30, None), (None, "..")], (100, None)),
    "2022": ([(10, None), (20, None), (30, None), (40, None)], (100, None)),
    "2023": ([(None, ":"), (20, None), (30, None), (40, None)], (100, None)),
    "2024": ([(11, None), (21, None), (31, None), (41, None)], (None, ":")),
}


def dbt(*args: str, tmp: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([*DBT, *args, "--project-dir", DBT_DIR, "--profiles-dir", DBT_DIR,
                           "--target-path", str(tmp / "dbt-target"), "--log-path", str(tmp / "dbt-logs")],
                          env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _run(conn, source_id: str, *, status: str = "success", finished: datetime | None = None, error=None) -> int:
    finished = finished or datetime.now(timezone.utc)
    return conn.execute(
        """INSERT INTO raw.ingest_runs (source_id, run_key, dag_id, status, step, started_at, finished_at, error)
           VALUES (%s, %s, 'test', %s, 'validate_raw', %s, %s, %s) RETURNING ingest_run_id""",
        (source_id, f"test-{source_id}-{status}-{finished.timestamp()}", status, finished - timedelta(seconds=5),
         finished, error)).fetchone()[0]


def _obs(conn, run: int, source_id: str, region: str, level: str, period: str, code: str, value, status=None,
         dims: dict | None = None) -> None:
    conn.execute(
        """INSERT INTO raw.observations (source_id, table_id, region_code, region_level, period_id, contents_code,
                                         dimensions, value, status, ingest_run_id)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (source_id, source_id.split("-", 1)[1], region, level, period, code, json.dumps(dims or {}), value, status, run))


def _catalog(conn, run: int, source_id: str, code: str, label: str, unit: str, measuring=None, reference=None):
    conn.execute(
        """INSERT INTO raw.indicator_catalog (source_id, table_id, contents_code, label, unit, decimals,
                                              measuring_type, reference_time, table_title, ingest_run_id)
           VALUES (%s, %s, %s, %s, %s, 0, %s, %s, 'test', %s)""",
        (source_id, source_id.split("-", 1)[1], code, label, unit, measuring, reference, run))


def write_rows(conn) -> dict[str, int]:
    runs = {s: _run(conn, s) for s in SOURCES if s not in REFERENCE}
    # need: child poverty (a share), with a suppressed and a missing cell
    run = runs["ssb-08764"]
    _catalog(conn, run, "ssb-08764", "EUskala60", "Barn i lavinntekt EU-60 (prosent)", "prosent", "Stock", "31.12")
    for kommune, value in POVERTY.items():
        _obs(conn, run, "ssb-08764", kommune, "kommune", "2024", "EUskala60", value)
    _obs(conn, run, "ssb-08764", "5501", "kommune", "2024", "EUskala60", None, ":")
    _obs(conn, run, "ssb-08764", "1804", "kommune", "2024", "EUskala60", None, "..")
    # population (1 January 2025) for the per-capita need; 5001 has none
    run = runs["ssb-07459"]
    _catalog(conn, run, "ssb-07459", "Personer1", "Personer", "personer", "Stock", "01.01")
    ages = [f"{a:03d}" for a in range(105)] + ["105+"]
    for sex in ("1", "2"):
        for age in ages:
            _obs(conn, run, "ssb-07459", "0301", "kommune", "2025", "Personer1", 4, dims={"Kjonn": sex, "Alder": age})
            _obs(conn, run, "ssb-07459", "4601", "kommune", "2025", "Personer1", 1 if age < "050" else 0,
                 dims={"Kjonn": sex, "Alder": age})
            if age != "070":  # Stavanger misses one age: its groups holding 70 stay NULL
                _obs(conn, run, "ssb-07459", "1103", "kommune", "2025", "Personer1", 3, dims={"Kjonn": sex, "Alder": age})
    # a count compared per 1 000 inhabitants: home-care users
    run = runs["ssb-12292"]
    _catalog(conn, run, "ssb-12292", "KOSbrukhjem0000", "Brukere av hjemmetjenester (antall)", "personer", "Stock", "31.12")
    for kommune, value in (("0301", 424), ("4601", 10), ("5001", 50)):
        _obs(conn, run, "ssb-12292", kommune, "kommune", "2024", "KOSbrukhjem0000", value)
    # an additive count published per bydel, kommune and fylke: the disclosure check
    run = runs["fhi-innvandrere"]
    _catalog(conn, run, "fhi-innvandrere", "TELLER", "antall", "antall")
    dims = {"ALDER": "0_120", "LANDBAK": "0"}
    for year, (bydeler, (total, total_status)) in BYDEL_COUNTS.items():
        for i, (value, status) in enumerate(bydeler, 1):
            _obs(conn, run, "fhi-innvandrere", f"50010{i}", "bydel", year, "TELLER", value, status, dims)
        _obs(conn, run, "fhi-innvandrere", "5001", "kommune", year, "TELLER", total, total_status, dims)
    _obs(conn, run, "fhi-innvandrere", "0301", "kommune", "2024", "TELLER", 1000, None, dims)
    _obs(conn, run, "fhi-innvandrere", "03", "fylke", "2024", "TELLER", 1000, None, dims)
    # Red Cross: chapters, their activities, and two chapters the last load could not place
    run = runs["redcross-branches"]
    for branch, kind, name, kommune, active, terminated, parent, activities in BRANCHES:
        conn.execute(
            """INSERT INTO raw.redcross_branches (source_id, branch_id, branch_type, branch_name, is_active,
                   is_terminated, parent_branch_id, kommune_nr, kommune_resolution, activity_count, raw_payload,
                   record_hash, ingest_run_id)
               VALUES ('redcross-branches', %s, %s, %s, %s, %s, %s, %s, 'postnummer', %s, '{}', %s, %s)""",
            (branch, kind, name, active, terminated, parent, kommune, len(activities), branch, run))
        for seq, activity in enumerate(activities, 1):
            slug = {"Leksehjelp": "leksehjelp", "Besøkstjeneste": "besokstjeneste"}[activity]
            conn.execute(
                """INSERT INTO raw.redcross_branch_activities (source_id, branch_id, activity_seq, global_activity_name,
                       global_activity_slug, ingest_run_id) VALUES ('redcross-branches', %s, %s, %s, %s, %s)""",
                (branch, seq, activity, slug, run))
    for locator, candidates in (("#branchId=L921", ["0821", "1867"]), ("#branchId=L922", [])):
        conn.execute(
            """INSERT INTO raw.quarantine (source_id, ingest_run_id, locator, reason, payload)
               VALUES ('redcross-branches', %s, %s, 'kommune not resolved', %s)""",
            (run, locator, json.dumps({"branchId": locator[-4:], "candidates": candidates})))
    return runs


@pytest.fixture(scope="module")
def gap(warehouse_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("coverage-gap")
    name = warehouse_url.rsplit("/", 1)[1] + "_gap"
    url = _with_database(warehouse_url, name)
    admin = _with_database(warehouse_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    sources = tmp / "sources"
    sources.mkdir()
    for source_id in SOURCES:
        os.symlink(SOURCES_DIR / source_id, sources / source_id)
    saved = {k: os.environ.get(k) for k in ("ATLAS_WAREHOUSE_URL", "ATLAS_SOURCES_DIR")}
    os.environ.update(ATLAS_WAREHOUSE_URL=url, ATLAS_SOURCES_DIR=str(sources))
    from atlas_ingest.manifest import _load_all

    _load_all.cache_clear()
    env = {**os.environ, "ATLAS_DBT_DBNAME": name}
    try:
        with warehouse.connect(url) as conn:
            warehouse.migrate(conn)
            registry.upsert_sources(conn)
        for source_id in REFERENCE:
            pipeline.run_source(source_id, mode="replay", force=True)
        with warehouse.connect(url) as conn:
            runs = write_rows(conn)
            conn.commit()
        out = dbt("build", "--indirect-selection", "buildable", "--select", *COVERAGE, tmp=tmp, env=env)
        assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
        with warehouse.connect(url) as conn:
            yield {"url": url, "tmp": tmp, "env": env, "runs": runs, "dbt": out.stdout}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _load_all.cache_clear()
        if not os.environ.get("ATLAS_KEEP_TEST_DB"):
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                             "AND pid <> pg_backend_pid()", (name,))
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def query(gap, text: str, params: tuple = ()) -> list[tuple]:
    with warehouse.connect(gap["url"]) as conn:
        return conn.execute(text, params).fetchall()


def gaps(gap, need_id: str) -> dict[str, tuple]:
    return {k: (c, n, s) for k, c, n, s in query(gap, """
        SELECT kommune_nr, confidence, need_status, supply_status FROM marts.mart_coverage_gap
         WHERE need_id = %s AND period_id = '2024'""", (need_id,))}


def rebuild(gap) -> None:
    out = dbt("run", "--select", *REBUILD, tmp=gap["tmp"], env=gap["env"])
    assert out.returncode == 0, out.stdout[-4000:]


# ----------------------------------------------------------------------------- supply
def test_supply_counts_active_local_chapters_only(gap):
    rows = {(k, c): (n, s, slugs) for k, c, n, s, slugs in query(gap, """
        SELECT kommune_nr, service_category_code, active_chapters, supply_status, ngo_slugs
          FROM marts.fact_kommune_supply
         WHERE kommune_nr IN ('0301', '4601') AND service_category_code IN ('homework_help', 'elderly_visiting')""")}
    assert rows[("0301", "homework_help")] == (1, "present", ["redcross"])
    # Bergen's Leksehjelp is at a terminated chapter and a district office: neither is local supply
    assert rows[("4601", "homework_help")] == (0, "none", [])
    assert rows[("4601", "elderly_visiting")] == (1, "present", ["redcross"])
    assert query(gap, "SELECT count(*), count(DISTINCT kommune_nr) FROM marts.fact_kommune_supply")[0] == (357 * 25, 357)
    assert query(gap, "SELECT DISTINCT ngos_covered, unplaced_chapters_nationally FROM marts.fact_kommune_supply") == [
        (["redcross"], 1)]


def test_a_quarantined_chapter_makes_its_candidate_kommuner_unknown(gap):
    unknown = query(gap, """
        SELECT kommune_nr, array_agg(service_category_code ORDER BY service_category_code), max(supply_unknown_reason)
          FROM marts.fact_kommune_supply WHERE supply_status = 'unknown' GROUP BY kommune_nr ORDER BY kommune_nr""")
    # 0821 (Bø i Telemark until 2020) is today's 4020; only categories Red Cross offers somewhere
    assert unknown == [
        ("1867", ["elderly_visiting", "homework_help"], "redcross-branches: 1 quarantined chapter(s) could be in this kommune"),
        ("4020", ["elderly_visiting", "homework_help"], "redcross-branches: 1 quarantined chapter(s) could be in this kommune")]


# ------------------------------------------------------------------------------- need
def test_population_denominators_sum_ages_into_groups(gap):
    rows = {(k, g): (None if p is None else float(p), s) for k, g, p, s in query(gap, """
        SELECT region_code, age_group, population, status FROM marts.fact_population
         WHERE region_level = 'kommune' AND period_id = '2025'""")}
    # 0301: 4 per sex and year of age, 0-105 ('105+' is the last year)
    assert {g: p for (k, g), (p, _) in rows.items() if k == "0301"} == {
        "total": 848, "children_0_17": 144, "school_6_15": 80, "youth_13_19": 56, "adults_18_66": 392,
        "elderly_67_plus": 312, "elderly_80_plus": 208}
    assert rows[("4601", "total")] == (100, None)
    # Stavanger has no cell for age 70: the groups holding it are NULL '..', never a partial sum
    assert rows[("1103", "elderly_67_plus")] == (None, "..") and rows[("1103", "total")] == (None, "..")
    assert rows[("1103", "children_0_17")] == (108, None)


def test_need_thresholds_and_statuses(gap):
    rows = {k: (s, float(v) if v is not None else None) for k, s, v in query(gap, """
        SELECT kommune_nr, need_status, need_value FROM marts.fact_kommune_need
         WHERE need_id = 'child_poverty' AND period_id = '2024'""")}
    assert query(gap, "SELECT DISTINCT threshold FROM marts.fact_kommune_need WHERE need_id = 'child_poverty'") == [(15.5,)]
    assert {k for k, (s, _) in rows.items() if s == "high"} == {"4020", "0301", "4601", "5001"}
    assert rows["1103"] == ("low", 12.0)
    assert rows["5501"] == ("suppressed", None) and rows["1804"] == ("missing", None)
    assert rows["1867"] == ("not_published", None)
    assert len(rows) == 357


def test_a_count_is_compared_per_capita_with_the_nearest_population_year(gap):
    rows = {k: (s, None if v is None else float(v), d) for k, s, v, d in query(gap, """
        SELECT kommune_nr, need_status, need_value, denominator_period_id FROM marts.fact_kommune_need
         WHERE need_id = 'elderly_home_care' AND kommune_nr IN ('0301', '4601', '5001')""")}
    assert rows["0301"] == ("high", 500.0, "2025")  # 424 users per 848 inhabitants x 1 000
    assert rows["4601"] == ("low", 100.0, "2025")  # 10 per 100
    assert rows["5001"] == ("missing", None, "2025")  # a count without its denominator is not low


# -------------------------------------------------------------------------------- gap
def test_the_gap_mart_answers_with_its_confidence(gap):
    assert gaps(gap, "child_poverty") == {
        "4601": ("confirmed", "high", "none"),
        "5001": ("confirmed", "high", "none"),
        "4020": ("supply_unknown", "high", "unknown"),
        "5501": ("need_suppressed", "suppressed", "none"),
        "1804": ("need_missing", "missing", "none"),
    }
    # Red Cross offers no holidays anywhere: its quarantined chapter cannot hide one
    assert gaps(gap, "child_poverty_holidays") == {
        "4020": ("confirmed", "high", "none"), "0301": ("confirmed", "high", "none"),
        "4601": ("confirmed", "high", "none"), "5001": ("confirmed", "high", "none"),
        "5501": ("need_suppressed", "suppressed", "none"), "1804": ("need_missing", "missing", "none"),
    }
    assert gaps(gap, "elderly_home_care") == {"0301": ("confirmed", "high", "none"),
                                              "5001": ("need_missing", "missing", "none")}
    reason = query(gap, """SELECT confidence_reason FROM marts.mart_coverage_gap
                            WHERE need_id = 'child_poverty' AND kommune_nr = '4601'""")[0][0]
    assert reason == ("need 20.00 >= 15.50 (top 25 % of 15 kommuner); "
                      "no active local chapter of redcross offers homework_help")
    reason = query(gap, """SELECT confidence_reason FROM marts.mart_coverage_gap
                            WHERE need_id = 'elderly_home_care' AND kommune_nr = '5001'""")[0][0]
    assert reason.startswith("no population denominator for the per-capita need")


def test_the_dbt_tests_and_rules_ran(gap):
    for name in ("assert_coverage_gap_rules", "assert_no_disclosure_by_subtraction",
                 "unique_combination_mart_coverage_gap_need_id__period_id__kommune_nr"):
        assert name in gap["dbt"], name


def test_a_failed_scrape_never_makes_a_gap(gap):
    with warehouse.connect(gap["url"]) as conn:
        failed = _run(conn, "redcross-branches", status="failed", error="HTTP 503 from the export")
        conn.commit()
    try:
        rebuild(gap)
        assert gaps(gap, "child_poverty") == {
            "4601": ("supply_unknown", "high", "unknown"),
            "5001": ("supply_unknown", "high", "unknown"),
            "4020": ("supply_unknown", "high", "unknown"),
            "5501": ("need_suppressed_supply_unknown", "suppressed", "unknown"),
            "1804": ("need_missing_supply_unknown", "missing", "unknown"),
        }
        reason = query(gap, """SELECT confidence_reason FROM marts.mart_coverage_gap
                                WHERE need_id = 'child_poverty' AND kommune_nr = '5001'""")[0][0]
        assert "redcross-branches: last run failed: HTTP 503 from the export" in reason
        # categories Red Cross never offers keep their verdict
        assert gaps(gap, "child_poverty_holidays")["4601"] == ("confirmed", "high", "none")
    finally:
        with warehouse.connect(gap["url"]) as conn:
            conn.execute("DELETE FROM raw.ingest_runs WHERE ingest_run_id = %s", (failed,))
            conn.commit()


def test_a_stale_ngo_source_makes_supply_unknown_too(gap):
    run = gap["runs"]["redcross-branches"]
    with warehouse.connect(gap["url"]) as conn:
        conn.execute("UPDATE raw.ingest_runs SET finished_at = finished_at - interval '60 days', "
                     "started_at = started_at - interval '60 days' WHERE ingest_run_id = %s", (run,))
        conn.commit()
    try:
        rebuild(gap)
        assert gaps(gap, "child_poverty")["4601"] == ("supply_unknown", "high", "unknown")
        assert "redcross-branches: stale" in query(gap, """
            SELECT supply_unknown_reason FROM marts.fact_kommune_supply
             WHERE kommune_nr = '4601' AND service_category_code = 'homework_help'""")[0][0]
    finally:
        with warehouse.connect(gap["url"]) as conn:
            conn.execute("UPDATE raw.ingest_runs SET finished_at = finished_at + interval '60 days', "
                         "started_at = started_at + interval '60 days' WHERE ingest_run_id = %s", (run,))
            conn.commit()
        rebuild(gap)
    assert gaps(gap, "child_poverty")["4601"] == ("confirmed", "high", "none")


def test_an_active_chapter_that_could_not_be_placed_makes_its_county_unknown(gap):
    """A lokalforening the load kept without a kommune (its name resolved to none) could be in any
    kommune of its published county: Trondheim (Trøndelag, high need, no chapter) is no longer a
    confirmed gap for what that chapter offers; Bergen (Vestland) still is."""
    run = gap["runs"]["redcross-branches"]
    with warehouse.connect(gap["url"]) as conn:
        conn.execute(
            """INSERT INTO raw.redcross_branches (source_id, branch_id, branch_type, branch_name, is_active,
                   is_terminated, parent_branch_id, county, kommune_nr, kommune_resolution, kommune_note,
                   activity_count, raw_payload, record_hash, ingest_run_id)
               VALUES ('redcross-branches', 'L904', 'Lokalforening', 'Sørbygda Røde Kors', true, false, 'D901',
                       'Trøndelag', NULL, 'unresolved', 'no kommune is called Sørbygda', 1, '{}', 'L904', %s)""",
            (run,))
        conn.execute(
            """INSERT INTO raw.redcross_branch_activities (source_id, branch_id, activity_seq, global_activity_name,
                   global_activity_slug, ingest_run_id) VALUES ('redcross-branches', 'L904', 1, 'Leksehjelp',
                   'leksehjelp', %s)""", (run,))
        conn.commit()
    try:
        out = dbt("run", "--select", "+mart_coverage_gap", tmp=gap["tmp"], env=gap["env"])
        assert out.returncode == 0, out.stdout[-4000:]
        poverty = gaps(gap, "child_poverty")
        assert poverty["5001"] == ("supply_unknown", "high", "unknown")
        assert poverty["4601"] == ("confirmed", "high", "none")
        reason = query(gap, """SELECT supply_unknown_reason FROM marts.fact_kommune_supply
                                WHERE kommune_nr = '5001' AND service_category_code = 'homework_help'""")[0][0]
        assert reason == ("redcross-branches: active chapter 'Sørbygda Røde Kors' could not be placed in a kommune "
                          "(county Trøndelag)")
        # only what the chapter offers, only in its county
        assert query(gap, """SELECT count(DISTINCT kommune_nr), array_agg(DISTINCT service_category_code)
                               FROM marts.fact_kommune_supply
                              WHERE supply_unknown_reason LIKE %s""", ('%Sørbygda%',))[0] == (38, ["homework_help"])
    finally:
        with warehouse.connect(gap["url"]) as conn:
            conn.execute("DELETE FROM raw.redcross_branch_activities WHERE branch_id = 'L904'")
            conn.execute("DELETE FROM raw.redcross_branches WHERE branch_id = 'L904'")
            conn.commit()
        out = dbt("run", "--select", "+mart_coverage_gap", tmp=gap["tmp"], env=gap["env"])
        assert out.returncode == 0, out.stdout[-4000:]
    assert gaps(gap, "child_poverty")["5001"] == ("confirmed", "high", "none")


# ------------------------------------------------------------------------- disclosure
def test_no_suppressed_cell_can_be_recovered_by_subtraction(gap):
    rows = {p: (f, None if v is None else float(v), s, d) for p, f, v, s, d in query(gap, """
        SELECT period_id, disclosure_flag, value, status, upstream_total_discloses FROM marts.fact_indicator_rollups
         WHERE rollup = 'bydel_to_kommune' AND parent_code = '5001'""")}
    assert rows == {
        "2021": ("incomplete", None, "..", False),            # a bydel without a figure: never a partial sum
        "2022": ("ok", 100.0, None, False),                   # 10 + 20 + 30 + 40
        "2023": ("component_suppressed", None, ":", True),    # 100 - (20 + 30 + 40) would give the hidden bydel
        "2024": ("total_suppressed_upstream", None, ":", False),  # the sum would reveal Trondheim's hidden total
    }
    fylke = query(gap, """SELECT parent_code, disclosure_flag, value, components_expected FROM marts.fact_indicator_rollups
                           WHERE rollup = 'kommune_to_fylke' AND period_id = '2024'
                             AND indicator_id = 'fhi-innvandrere:TELLER' ORDER BY parent_code""")
    assert [(p, f, None if v is None else float(v), n) for p, f, v, n in fylke] == [
        ("03", "ok", 1000.0, 1),
        ("50", "component_suppressed", None, 38)]  # Trondheim's 2024 figure is hidden: that outranks incomplete
