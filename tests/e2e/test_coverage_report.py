"""End to end, the product surface: what the session's `atlas demo` (see conftest) built from the
replayed snapshots — supply per kommune, the coverage gaps with their confidence, per-capita
denominators and the disclosure check — then `atlas export microdata` validated with Statistics
Norway's own microdata-tools, and the demo's closing report opened in headless Chromium.

The numbers are the replayed snapshots' (constructed statistics with real codes; Red Cross's 7
real branches + constructed ones; Norsk Folkehjelp's constructed pages): they change when a
snapshot does, and then this module says exactly what moved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.browser import CHROMIUM_MISSING, Browser

pytestmark = [pytest.mark.slow, pytest.mark.integration]

# What the replayed snapshots give (latest period per need: (need_id, period_id, confidence) -> rows).
GAP_COUNTS_LATEST = {
    ("bullying", "2022-2024", "confirmed"): 69, ("bullying", "2022-2024", "need_missing"): 18,
    ("bullying", "2022-2024", "need_suppressed"): 88,
    ("child_poverty", "2024", "confirmed"): 87, ("child_poverty", "2024", "need_missing"): 1,
    ("child_poverty", "2024", "need_suppressed"): 5, ("child_poverty", "2024", "supply_unknown"): 1,
    ("child_poverty_holidays", "2024", "confirmed"): 87, ("child_poverty_holidays", "2024", "need_missing"): 1,
    ("child_poverty_holidays", "2024", "need_suppressed"): 6, ("child_poverty_holidays", "2024", "supply_unknown"): 1,
    ("elderly_home_care", "2024", "confirmed"): 84, ("elderly_home_care", "2024", "need_missing"): 1,
    ("loneliness", "2022-2024", "confirmed"): 75, ("loneliness", "2022-2024", "need_missing"): 19,
    ("loneliness", "2022-2024", "need_suppressed"): 39, ("loneliness", "2022-2024", "supply_unknown"): 1,
    ("newcomers", "2024", "confirmed"): 86, ("newcomers", "2024", "supply_unknown"): 1,
    ("social_assistance", "2025", "confirmed"): 90,
}
# child poverty (EU-60) in the top quartile and nobody offers homework help, 2024
CHILD_POVERTY_CONFIRMED = [
    "1101", "1106", "1108", "1112", "1114", "1133", "1135", "1505", "1506", "1547", "1557", "1560", "1563", "1811",
    "1815", "1827", "1836", "1840", "1845", "1859", "1868", "1871", "1875", "3112", "3116", "3118", "3120", "3203",
    "3218", "3224", "3234", "3242", "3312", "3316", "3326", "3405", "3414", "3428", "3438", "3441", "3448", "3450",
    "3903", "4012", "4014", "4024", "4203", "4206", "4207", "4214", "4215", "4216", "4219", "4220", "4227", "4228",
    "4616", "4619", "4625", "4629", "4632", "4633", "4634", "4635", "4637", "4640", "4642", "4645", "4646", "5001",
    "5006", "5007", "5026", "5036", "5037", "5044", "5053", "5055", "5060", "5512", "5526", "5536", "5542", "5544",
    "5622", "5628", "5636"
]
# 357 kommuner x 25 categories; unknown: the two kommuner Red Cross's quarantined "Bø" may be in
# (1867 Bø, 4020 Midt-Telemark via 0821) x the 17 categories Red Cross offers somewhere
SUPPLY = {"present": 176, "unknown": 34, "none": 8715}
# SSB and FHI indicators only (the other families' counts move as they grow)
ROLLUP_FLAGS = {("bydel_to_kommune", "component_suppressed"): 3, ("bydel_to_kommune", "ok"): 2149,
                ("kommune_to_fylke", "component_suppressed"): 781, ("kommune_to_fylke", "incomplete"): 380,
                ("kommune_to_fylke", "ok"): 9535, ("kommune_to_fylke", "total_suppressed_upstream"): 374}
EXPORT = {
    "ssb_fhi_datasets": 75,
    "ssb_fhi_temporality": {"STATUS": 52, "ACCUMULATED": 23},
    "SSB_08764_EUSKALA60": {"temporalityType": "STATUS", "dataType": "DOUBLE", "rows": 1043,
                            "suppressed_left_out": {":": 25, "..": 1}, "sentinel_rows": 0},
    "statlig_sentinels": 41,
    "08764_first_lines": ["0301;19.7;2022-12-31;2022-12-31;", "0301;20.2;2023-12-31;2023-12-31;"],
    "rendered": {"gap_tables": 7, "charts": 8, "flagged": 74, "points": 356, "gap_points": 87},
}


def q(db, text: str, params: tuple = ()) -> list[tuple]:
    rows = db.execute(text, params).fetchall()
    db.commit()
    return rows


def test_supply_per_kommune_and_category(replayed, db):
    assert dict(q(db, "SELECT supply_status, count(*) FROM marts.fact_kommune_supply GROUP BY 1")) == SUPPLY


def test_the_coverage_gaps_on_the_replayed_data(replayed, db):
    latest = q(db, """
        WITH latest AS (SELECT need_id, max(period_id) AS period_id FROM marts.fact_kommune_need GROUP BY 1)
        SELECT g.need_id, g.period_id, g.confidence, count(*)
          FROM marts.mart_coverage_gap g JOIN latest USING (need_id, period_id)
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""")
    assert {(n, p, c): k for n, p, c, k in latest} == GAP_COUNTS_LATEST
    confirmed = [k for (k,) in q(db, """
        SELECT kommune_nr FROM marts.mart_coverage_gap
         WHERE need_id = 'child_poverty' AND period_id = '2024' AND is_gap ORDER BY kommune_nr""")]
    assert confirmed == CHILD_POVERTY_CONFIRMED
    others = q(db, """SELECT kommune_nr, confidence, confidence_reason FROM marts.mart_coverage_gap
                       WHERE need_id = 'child_poverty' AND period_id = '2024' AND NOT is_gap ORDER BY kommune_nr""")
    assert [(k, c) for k, c, _ in others] == [
        ("1806", "need_suppressed"), ("1837", "need_suppressed"), ("1867", "supply_unknown"), ("3433", "need_suppressed"),
        ("3439", "need_suppressed"), ("3440", "need_suppressed"), ("4623", "need_missing")]
    assert others[2][2] == ("need 19.20 >= 17.30 (top 25 % of 350 kommuner); supply unknown: redcross-branches: "
                            "1 quarantined chapter(s) could be in this kommune")
    assert q(db, """SELECT confidence_reason FROM marts.mart_coverage_gap
                     WHERE need_id = 'child_poverty' AND period_id = '2024' AND kommune_nr = '5001'""") == [
        ("need 20.30 >= 17.30 (top 25 % of 350 kommuner); no active local chapter of folkehjelp, redcross offers "
         "homework_help",)]


def test_per_capita_denominators(replayed, db):
    assert q(db, """SELECT region_level, count(*), count(population) FROM marts.fact_population
                     GROUP BY 1 ORDER BY 1""") == [("bydel", 532, 532), ("kommune", 4998, 4998)]
    # Oslo on 1 January 2026, both sexes, every age: the sum microdata's SSB_07459_PERSONER1_I_ALT exports too
    assert q(db, """SELECT population FROM marts.fact_population WHERE region_code = '0301'
                     AND age_group = 'total' AND period_id = '2026'""")[0][0] == 721812


def test_disclosure_flags_on_the_replayed_data(replayed, db):
    rows = q(db, """SELECT rollup, disclosure_flag, count(*) FROM marts.fact_indicator_rollups
                     WHERE source_id LIKE 'ssb-%%' OR source_id LIKE 'fhi-%%' GROUP BY 1, 2""")
    assert {(r, f): n for r, f, n in rows} == ROLLUP_FLAGS
    assert q(db, """SELECT count(*) FROM marts.fact_indicator_rollups
                     WHERE value IS NOT NULL AND (components_suppressed > 0 OR components_published <> components_expected)""") == [(0,)]


def test_the_demo_ends_by_writing_the_report(replayed):
    path = replayed.log_dir / "report" / "index.html"
    assert f"Report: {path}" in replayed.output
    assert path.stat().st_size > 10_000


@pytest.fixture(scope="module")
def exported(replayed, tmp_path_factory):
    out = tmp_path_factory.mktemp("microdata")
    # the command's own microdata-tools pass is skipped here: the test validates every dataset itself
    result = subprocess.run([sys.executable, "-m", "atlas_ingest.cli", "export", "microdata", "--out", str(out),
                             "--no-validate"], capture_output=True, text=True, env={**os.environ}, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out, json.loads((out / "index.json").read_text()), result.stdout


def test_every_exported_dataset_passes_microdata_tools(exported):
    from microdata_tools import validate_dataset

    out, index, _ = exported
    names = [d["name"] for d in index["datasets"]]
    assert sum(1 for d in index["datasets"] if d["source_id"].startswith(("ssb-", "fhi-"))) == EXPORT["ssb_fhi_datasets"]
    (out / "_work").mkdir()
    failures = {}
    for name in names:
        errors = validate_dataset(name, input_directory=str(out), working_directory=str(out / "_work"),
                                  keep_temporary_files=True)
        if errors:
            failures[name] = errors[:3]
    assert failures == {}


def test_the_export_follows_the_manifests(exported):
    out, index, stdout = exported
    by_name = {d["name"]: d for d in index["datasets"]}
    temporality: dict[str, int] = {}
    for d in index["datasets"]:
        if d["source_id"].startswith(("ssb-", "fhi-")):
            temporality[d["temporalityType"]] = temporality.get(d["temporalityType"], 0) + 1
    assert temporality == EXPORT["ssb_fhi_temporality"]
    assert {"SSB_07459_PERSONER1_I_ALT", "SSB_07459_PERSONER1_MENN", "SSB_07459_PERSONER1_KVINNER",
            "FHI_MOBBING_MEIS_TRINN_10", "SSB_12131_KOSSATSSTATLIG0000"} <= set(by_name)
    assert {k: by_name["SSB_08764_EUSKALA60"][k] for k in EXPORT["SSB_08764_EUSKALA60"]} == EXPORT["SSB_08764_EUSKALA60"]
    assert by_name["SSB_12131_KOSSATSSTATLIG0000"]["sentinel_rows"] == EXPORT["statlig_sentinels"]
    assert "0301;721812;2026-01-01;2026-01-01;" in (
        out / "SSB_07459_PERSONER1_I_ALT" / "SSB_07459_PERSONER1_I_ALT.csv").read_text(encoding="utf-8").splitlines()
    lines = (out / "SSB_08764_EUSKALA60" / "SSB_08764_EUSKALA60.csv").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == EXPORT["08764_first_lines"]
    assert all(line.count(";") == 4 for line in lines)
    assert "has breakdowns (Alder)" in index["skipped"]["ssb-12944"]


@pytest.mark.skipif(CHROMIUM_MISSING is not None, reason=CHROMIUM_MISSING or "")
def test_the_report_renders_in_headless_chromium(replayed, db):
    path = replayed.log_dir / "report" / "index.html"
    sources = q(db, "SELECT count(*) FROM marts.mart_ingest_health")[0][0]
    with Browser(1280, 900) as browser:
        browser.open(path.as_uri())
        assert browser.run("return document.title") == "Atlas — need and NGO supply"
        rendered = browser.run("""
            const box = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
            const all = sel => Array.from(document.querySelectorAll(sel));
            return {
              health_rows: all('#health-table tbody tr').filter(box).length,
              gap_tables: all('table.gap-table').filter(box).length,
              charts: all('svg.chart').filter(box).length,
              bars: all('svg.bar-chart rect.bar').filter(box).length,
              flagged: all('svg.bar-chart rect.bar.flagged').length,
              points: all('#gap-map circle').filter(box).length,
              gap_points: all('#gap-map circle.gap').length,
              sections: all('section').filter(box).map(s => s.id),
              external: all('[src], link[href]').length,
              scripts: all('script').length,
            };""")
        browser.screenshot(replayed.log_dir / "report" / "screenshot.png")
        errors = browser.console_errors()
    assert rendered["sections"] == ["ingest-health", "coverage-gaps", "indicators", "supply", "disclosure"]
    assert rendered["health_rows"] == sources
    assert rendered["external"] == 0 and rendered["scripts"] == 0
    assert {k: rendered[k] for k in EXPORT["rendered"]} == EXPORT["rendered"]
    assert rendered["bars"] > rendered["flagged"]
    assert errors == []
