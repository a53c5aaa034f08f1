"""Udir without Airflow: the real pipeline loads Klass 131/104 (the geography schools resolve
against) and the five Udir sources in replay; `dbt build` builds the school marts in the session's
test database. Data: constructed snapshots in the real captures' shapes (each udir-* source's
snapshots/SNAPSHOT.md says what is real).

The suppression proof: Birkeland skole (975283259, Birkenes) has its count of pupils with
special-needs teaching hidden (`*`) in 2025-26, while Birkenes' kommune total (67, Udir's real
figure) and the other three schools (23 + 21 + 22) are published — so the hidden cell could be
"recovered" as 1. It must stay NULL in raw, in fact_school_indicators and in the kommune sum.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from atlas_ingest import pipeline
from atlas_ingest.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

DBT = [str(Path(sys.executable).parent / "dbt")]
DBT_DIR = "include/dbt/atlas"
REFERENCE_SOURCES = ["ssb-klass-kommuner", "ssb-klass-fylker"]
UDIR_SOURCES = ["udir-elevundersokelsen", "udir-fravar", "udir-gsi", "udir-nasjonale-prover", "udir-sluttet-vgs"]
SCHOOL_MARTS = ["+fact_school_indicators_by_kommune", "+crosswalk_school_to_kommune",
                "+fact_school_special_education_share", "assert_school_suppression_stays_null",
                "assert_special_education_share_null_when_a_count_is"]
# rows each source's constructed snapshots parse to (udir_construct.py prints them; SNAPSHOT.md records them)
EXPECTED_ROWS = {"udir-elevundersokelsen": 248, "udir-fravar": 1080, "udir-gsi": 970,
                 "udir-nasjonale-prover": 5238, "udir-sluttet-vgs": 66}
EXPECTED_QUARANTINE = {"udir-elevundersokelsen": 0, "udir-fravar": 20, "udir-gsi": 20,
                       "udir-nasjonale-prover": 108, "udir-sluttet-vgs": 0}
BIRKELAND, BIRKENES = "975283259", "4216"
EXPECTED_SHARE_ROWS = {"school": 30, "kommune": 154}


def dbt(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*DBT, *args, "--project-dir", DBT_DIR, "--profiles-dir", DBT_DIR,
                           "--target-path", str(tmp / "dbt-target"), "--log-path", str(tmp / "dbt-logs")],
                          env={**os.environ}, capture_output=True, text=True, cwd=PROJECT_ROOT)


@pytest.fixture(scope="module")
def loaded(warehouse_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("udir")
    results = {s: pipeline.run_source(s, mode="replay", force=True) for s in REFERENCE_SOURCES + UDIR_SOURCES}
    out = dbt("build", "--indirect-selection", "buildable", "--select", *SCHOOL_MARTS, tmp=tmp)
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    return {"results": results, "dbt": out.stdout}


def test_every_udir_source_loads_its_rows_and_quarantines_only_svalbard(loaded, db):
    for source_id in UDIR_SOURCES:
        assert loaded["results"][source_id]["status"] == "success", source_id
    counts = dict(db.execute("SELECT source_id, count(*) FROM raw.observations WHERE source_id LIKE 'udir-%' "
                             "GROUP BY 1").fetchall())
    assert counts == EXPECTED_ROWS
    quarantined = dict(db.execute(
        """SELECT s, count(q.*) FROM unnest(%s::text[]) s LEFT JOIN raw.quarantine q ON q.source_id = s
            AND q.ingest_run_id = (SELECT max(ingest_run_id) FROM raw.ingest_runs r WHERE r.source_id = s)
            GROUP BY s""", (UDIR_SOURCES,)).fetchall())
    assert quarantined == EXPECTED_QUARANTINE
    reasons = {r for (r,) in db.execute("SELECT DISTINCT reason FROM raw.quarantine WHERE source_id LIKE 'udir-%'")}
    assert reasons and all("Svalbard" in r for r in reasons), reasons


def test_school_rows_are_orgnr_and_suppression_is_verbatim(loaded, db):
    levels = dict(db.execute("SELECT region_level, count(*) FROM raw.observations WHERE source_id = 'udir-gsi' "
                             "GROUP BY 1").fetchall())
    assert levels == {"fylke": 50, "kommune": 770, "school": 150}  # GSK_Elev_Skol 40/616/120 + lærertetthet
    birkeland = db.execute(
        """SELECT value, status FROM raw.observations WHERE source_id = 'udir-gsi' AND region_code = %s
            AND period_id = '2025-2026' AND contents_code = 'ELEVER_SPESIALUNDERVISNING'""", (BIRKELAND,)).fetchone()
    assert birkeland == (None, "*")
    # Udir's real figure for Birkenes, and the three visible schools beside the hidden one
    kommune = db.execute(
        """SELECT value FROM raw.observations WHERE source_id = 'udir-gsi' AND region_code = %s
            AND period_id = '2025-2026' AND contents_code = 'ELEVER_SPESIALUNDERVISNING'""", (BIRKENES,)).fetchone()
    assert kommune == (67,)
    # a real GSI number with a thousands space ("38 101") and Agder's real count
    assert db.execute("""SELECT value FROM raw.observations WHERE source_id = 'udir-gsi' AND region_code = '42'
                          AND period_id = '2025-2026' AND contents_code = 'ELEVER'""").fetchone() == (38101,)
    assert db.execute("SELECT count(*) FROM raw.observations WHERE source_id LIKE 'udir-%' "
                      "AND status IS NOT NULL AND value IS NOT NULL").fetchone() == (0,)


def test_the_roster_and_dim_school(loaded, db):
    assert db.execute("SELECT count(*) FROM raw.udir_schools WHERE source_id = 'udir-gsi'").fetchone() == (15,)
    row = db.execute("""SELECT school_name, school_type, owner, kommune_nr, kommune_name, fylke_nr, is_active,
                               first_school_year, valid_from::text, valid_to
                          FROM marts.dim_school WHERE orgnr = '990334021'""").fetchone()
    assert row == ("Arendal International School (Ais)", "grunnskole", "privat", "4203", "Arendal", "42", True,
                   "2023-2024", "2023-08-01", None)  # fravær has it from 2023-24
    # a name with a trailing space in Udir's tree is kept without it
    assert db.execute("SELECT school_name FROM marts.dim_school WHERE orgnr = '975280888'").fetchone() == ("Asdal skole",)
    types = dict(db.execute("SELECT school_type, count(*) FROM marts.dim_school GROUP BY 1").fetchall())
    assert types == {"grunnskole": 15, "videregaende": 6}
    assert db.execute("SELECT count(*) FROM marts.dim_school WHERE kommune_nr IS NULL").fetchone() == (0,)
    crosswalk = dict(db.execute("SELECT basis, count(*) FROM marts.crosswalk_school_to_kommune GROUP BY 1").fetchall())
    assert crosswalk == {"registered": 21}
    # Svalbard's constructed school was quarantined, not placed
    assert db.execute("SELECT count(*) FROM marts.dim_school WHERE kommune_nr LIKE '21%'").fetchone() == (0,)


def test_a_suppressed_school_cell_stays_null_through_the_marts(loaded, db):
    fact = db.execute(
        """SELECT value, status, kommune_nr FROM marts.fact_school_indicators
            WHERE orgnr = %s AND indicator_id = 'udir-gsi:ELEVER_SPESIALUNDERVISNING' AND period_id = '2025-2026'""",
        (BIRKELAND,)).fetchone()
    assert fact == (None, "*", BIRKENES)
    by_kommune = db.execute(
        """SELECT schools, schools_hidden, value, status, value_published FROM marts.fact_school_indicators_by_kommune
            WHERE kommune_nr = %s AND indicator_id = 'udir-gsi:ELEVER_SPESIALUNDERVISNING' AND period_id = '2025-2026'""",
        (BIRKENES,)).fetchone()
    assert by_kommune == (4, 1, None, "*", 67)
    # where no school is hidden, the schools add up to Udir's published kommune total
    pupils = db.execute(
        """SELECT schools, value, value_published FROM marts.fact_school_indicators_by_kommune
            WHERE kommune_nr = %s AND indicator_id = 'udir-gsi:ELEVER' AND period_id = '2025-2026'""",
        (BIRKENES,)).fetchone()
    assert pupils == (4, 738, 738)
    # shares are never summed to a kommune
    assert db.execute("SELECT count(*) FROM marts.fact_school_indicators_by_kommune "
                      "WHERE indicator_id LIKE 'udir-elevundersokelsen:%'").fetchone() == (0,)
    assert "assert_school_suppression_stays_null" in loaded["dbt"]


def test_ratios_and_means_are_never_summed_to_a_kommune(loaded, db):
    kinds = dict(db.execute("""SELECT indicator_id, measure_kind || ':' || is_additive FROM marts.dim_indicator
                                WHERE indicator_id IN ('udir-gsi:LAERERTETTHET_ORDINAER',
                                                       'udir-elevundersokelsen:TRIVSEL_SNITT')""").fetchall())
    assert kinds == {"udir-gsi:LAERERTETTHET_ORDINAER": "rate:false",
                     "udir-elevundersokelsen:TRIVSEL_SNITT": "mean:false"}
    # school figures are kept per school …
    schools = dict(db.execute("""SELECT indicator_id, count(*) FROM marts.fact_school_indicators
                                  WHERE indicator_id IN ('udir-gsi:LAERERTETTHET_ORDINAER',
                                                         'udir-elevundersokelsen:TRIVSEL_SNITT') GROUP BY 1""").fetchall())
    assert schools == {"udir-gsi:LAERERTETTHET_ORDINAER": 30, "udir-elevundersokelsen:TRIVSEL_SNITT": 76}
    # … never summed over a kommune's schools (Udir's own kommune figure is in fact_kommune_indicators)
    assert db.execute("""SELECT count(*) FROM marts.fact_school_indicators_by_kommune
                          WHERE contents_code IN ('LAERERTETTHET_ORDINAER', 'TRIVSEL_SNITT')""").fetchone() == (0,)
    assert db.execute("""SELECT count(*) FROM marts.fact_school_indicators_by_kommune k
                          JOIN marts.dim_indicator i USING (indicator_id) WHERE NOT i.is_additive""").fetchone() == (0,)
    assert db.execute("""SELECT count(*) FROM marts.fact_kommune_indicators
                          WHERE indicator_id = 'udir-gsi:LAERERTETTHET_ORDINAER' AND period_id = '2025-2026'
                            AND value IS NOT NULL""").fetchone()[0] > 50


def test_the_special_education_share(loaded, db):
    rows = dict(db.execute("""SELECT region_level, count(*) FROM marts.fact_school_special_education_share
                               GROUP BY 1""").fetchall())
    assert rows == EXPECTED_SHARE_ROWS
    # Birkeland skole: its special-needs count is hidden, so is its share — not 1/its pupils
    birkeland = db.execute("""SELECT elever IS NOT NULL, elever_spesialundervisning, share_pct, status, status_meaning
                                FROM marts.fact_school_special_education_share
                               WHERE region_level = 'school' AND region_code = %s AND period_id = '2025-2026'""",
                           (BIRKELAND,)).fetchone()
    assert birkeland == (True, None, None, "*", "suppressed")
    # Birkenes: Udir's own kommune counts (67 of 738), not the schools' sum
    birkenes = db.execute("""SELECT elever, elever_spesialundervisning, round(share_pct, 2), status
                               FROM marts.fact_school_special_education_share
                              WHERE region_level = 'kommune' AND region_code = %s AND period_id = '2025-2026'""",
                          (BIRKENES,)).fetchone()
    assert birkenes == (738, 67, Decimal("9.08"), None)
    # a share is present exactly when both counts are, and is their ratio; never another year's
    assert db.execute("""SELECT count(*) FROM marts.fact_school_special_education_share
                          WHERE (share_pct IS NULL) <> (elever IS NULL OR elever_spesialundervisning IS NULL
                                                         OR elever = 0)""").fetchone() == (0,)
    assert "assert_special_education_share_null_when_a_count_is" in loaded["dbt"]


def test_kommune_rows_reach_fact_kommune_indicators(loaded, db):
    # the marts selection above built fact_kommune_indicators (value_published comes from it)
    rows = dict(db.execute("SELECT source_id, count(*) FROM marts.fact_kommune_indicators "
                           "WHERE source_id LIKE 'udir-%' GROUP BY 1").fetchall())
    assert set(rows) == set(UDIR_SOURCES) - {"udir-sluttet-vgs"}  # upper secondary has no kommune rows
    periods = {p for (p,) in db.execute("SELECT DISTINCT period_grain FROM marts.fact_kommune_indicators "
                                        "WHERE source_id LIKE 'udir-%'")}
    assert periods == {"SCHOOL_YEAR"}
    assert db.execute("""SELECT start_date::text, end_date::text FROM marts.dim_period
                          WHERE period_id = '2025-2026' AND period_grain = 'SCHOOL_YEAR'""").fetchone() == \
        ("2025-08-01", "2026-07-31")


def test_rerun_skips_unchanged_reports(loaded):
    result = pipeline.run_source("udir-gsi", mode="replay")
    assert result["status"] == "skipped" and "unchanged" in result["reason"]


def test_the_school_mart_gates_pass(loaded):
    from atlas_ingest import quality
    from atlas_ingest.airflow.marts import MART_SUITES

    for suite in ("mart_dim_school", "mart_fact_school_indicators"):
        outcome = quality.gate(suite, query=MART_SUITES[suite], target=suite)
        assert outcome.success and outcome.evaluated >= 4, outcome.failures


CLOSED_SCHOOL_MODELS = ("dim_period", "dim_school", "crosswalk_school_to_kommune", "fact_school_indicators")


def test_a_school_that_left_the_reports_keeps_its_history_and_becomes_inactive(loaded, db, tmp_path):
    """A school Udir stopped listing (closed) is not deleted by the next load: its roster row and its
    old figures stay, and dim_school says it is inactive since the end of its last school year."""
    run = db.execute("SELECT max(ingest_run_id) FROM raw.ingest_runs WHERE source_id = 'udir-gsi' "
                     "AND status = 'success'").fetchone()[0]
    closed = "974557746"  # a valid mod-11 organisasjonsnummer no snapshot lists
    db.execute("""INSERT INTO raw.udir_schools (source_id, orgnr, school_name, kommune_nr, kommune_name, fylke_nr,
                      udir_enhet_id, report_codes, school_type, owner, school_years, record_hash, ingest_run_id)
                  VALUES ('udir-gsi', %s, 'Nedlagt skole', '4203', 'Arendal', '42', 999999, '{GSK_Elev_Skol}',
                          'grunnskole', 'offentlig', '{2020-2021}', 'closed', %s)""", (closed, run))
    db.execute("""INSERT INTO raw.observations (source_id, table_id, region_code, region_level, period_id,
                      contents_code, dimensions, value, status, ingest_run_id)
                  SELECT source_id, table_id, %s, 'school', '2020-2021', contents_code, dimensions, 42, NULL, %s
                    FROM raw.observations WHERE source_id = 'udir-gsi' AND region_level = 'school'
                     AND contents_code = 'ELEVER' LIMIT 1""", (closed, run))
    db.commit()
    try:
        assert pipeline.run_source("udir-gsi", mode="replay", force=True)["status"] == "success"
        assert db.execute("SELECT school_name, school_years FROM raw.udir_schools WHERE orgnr = %s",
                          (closed,)).fetchone() == ("Nedlagt skole", ["2020-2021"])
        assert db.execute("SELECT count(*) FROM raw.udir_schools WHERE source_id = 'udir-gsi'").fetchone() == (16,)
        out = dbt("run", "--select", *CLOSED_SCHOOL_MODELS, tmp=tmp_path)
        assert out.returncode == 0, out.stdout[-4000:]
        assert db.execute("""SELECT is_active, last_school_year, valid_to::text FROM marts.dim_school
                              WHERE orgnr = %s""", (closed,)).fetchone() == (False, "2020-2021", "2021-07-31")
        assert db.execute("SELECT count(*) FROM marts.fact_school_indicators WHERE orgnr = %s",
                          (closed,)).fetchone() == (1,)
    finally:
        db.execute("DELETE FROM raw.observations WHERE region_code = %s", (closed,))
        db.execute("DELETE FROM raw.udir_schools WHERE orgnr = %s", (closed,))
        db.commit()
        dbt("run", "--select", *CLOSED_SCHOOL_MODELS, tmp=tmp_path)
