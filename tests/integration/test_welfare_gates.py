"""Issue 9's raw gates bite: NAV, Bufdir and Husbanken rows that break their rules are rejected by the
GX suites the pipeline runs on them (`raw_observations` and the provider's own), by the rule that
names the breach, while the loaded rows pass. Real PostgreSQL; the reference geography and the
sources load from their constructed snapshots through the real pipeline.

Each bad batch is the source's loaded rows with one row broken (the others untouched), so a
failure can only come from that row: a suppression status outside the provider's set, a value
beside a suppression marker (a hidden cell shown as 0), a negative count, a period of the wrong
grain, a bydel outside the cities that have bydeler, and the provider's own shape rules."""

from __future__ import annotations

import pytest

from atlas_ingest import pipeline
from atlas_ingest.manifest import get_manifest
from tests.support import gates
from tests.support.gates import NULL_EXACTLY_WITH_STATUS

pytestmark = pytest.mark.integration

REFERENCE = ["ssb-klass-kommuner", "ssb-klass-fylker", "ssb-klass-bydeler"]
NAV, NAV_QUARTERLY, BUFDIR, HUSBANKEN = "nav-uforetrygd", "nav-sykefravaer", "bufdir-barnevern", "husbanken-statistikkbank"
SOURCES = REFERENCE + [NAV, NAV_QUARTERLY, BUFDIR, HUSBANKEN]


@pytest.fixture(scope="module")
def loaded(warehouse_url):
    return {s: pipeline.run_source(s, mode="replay", force=True) for s in SOURCES}


def base(source_id: str) -> str:
    return gates.base("raw.observations", source_id)


def broken(source_id: str, where: str, **overrides: str) -> str:
    return gates.broken("raw.observations", source_id, where, **overrides)


def gate_failures(source_id: str, query: str) -> dict[str, list[str]]:
    # raw_observations and the provider's own: both must have run for "only this rule" to mean anything
    assert len(pipeline.raw_suites("raw.observations", get_manifest(source_id))) == 2
    return gates.gate_failures("raw.observations", source_id, query)


def test_the_loads_pass_their_own_gates(loaded, db):
    assert {s: r["status"] for s, r in loaded.items()} == {s: "success" for s in SOURCES}
    for source_id in (NAV, NAV_QUARTERLY, BUFDIR, HUSBANKEN):
        assert gate_failures(source_id, base(source_id)) == {}, source_id
    # each bad batch below holds as many rows as the load: one replaced, none added or lost
    counts = []
    for query in (base(NAV), broken(NAV, "true", value="-1")):
        counts.append(db.execute(f"SELECT count(*) FROM ({query}) b").fetchone()[0])
    assert counts[0] == counts[1] > 0


# --------------------------------------------------------------------------------------- NAV
NAV_CASES = {
    "status outside NAV's markers": (
        "status = '*'", {"status": "'.'"},
        {"raw_observations__nav": ["NAV shows small cells as * or leaves them blank (..); anything else would have "
                                   "been quarantined"]}),
    "a value beside the small-cell marker": (
        "status = '*'", {"value": "2"},
        {"raw_observations": [NULL_EXACTLY_WITH_STATUS]}),
    "a suppressed cell shown as 0": (
        "status = '*'", {"value": "0"},
        {"raw_observations": [NULL_EXACTLY_WITH_STATUS]}),
    "a negative count": (
        "contents_code = 'mottakere' AND value > 0", {"value": "-value"},
        {"raw_observations__nav": ["counts, shares and days lost are never negative; a suppressed cell is NULL, "
                                   "never 0"]}),
    "an annual period in a monthly table": (
        "region_level = 'kommune' AND value IS NOT NULL", {"period_id": "'2026'"},
        {"raw_observations__nav": ["NAV's tables are monthly (2026M03) or quarterly (2026K1)",
                                   "a NAV source has one grain: a monthly table never holds a quarter, a quarterly "
                                   "one never a month"]}),
    "a quarter in a monthly table": (
        "region_level = 'kommune' AND value IS NOT NULL", {"period_id": "'2026K1'"},
        {"raw_observations__nav": ["a NAV source has one grain: a monthly table never holds a quarter, a quarterly "
                                   "one never a month"]}),
    "a bydel of a city without bydeler (Bodø)": (
        "region_level = 'bydel'", {"region_code": "'180401'"},
        {"raw_observations__nav": ["NAV publishes bydeler of Oslo, Stavanger, Bergen and Trondheim only"]}),
    "a region level NAV does not publish": (
        "region_level = 'kommune' AND value IS NOT NULL", {"region_level": "'school'"},
        {"raw_observations__nav": ["NAV's reports carry Norway, fylker, kommuner, bydeler and, where a unit serves "
                                   "several kommuner, NAV units at their own level"]}),
    "a contents code not from the manifest's sheet list": (
        "value IS NOT NULL", {"contents_code": "'Mottakere'"},
        {"raw_observations__nav": ["contents codes come from the manifest's sheet list (lower-case names)"]}),
}


@pytest.mark.parametrize("case", list(NAV_CASES))
def test_nav_gate_rejects(loaded, case):
    where, overrides, expected = NAV_CASES[case]
    assert gate_failures(NAV, broken(NAV, where, **overrides)) == expected


def test_nav_gate_rejects_a_month_in_a_quarterly_table(loaded):
    bad = broken(NAV_QUARTERLY, "region_level = 'kommune' AND value IS NOT NULL", period_id="'2026M03'")
    assert gate_failures(NAV_QUARTERLY, bad) == {"raw_observations__nav": [
        "a NAV source has one grain: a monthly table never holds a quarter, a quarterly one never a month"]}


# ------------------------------------------------------------------------------------ Bufdir
BUFDIR_CASES = {
    "status outside Bufdir's markers (NAV's *)": (
        "status = '..'", {"status": "'*'"},
        {"raw_observations__bufdir": [".. is missing or too few to publish, . a blank cell (no figure for the "
                                      "region and year)"]}),
    "a too-few-to-publish cell shown as 0": (
        "status = '..'", {"value": "0"},
        {"raw_observations": [NULL_EXACTLY_WITH_STATUS]}),
    "a blank cell given a value": (
        "status = '.'", {"value": "12"},
        {"raw_observations": [NULL_EXACTLY_WITH_STATUS]}),
    "a negative count": (
        "contents_code LIKE '%antall' AND value > 0", {"value": "-value"},
        {"raw_observations__bufdir": ["counts, shares and kroner per child are never negative; a suppressed cell "
                                      "is NULL, never 0"]}),
    "a monthly period in an annual monitor": (
        "region_level = 'kommune' AND value IS NOT NULL", {"period_id": "period_id || 'M01'"},
        {"raw_observations__bufdir": ["the monitors are annual: one column per year"]}),
    "a bydel of a city without bydeler (Bodø)": (
        "region_level = 'bydel'", {"region_code": "'180401'"},
        {"raw_observations__bufdir": ["Bufdir uses SSB's 6-digit bydel codes of Oslo, Stavanger, Bergen and "
                                      "Trondheim"]}),
    "a delbydel (not loaded)": (
        "region_level = 'bydel'", {"region_level": "'delbydel'"},
        {"raw_observations": ["expect_column_values_to_be_in_set"],
         "raw_observations__bufdir": ["the monitors publish Norway, fylker, kommuner and bydeler (delbydeler are "
                                      "not loaded)"]}),
    "a contents code of another indicator": (
        "table_id = 'bv1a'", {"contents_code": "'bv2a_andel'"},
        {"raw_observations__bufdir": ["each contents code is its indicator's (table id) plus Enhet/Tallformat"]}),
}


@pytest.mark.parametrize("case", list(BUFDIR_CASES))
def test_bufdir_gate_rejects(loaded, case):
    where, overrides, expected = BUFDIR_CASES[case]
    assert gate_failures(BUFDIR, broken(BUFDIR, where, **overrides)) == expected


# --------------------------------------------------------------------------------- Husbanken
VANSKELIGSTILTE_EDITION = ("every vanskeligstilte row carries the pinned edition of its definition "
                           "(dimensions.vanskeligstilte_edition, v1 or v2), and no other measure does")
HUSBANKEN_CASES = {
    "a status other than its one marker": (
        "value IS NOT NULL", {"value": "NULL", "status": "'*'"},
        {"raw_observations__husbanken": [".. is the only marker: the app's measure is null for the kommune and year "
                                         "(kept as NULL + status, never 0)"]}),
    "a null measure shown as 0 beside its marker": (
        "value IS NOT NULL", {"value": "0", "status": "'..'"},
        {"raw_observations": [NULL_EXACTLY_WITH_STATUS]}),
    "a negative count": (
        "contents_code = 'soknad' AND value > 0", {"value": "-value"},
        {"raw_observations__husbanken": ["counts and kroner are never negative"]}),
    "a quarter in the annual cube": (
        "region_level = 'kommune'", {"period_id": "period_id || 'K1'"},
        {"raw_observations__husbanken": ["the statistikkbank is annual (År)"]}),
    "a bydel outside Oslo": (
        "region_level = 'bydel'", {"region_code": "'460101'"},
        {"raw_observations__husbanken": ["a bydel row is an Oslo bydel mapped from Husbanken's own code, which it "
                                         "keeps in dimensions.husbanken_region"]}),
    "an Oslo bydel that lost Husbanken's own code": (
        "region_level = 'bydel'", {"dimensions": "dimensions - 'husbanken_region'"},
        {"raw_observations__husbanken": ["a bydel row is an Oslo bydel mapped from Husbanken's own code, which it "
                                         "keeps in dimensions.husbanken_region"]}),
    "Husbanken's own bydel code landed as a kommune": (
        "region_code = '0301'", {"region_code": "'0312'"},
        {"raw_observations__husbanken": ["Svalbard's pseudo-codes and Husbanken's bydel codes never land as "
                                         "kommuner"]}),
    "Svalbard landed as a kommune": (
        "region_code = '0301'", {"region_code": "'2111'"},
        {"raw_observations__husbanken": ["Svalbard's pseudo-codes and Husbanken's bydel codes never land as "
                                         "kommuner"]}),
    "a measure the manifest does not name": (
        "contents_code = 'belop'", {"contents_code": "'husleie'"},
        {"raw_observations__husbanken": ["the measures the manifest names: bostøtte applications, decisions, "
                                         "payments, refusals, amount; kommunale boliger, vanskeligstilte, "
                                         "bostedsløse (second cube)"]}),
    "vanskeligstilte without its pinned edition": (
        "contents_code = 'vanskeligstilte'", {"dimensions": "dimensions - 'vanskeligstilte_edition'"},
        {"raw_observations__husbanken": [VANSKELIGSTILTE_EDITION]}),
    "vanskeligstilte of an edition the suite does not know": (
        "contents_code = 'vanskeligstilte'",
        {"dimensions": "jsonb_set(dimensions, '{vanskeligstilte_edition}', '\"v3\"')"},
        {"raw_observations__husbanken": [VANSKELIGSTILTE_EDITION]}),
    "an edition on another measure": (
        "contents_code = 'kommunale_boliger'",
        {"dimensions": "dimensions || '{\"vanskeligstilte_edition\": \"v1\"}'::jsonb"},
        {"raw_observations__husbanken": [VANSKELIGSTILTE_EDITION]}),
}


@pytest.mark.parametrize("case", list(HUSBANKEN_CASES))
def test_husbanken_gate_rejects(loaded, case):
    where, overrides, expected = HUSBANKEN_CASES[case]
    assert gate_failures(HUSBANKEN, broken(HUSBANKEN, where, **overrides)) == expected
