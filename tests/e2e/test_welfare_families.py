"""End to end, issue 9's three families — NAV, Bufdir, Husbanken: what `airflow dags test nav|bufdir|
husbanken` (inside the session's `atlas demo`, see conftest) loaded and what the marts DAG built
from it, replay mode, real PostgreSQL. The demo loads SSB's Klass classifications first, so every
region is checked against Klass 131/104/103 before it lands.
"""

from __future__ import annotations

import json
import time

import pytest
from atlas_ingest.manifest import manifests_for_family

from tests.support.replay import dags_test

pytestmark = [pytest.mark.slow, pytest.mark.integration]

# Rows each source's constructed snapshots parse to in a latest run (the construct scripts print
# them; each SNAPSHOT.md records them).
EXPECTED_ROWS = {
    "nav-uforetrygd": 8200, "nav-aap": 7440, "nav-helt-ledige": 7140, "nav-sykefravaer": 1492,
    "bufdir-barnefattigdom": 22736, "bufdir-barnevern": 10560,
    "husbanken-statistikkbank": 16708,
}
# Rows each source quarantines, by reason (the start of it), and nothing else
EXPECTED_QUARANTINE = {
    ("nav-aap", "NAV's 'Ukjent' row"): 10,
    ("nav-helt-ledige", "NAV's 'Ukjent' row"): 20,
    ("nav-helt-ledige", "2100 Svalbard is not a kommune"): 20,
    ("nav-sykefravaer", "NAV's 'Ukjent' row"): 4,
    ("nav-sykefravaer", "2100 Svalbard is not a kommune"): 4,
    ("husbanken-statistikkbank", "no year"): 10,
    ("husbanken-statistikkbank", "Husbanken's Oslo code 0326"): 45,
    ("husbanken-statistikkbank", "2100 Svalbard is not a kommune"): 45,
    ("husbanken-statistikkbank", "2111 is a Svalbard pseudo-code"): 50,
}
# How the load's Klass check words a region it cannot place (warehouse.quarantine_unplaceable_regions)
KLASS_CHECK_REASONS = ("unknown kommune code", "kommune code ", "bydel code ", "fylke code ")
FAMILIES = ("nav", "bufdir", "husbanken")
SENSITIVE = {"nav-uforetrygd", "nav-helt-ledige", "bufdir-barnevern"}
LIKE = "(source_id LIKE 'nav-%' OR source_id LIKE 'bufdir-%' OR source_id LIKE 'husbanken-%')"


@pytest.fixture(scope="module")
def welfare(replayed):
    return {"logs": {f: replayed.log(f) for f in FAMILIES}, "marts_log": replayed.log("atlas_marts"),
            "seconds": {f: replayed.seconds.get(f, 0.0) for f in FAMILIES}, "tmp": replayed.log_dir}


def test_every_source_succeeded_with_its_rows(welfare, db):
    sources = [m.id for f in FAMILIES for m in manifests_for_family(f)]
    assert sorted(sources) == sorted(EXPECTED_ROWS)
    runs = dict(db.execute(
        f"""SELECT DISTINCT ON (source_id) source_id, status FROM raw.ingest_runs WHERE {LIKE}
             ORDER BY source_id, started_at DESC""").fetchall())
    assert runs == {s: "success" for s in sources}
    counts = dict(db.execute(f"SELECT source_id, count(*) FROM raw.observations WHERE {LIKE} GROUP BY 1").fetchall())
    assert counts == EXPECTED_ROWS
    print("rows per source:", counts, "DAG seconds:", welfare["seconds"])


def test_quarantine_holds_exactly_the_rows_no_region_fits(welfare, db):
    rows = db.execute(f"SELECT source_id, reason FROM raw.quarantine WHERE {LIKE}").fetchall()
    got: dict[tuple[str, str], int] = {}
    for source_id, reason in rows:
        key = next((k for k in EXPECTED_QUARANTINE if k[0] == source_id and reason.startswith(k[1])), (source_id, reason))
        got[key] = got.get(key, 0) + 1
    assert got == EXPECTED_QUARANTINE
    # no row failed the load's Klass check (warehouse.quarantine_unplaceable_regions): every code
    # that landed is one Klass places in its period; the reasons above are the parsers' own
    assert not [r for _, r in rows if r.startswith(KLASS_CHECK_REASONS)]


def test_suppressed_cells_are_null_with_their_marker_never_zero(welfare, db):
    rows = db.execute(
        f"""SELECT source_id, count(*) FILTER (WHERE (value IS NULL) <> (status IS NOT NULL)),
                   count(*) FILTER (WHERE status IS NOT NULL AND value = 0),
                   array_agg(DISTINCT status) FILTER (WHERE status IS NOT NULL)
              FROM raw.observations WHERE {LIKE} GROUP BY 1""").fetchall()
    markers = {s: sorted(m or []) for s, _, _, m in rows}
    assert all(broken == 0 and zero == 0 for _, broken, zero, _ in rows)
    assert markers == {"nav-uforetrygd": ["*"], "nav-aap": ["*"], "nav-helt-ledige": ["*", ".."],
                       "nav-sykefravaer": ["*"], "bufdir-barnefattigdom": [".."],
                       "bufdir-barnevern": [".", ".."], "husbanken-statistikkbank": [".."]}
    # Oslo's PST302 kommune row is `*` every month, as NAV publishes it
    oslo = db.execute("""SELECT count(*), count(value) FROM raw.observations WHERE source_id = 'nav-uforetrygd'
                          AND region_code = '0301'""").fetchone()
    assert oslo == (20, 0)


def test_periods_and_geography_as_published(welfare, db):
    periods = dict(db.execute(
        f"""SELECT source_id, array_agg(DISTINCT period_id ORDER BY period_id) FROM raw.observations WHERE {LIKE}
             GROUP BY 1""").fetchall())
    assert periods["nav-uforetrygd"] == [f"2026M{m:02d}" for m in range(1, 11)]
    assert periods["nav-sykefravaer"] == ["2026K1", "2026K2"]
    assert periods["bufdir-barnevern"] == ["2020", "2021", "2022", "2023", "2024"]
    assert periods["husbanken-statistikkbank"] == ["2020", "2021", "2022", "2023", "2024", "2025"]
    bydeler = dict(db.execute(
        f"""SELECT source_id, count(DISTINCT region_code) FROM raw.observations WHERE {LIKE} AND region_level = 'bydel'
             GROUP BY 1""").fetchall())
    assert bydeler == {"nav-uforetrygd": 38, "bufdir-barnefattigdom": 38, "bufdir-barnevern": 38,
                       "husbanken-statistikkbank": 15}
    # Husbanken's own Oslo codes land on Klass 103 codes and are kept in the dimensions
    mapped = dict(db.execute("""SELECT DISTINCT dimensions->>'husbanken_region', region_code FROM raw.observations
                                 WHERE source_id = 'husbanken-statistikkbank' AND region_level = 'bydel'""").fetchall())
    assert mapped["0311"] == "030101" and mapped["0325"] == "030115" and len(mapped) == 15


def test_the_three_families_reach_the_marts(welfare, db):
    facts = dict(db.execute(f"""SELECT source_id, count(*) FROM marts.fact_kommune_indicators WHERE {LIKE}
                                GROUP BY 1""").fetchall())
    assert set(facts) == set(EXPECTED_ROWS)
    assert db.execute(f"""SELECT count(*) FROM marts.fact_kommune_indicators WHERE {LIKE}
                          AND (geo_resolution = 'unknown_code' OR (value IS NULL) <> (status IS NOT NULL))""").fetchone()[0] == 0
    indicators = db.execute(f"""SELECT source_id, presentation_policy, period_grain, methodology_kind
                                 FROM marts.dim_indicator WHERE {LIKE}""").fetchall()
    assert {s for s, _, _, _ in indicators} == set(EXPECTED_ROWS)
    assert all((policy == "sensitive") == (s in SENSITIVE) for s, policy, _, _ in indicators)
    assert {s: g for s, _, g, _ in indicators}["nav-sykefravaer"] == "P3M"
    assert all(kind for s, _, _, kind in indicators if s.startswith("bufdir-"))
    bydel_facts = dict(db.execute(f"""SELECT source_id, count(DISTINCT bydel_nr) FROM marts.fact_bydel_indicators
                                       WHERE {LIKE} GROUP BY 1""").fetchall())
    assert bydel_facts == {"nav-uforetrygd": 38, "bufdir-barnefattigdom": 38, "bufdir-barnevern": 38,
                           "husbanken-statistikkbank": 15}
    months = db.execute("""SELECT start_date::text, end_date::text FROM marts.dim_period
                            WHERE period_id = '2026M02' AND period_grain = 'P1M'""").fetchone()
    assert months == ("2026-02-01", "2026-02-28")
    # ten months of 2026 make no year: the annual view says so instead of summing a part
    annual = db.execute("""SELECT count(*), count(*) FILTER (WHERE is_complete), count(value)
                             FROM marts.fact_kommune_indicators_annual
                            WHERE source_id = 'nav-helt-ledige' AND period_id = '2026'""").fetchone()
    assert annual[0] > 0 and annual[1] == 0 and annual[2] == 0


def test_gx_gates_ran(welfare):
    for family, suite in (("nav", "raw_observations__nav"), ("bufdir", "raw_observations__bufdir"),
                          ("husbanken", "raw_observations__husbanken")):
        log = welfare["logs"][family]
        assert f"GX suite {suite} on raw_staging." in log and f"GX suite {suite} on raw.observations" in log
        assert "GX suite raw_observations on raw_staging." in log
    assert "GX suite mart_fact_kommune_indicators on marts.fact_kommune_indicators: passed" in welfare["marts_log"]


def test_rerunning_skips_unchanged_upstreams(welfare, db):
    for family in ("nav", "husbanken"):
        started = time.monotonic()
        dags_test(family, welfare["tmp"], name=f"{family}-rerun")
        print(f"{family}: first run {welfare['seconds'][family]:.0f}s, re-run {time.monotonic() - started:.0f}s")
    statuses = dict(db.execute(
        """SELECT DISTINCT ON (source_id) source_id, status FROM raw.ingest_runs
            WHERE source_id LIKE 'nav-%' OR source_id LIKE 'husbanken-%' ORDER BY source_id, started_at DESC""").fetchall())
    assert set(statuses.values()) == {"skipped"}, statuses


def test_a_nav_run_for_a_past_month_finds_the_archive_file(welfare, db):
    # after the re-run test: a run for named periods becomes the source's last good run, and a
    # later latest run compares its file with that one
    dags_test("nav", welfare["tmp"], name="nav-2025m11",
              conf=json.dumps({"sources": ["nav-helt-ledige"], "periods": ["2025-11"], "force": True}))
    rows = dict(db.execute("""SELECT period_id, count(*) FROM raw.observations WHERE source_id = 'nav-helt-ledige'
                              AND period_id LIKE '2025%' GROUP BY 1""").fetchall())
    assert rows == {"2025M11": 714}
    assert db.execute("SELECT count(*) FROM raw.observations WHERE source_id = 'nav-helt-ledige'").fetchone()[0] == 7140 + 714
