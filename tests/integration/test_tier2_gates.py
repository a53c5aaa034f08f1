"""Issue 11's gates bite: the GX suites of the four sources reject rows that break their rules, and
a DSB edition in an unknown layout fails the run while raw keeps the last good data. Real
PostgreSQL; the sources load from their constructed snapshots through the real pipeline."""

from __future__ import annotations

import io
import json
import shutil

import openpyxl
import pytest

from atlas_ingest import pipeline, quality
from atlas_ingest.families.dsb.parse import DsbParseError
from atlas_ingest.periods import CANONICAL_PERIOD_REGEX
from atlas_ingest.settings import SOURCES_DIR

pytestmark = pytest.mark.integration

SOURCES = ["ssb-klass-kommuner", "helsedir-fastlege", "dsb-kommuneundersokelsen", "lottstift-momskompensasjon",
           "brreg-frivillighetsregisteret"]


@pytest.fixture(scope="module")
def loaded(warehouse_url):
    return {s: pipeline.run_source(s, mode="replay", force=True) for s in SOURCES}


def run(suite: str, query: str, source_id: str):
    return quality.run_suite(suite, query=query, target="test", variables={
        "source_id": source_id, "period_regex": CANONICAL_PERIOD_REGEX, "min_rows": 1, "provider": "x"})


def failing(outcome) -> list[str]:
    return sorted(f["why"] or f["expectation"] for f in outcome.failures)


def test_the_loads_pass_their_own_gates(loaded):
    assert {s: r["status"] for s, r in loaded.items()} == {s: "success" for s in SOURCES}


def test_dsb_gate_rejects_answers_of_a_kommune_that_did_not_answer(loaded):
    columns = "source_id, table_id, region_code, region_level, period_id, contents_code, dimensions, value, status"
    base = f"SELECT {columns} FROM raw.observations WHERE source_id = 'dsb-kommuneundersokelsen'"
    assert run("raw_observations__dsb", base, "dsb-kommuneundersokelsen").success
    # a 2019 non-respondent (is_response = 0) given a score of 0: exactly the confusion to prevent
    bad = (base + " UNION ALL SELECT source_id, table_id, region_code, region_level, period_id, "
           "'grunnkrav_oppfylt_andel', dimensions, 0, NULL FROM raw.observations "
           "WHERE source_id = 'dsb-kommuneundersokelsen' AND contents_code = 'is_response' AND value = 0")
    outcome = run("raw_observations__dsb", bad, "dsb-kommuneundersokelsen")
    assert not outcome.success
    assert failing(outcome) == ["a kommune that did not answer has no answers and no score: 'did not answer' never "
                                "reads as a low score"]


def test_helsedir_gate_rejects_more_vacant_lists_than_lists_without_a_gp(loaded):
    base = "SELECT * FROM raw.observations WHERE source_id = 'helsedir-fastlege'"
    assert run("raw_observations__helsedirektoratet", base, "helsedir-fastlege").success
    bad = ("SELECT source_id, table_id, region_code, region_level, period_id, contents_code, dimensions, "
           "CASE WHEN contents_code = 'ubesatte_lister' AND region_code = '0301' THEN 10000 ELSE value END AS value, "
           "status, ingest_run_id, loaded_at FROM raw.observations WHERE source_id = 'helsedir-fastlege'")
    outcome = run("raw_observations__helsedirektoratet", bad, "helsedir-fastlege")
    assert failing(outcome) == ["vacant lists are a subset of lists without a fixed GP (Helfo's definitions)"]


def test_lottstift_gate_rejects_a_zero_where_no_case_had_an_amount(loaded):
    base = "SELECT * FROM raw.lottstift_momskompensasjon"
    assert run("raw_lottstift_momskompensasjon", base, "lottstift-momskompensasjon").success
    bad = ("SELECT source_id, period_id, orgnr, recipient_name, coalesce(amount_nok, 0) AS amount_nok, amount_basis, "
           "amount_column, cases, cases_without_amount, layout, file_url, record_hash, ingest_run_id, loaded_at "
           "FROM raw.lottstift_momskompensasjon")
    outcome = run("raw_lottstift_momskompensasjon", bad, "lottstift-momskompensasjon")
    assert failing(outcome) == ["the amount is NULL exactly when none of the recipient's cases had one"]


def test_frivillighetsregisteret_gate_rejects_an_account_number(loaded):
    base = "SELECT * FROM raw.brreg_frivillige_organisasjoner"
    assert run("raw_brreg_frivillige_organisasjoner", base, "brreg-frivillighetsregisteret").success
    bad = base.replace("SELECT *", "SELECT source_id, orgnr, navn, organisasjonsform, frivillig_status, innfoert_dato, "
                       "forste_gang_innfoert, icnpo_codes, icnpo_kategorier, deltar_grasrotandel, kommune_nr, "
                       "kommune_basis, postnummer, in_enhetsregisteret, "
                       "raw_payload || '{\"kontonummer\": \"12345678903\"}'::jsonb AS raw_payload, record_hash, "
                       "ingest_run_id, loaded_at")
    outcome = run("raw_brreg_frivillige_organisasjoner", bad, "brreg-frivillighetsregisteret")
    assert failing(outcome) == ["bank account numbers and c/o lines are not stored"]


def test_an_unknown_dsb_layout_fails_the_run_and_keeps_the_last_good_data(loaded, db, tmp_path, monkeypatch):
    before = db.execute("SELECT count(*), max(ingest_run_id) FROM raw.observations "
                        "WHERE source_id = 'dsb-kommuneundersokelsen'").fetchone()
    db.commit()
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR / "dsb-kommuneundersokelsen", sources / "dsb-kommuneundersokelsen")
    wb = openpyxl.Workbook()
    wb.active.title = "Resultater"
    wb.active.append(["Kommune", "Score"])
    wb.active.append(["Oslo", 5])
    raw = io.BytesIO()
    wb.save(raw)
    (sources / "dsb-kommuneundersokelsen" / "snapshots" / "kommuneundersokelsen-2023-radata.xlsx").write_bytes(
        raw.getvalue())
    monkeypatch.setenv("ATLAS_SOURCES_DIR", str(sources))
    with pytest.raises(DsbParseError) as err:
        pipeline.run_source("dsb-kommuneundersokelsen", mode="replay", force=True)
    assert "kommuneundersokelsen-2023-radata.xlsx (2023): the workbook matches no known Kommuneundersøkelsen layout" \
        in str(err.value)
    status = db.execute("SELECT status, error FROM raw.ingest_runs WHERE source_id = 'dsb-kommuneundersokelsen' "
                        "ORDER BY started_at DESC LIMIT 1").fetchone()
    after = db.execute("SELECT count(*), max(ingest_run_id) FROM raw.observations "
                       "WHERE source_id = 'dsb-kommuneundersokelsen'").fetchone()
    db.commit()
    assert status[0] == "failed" and status[1].startswith("parse: DsbParseError:")
    assert after == before
    assert json.loads((sources / "dsb-kommuneundersokelsen" / "snapshots" / "index.json").read_text())["entries"]


# --------------------------------------------------------------------------- the marts' gates
PREPAREDNESS = ("SELECT * FROM (VALUES {rows}) AS t(survey_year, kommune_nr, is_response, core_questions_answered, "
                "grunnkrav_oppfylt_andel)")
ORGANISATIONS = ("SELECT * FROM (VALUES {rows}) AS t(kommune_nr, icnpo_group_code, organisations_primary, "
                 "organisations_any_category, organisations_total)")


def test_the_preparedness_mart_gate_never_lets_a_non_respondent_be_scored(warehouse_url):
    good = "('2023', '0301', true, 5, 100.0), ('2023', '4601', false, 0, NULL::numeric)"
    assert run("mart_fact_kommune_preparedness", PREPAREDNESS.format(rows=good), "x").success
    bad = "('2023', '0301', true, 5, 100.0), ('2023', '4601', false, 0, 0.0)"
    outcome = run("mart_fact_kommune_preparedness", PREPAREDNESS.format(rows=bad), "x")
    assert failing(outcome) == ["a non-respondent has no score and no answered questions: never a low score"]


def test_the_registered_organisations_mart_gate_rejects_counts_that_do_not_nest(warehouse_url):
    good = "('0301', 'ICNPO-1', 3, 5, 40), ('0301', 'ICNPO-2', 0, 0, 40)"
    assert run("mart_fact_kommune_registered_organisations", ORGANISATIONS.format(rows=good), "x").success
    bad = "('0301', 'ICNPO-1', 6, 5, 40), ('0301', 'ICNPO-1', 0, 0, 40)"
    outcome = run("mart_fact_kommune_registered_organisations", ORGANISATIONS.format(rows=bad), "x")
    assert failing(outcome) == [
        "an organisation whose first category is in the group has the group among its categories, and every "
        "such organisation is one of the kommune's",
        "one row per kommune and ICNPO group"]
