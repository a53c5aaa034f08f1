"""The reform rules end to end: real Klass 131 (ssb-klass-kommuner snapshots), a constructed test
table published on 2019, 2020–2023 and 2024 codes, the real loader, then a real `dbt build`.

Real codes used: 0104 Moss and 0136 Rygge (2019) merged into 3002 Moss (2020–2023), renumbered
3103 in 2024; 1507 Ålesund (2020–2023) split into 1508 Ålesund and 1580 Haram in 2024.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from atlas_ingest import pipeline, warehouse
from atlas_ingest.http import HttpRequest, SnapshotStore

pytestmark = pytest.mark.integration

SOURCE_ID = "ssb-99998"
ENDPOINT = "https://data.ssb.no/api/pxwebapi/v2"
REGIONS = ["0104", "0136", "3002", "3103", "1507", "1508", "9876"]
YEARS = ["2019", "2022", "2024"]
SEXES = ["1", "2"]
CONTENTS = ["Personer", "Andel"]
VALID = {"0104": {"2019"}, "0136": {"2019"}, "3002": {"2022"}, "1507": {"2022"}, "3103": {"2024"}, "1508": {"2024"}}

MANIFEST = f"""
id: {SOURCE_ID}
provider: ssb
family: testgeo
title: Geography test table (constructed)
description: Constructed cells on 2019, 2020-2023 and 2024 kommune codes for the reform rules.
eu_theme: SOCI
licence: CC-BY-4.0
cadence: annual
period_grain: P1Y
geo_level: kommune
methodology_version: test
fetch:
  kind: pxweb_v2
  endpoint: {ENDPOINT}
  options:
    table: "99998"
    selection: {{Region: ["*"], Kjonn: ["*"], ContentsCode: ["*"], Tid: ["*"]}}
parse:
  parser: jsonstat2
measures:
  default: {{kind: count, annual: last}}
  by_code:
    Andel: {{kind: share, annual: last}}
raw_table: raw.observations
min_rows: 10
quarantine_max_share: 0.25
suppression_markers:
  ".": not applicable
  ":": confidential
microdata:
  temporalityType: STATUS
  sensitivityLevel: PUBLIC
  measure: {{dataType: LONG, valueDomain: {{measurementUnitDescription: personer}}}}
"""


def cell(region: str, sex: str, contents: str, year: str):
    if region == "9876":
        return 5, None  # a code Klass never had
    if region == "0104" and year == "2022":
        return 7, None  # a 2019 code with a figure for 2022: outside its validity
    if year not in VALID.get(region, set()):
        return None, "."
    if region == "0136" and sex == "2" and contents == "Personer":
        return None, ":"  # a suppressed component of the Moss + Rygge sum
    base = {"0104": 100, "0136": 50, "3002": 160, "3103": 170, "1507": 300, "1508": 200}[region]
    return (base + int(sex), None) if contents == "Personer" else (12.5 + int(sex), None)


def write_source(root):
    folder = root / SOURCE_ID
    folder.mkdir(parents=True)
    (folder / "manifest.yml").write_text(MANIFEST)
    dims = {"Region": REGIONS, "Kjonn": SEXES, "ContentsCode": CONTENTS, "Tid": YEARS}
    meta = {"version": "2.0", "class": "dataset", "label": "99998: geography test", "updated": "2025-01-01T00:00:00Z",
            "id": list(dims), "size": [len(v) for v in dims.values()],
            "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
            "dimension": {d: {"label": d, "category": {"index": {c: i for i, c in enumerate(v)}, "label": {c: c for c in v}},
                              "extension": {"elimination": d in ("Region", "Kjonn")}} for d, v in dims.items()},
            "value": []}
    meta["dimension"]["ContentsCode"]["category"]["unit"] = {"Personer": {"base": "personer", "decimals": 0},
                                                              "Andel": {"base": "prosent", "decimals": 1}}
    values, status = [], {}
    for r in REGIONS:
        for s in SEXES:
            for c in CONTENTS:
                for y in YEARS:
                    v, st = cell(r, s, c, y)
                    if st:
                        status[str(len(values))] = st
                    values.append(v)
    data = {**meta, "value": values, "status": status}
    store = SnapshotStore(folder / "snapshots")
    headers = {"content-type": "application/json"}
    store.record(HttpRequest("GET", f"{ENDPOINT}/tables/99998/metadata", (("lang", "no"), ("outputFormat", "json-stat2"))),
                 200, headers, json.dumps(meta).encode())
    params = (("lang", "no"), ("outputFormat", "json-stat2"), ("valueCodes[Region]", ",".join(REGIONS)),
              ("valueCodes[Kjonn]", "1,2"), ("valueCodes[ContentsCode]", "Personer,Andel"),
              ("valueCodes[Tid]", ",".join(YEARS)))
    store.record(HttpRequest("GET", f"{ENDPOINT}/tables/99998/data", params), 200, headers, json.dumps(data).encode())


@pytest.fixture(scope="module")
def built(warehouse_url, tmp_path_factory):
    root = tmp_path_factory.mktemp("geo-sources")
    os.symlink(pipeline.get_manifest("ssb-klass-kommuner").folder, root / "ssb-klass-kommuner")
    write_source(root)
    env = {**os.environ, "ATLAS_SOURCES_DIR": str(root)}
    saved = os.environ.get("ATLAS_SOURCES_DIR")
    os.environ["ATLAS_SOURCES_DIR"] = str(root)
    from atlas_ingest.manifest import _load_all

    _load_all.cache_clear()
    try:
        pipeline.run_source("ssb-klass-kommuner", mode="replay", force=True)
        result = pipeline.run_source(SOURCE_ID, mode="replay", force=True)
    finally:
        if saved is None:
            os.environ.pop("ATLAS_SOURCES_DIR")
        else:
            os.environ["ATLAS_SOURCES_DIR"] = saved
        _load_all.cache_clear()
    dbt = [str(Path(sys.executable).parent / "dbt"), "build", "--indirect-selection", "buildable", "--project-dir", "include/dbt/atlas", "--profiles-dir",
           "include/dbt/atlas", "--select", "+fact_kommune_indicators", "+fact_kommune_indicators_annual",
           "+crosswalk_kommune_reform", "--vars", json.dumps({"extra_observation_sources": [SOURCE_ID]}), "--quiet", "--target-path", str(root / "dbt-target"),
           "--log-path", str(root / "dbt-logs")]
    out = subprocess.run(dbt, env=env, capture_output=True, text=True, cwd=pipeline.get_manifest("ssb-07459").folder.parents[2])
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    return result


def facts(conn, contents: str) -> dict:
    rows = conn.execute(
        """SELECT kommune_nr_published, kommune_nr, period_id, dimensions->>'Kjonn', value, status, geo_resolution
             FROM marts.fact_kommune_indicators WHERE source_id = %s AND contents_code = %s""",
        (SOURCE_ID, contents)).fetchall()
    conn.commit()
    return {(r[0], r[2], r[3]): (r[1], r[4], r[5], r[6]) for r in rows}


def test_codes_klass_cannot_place_are_quarantined_with_the_reason(built, db):
    assert built["quarantined"] == 0  # the parser accepted every cell …
    reasons = [r for (r,) in db.execute(
        "SELECT reason FROM raw.quarantine WHERE ingest_run_id = %s ORDER BY reason", (built["ingest_run_id"],))]
    assert any("unknown kommune code 9876" in r for r in reasons)  # … the loader's Klass check did not
    assert any("kommune code 0104 used outside its validity (period 2022" in r for r in reasons)
    raw = db.execute("SELECT count(*) FROM raw.observations WHERE source_id = %s AND region_code IN ('9876')",
                     (SOURCE_ID,)).fetchone()[0]
    assert raw == 0


def test_counts_of_merged_kommuner_are_summed_onto_todays_code(built, db):
    f = facts(db, "Personer")
    assert f[("0104+0136", "2019", "1")] == ("3103", 152, None, "merged-summed")  # 101 + 51
    # a suppressed component makes the sum unknown, with the component's marker
    assert f[("0104+0136", "2019", "2")] == ("3103", None, ":", "merged-summed")


def test_rates_of_merged_kommuners_stay_where_published(built, db):
    f = facts(db, "Andel")
    assert f[("0104", "2019", "1")] == ("0104", 13.5, None, "merged-not-additive")
    assert f[("0136", "2019", "1")] == ("0136", 13.5, None, "merged-not-additive")
    assert not any(k[0] == "0104+0136" for k in f)


def test_renumbered_codes_move_for_counts_and_rates(built, db):
    assert facts(db, "Personer")[("3002", "2022", "1")] == ("3103", 161, None, "renumbered")
    assert facts(db, "Andel")[("3002", "2022", "1")] == ("3103", 13.5, None, "renumbered")


def test_split_kommuner_stay_on_the_published_code_flagged(built, db):
    assert facts(db, "Personer")[("1507", "2022", "1")] == ("1507", 301, None, "split-unresolved")


def test_exact_rows_and_impossible_cells(built, db):
    f = facts(db, "Personer")
    assert f[("3103", "2024", "1")] == ("3103", 171, None, "exact")
    assert f[("1508", "2024", "2")] == ("1508", 202, None, "exact")
    assert ("3002", "2024", "1") not in f  # '.' upstream: the code did not exist in 2024


def test_the_annual_view_carries_p1y_rows(built, db):
    n = db.execute("SELECT count(*) FROM marts.fact_kommune_indicators_annual WHERE source_id = %s AND rolled_up_from = 'P1Y'",
                   (SOURCE_ID,)).fetchone()[0]
    assert n == db.execute("SELECT count(*) FROM marts.fact_kommune_indicators WHERE source_id = %s", (SOURCE_ID,)).fetchone()[0]
