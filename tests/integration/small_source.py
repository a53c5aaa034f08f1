"""A tiny PxWebApi v2 source built at test time: 3 kommuner x 2 years x 2 sexes.

Written into a temporary sources folder (ATLAS_SOURCES_DIR) with snapshots recorded through
`SnapshotStore` for exactly the requests Atlas's planner makes, so the integration tests run the
real five steps against the real warehouse on data small enough to reason about cell by cell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from atlas_ingest.http import HttpRequest, SnapshotStore

SOURCE_ID = "ssb-99999"
ENDPOINT = "https://data.ssb.no/api/pxwebapi/v2"
REGIONS = {"0301": "Oslo", "1103": "Stavanger", "5001": "Trondheim"}
YEARS = ["2023", "2024"]
SEXES = {"1": "Menn", "2": "Kvinner"}

MANIFEST = f"""
id: {SOURCE_ID}
provider: ssb
family: testfamily
title: Test table (constructed)
description: A constructed three-kommune table for the integration tests.
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
    table: "99999"
    selection:
      Region: ["*"]
      Kjonn: ["*"]
      ContentsCode: [Personer1]
      Tid: ["*"]
parse:
  parser: jsonstat2
measures:
  default: {{kind: count, annual: last}}
raw_table: raw.observations
min_rows: 6
quarantine_max_share: 0.1
suppression_markers:
  "..": missing
  ":": confidential
microdata:
  temporalityType: STATUS
  sensitivityLevel: PUBLIC
  measure:
    dataType: LONG
    valueDomain:
      measurementUnitDescription: Antall personer
"""


def metadata(updated: str) -> dict[str, Any]:
    return {
        "version": "2.0", "class": "dataset", "label": "99999: Test table", "source": "Statistisk sentralbyrå",
        "updated": updated, "id": ["Region", "Kjonn", "ContentsCode", "Tid"], "size": [3, 2, 1, 2],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "dimension": {
            "Region": {"label": "region", "category": {"index": {c: i for i, c in enumerate(REGIONS)}, "label": REGIONS},
                       "extension": {"elimination": True}},
            "Kjonn": {"label": "kjønn", "category": {"index": {c: i for i, c in enumerate(SEXES)}, "label": SEXES},
                      "extension": {"elimination": True}},
            "ContentsCode": {"label": "statistikkvariabel",
                             "category": {"index": {"Personer1": 0}, "label": {"Personer1": "Personer"},
                                          "unit": {"Personer1": {"base": "personer", "decimals": 0}}},
                             "extension": {"elimination": False, "measuringType": {"Personer1": "Stock"},
                                           "refperiod": {"Personer1": "01.01"}}},
            "Tid": {"label": "år", "category": {"index": {y: i for i, y in enumerate(YEARS)},
                                               "label": {y: y for y in YEARS}}},
        },
        "value": [],
    }


def data(values: list[Any], status: dict[str, str] | None = None, updated: str = "2025-01-01T07:00:00Z") -> dict[str, Any]:
    doc = metadata(updated)
    doc["value"] = values
    doc["status"] = status or {}
    return doc


def default_values(offset: int = 0) -> list[int]:
    # order: Region (slowest) x Kjonn x ContentsCode x Tid (fastest)
    return [1000 * (r + 1) + 10 * s + t + offset for r in range(3) for s in range(2) for t in range(2)]


def write_source(root: Path, *, values: list[Any] | None = None, status: dict[str, str] | None = None,
                 updated: str = "2025-01-01T07:00:00Z", raw_body: bytes | None = None) -> Path:
    """(Re)write the source folder under `root` and record its snapshots; returns the folder."""
    folder = root / SOURCE_ID
    snapshots = folder / "snapshots"
    if snapshots.exists():
        for f in snapshots.iterdir():
            f.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.yml").write_text(MANIFEST)
    store = SnapshotStore(snapshots)
    headers = {"content-type": "application/json; charset=utf-8"}
    store.record(HttpRequest("GET", f"{ENDPOINT}/tables/99999/metadata", (("lang", "no"), ("outputFormat", "json-stat2"))),
                 200, headers, json.dumps(metadata(updated)).encode())
    params = (("lang", "no"), ("outputFormat", "json-stat2"), ("valueCodes[Region]", "0301,1103,5001"),
              ("valueCodes[Kjonn]", "1,2"), ("valueCodes[ContentsCode]", "Personer1"), ("valueCodes[Tid]", "2023,2024"))
    body = raw_body if raw_body is not None else json.dumps(
        data(values if values is not None else default_values(), status, updated)).encode()
    store.record(HttpRequest("GET", f"{ENDPOINT}/tables/99999/data", params), 200, headers, body)
    from atlas_ingest.manifest import _load_all

    _load_all.cache_clear()
    return folder


def csv_rows(cells: list[tuple[str, str, int, int]]) -> bytes:
    """CSV in OBSERVATION_COLUMNS order for (region, period, sex, value) cells of the test source."""
    from atlas_ingest.observations import OBSERVATION_COLUMNS

    lines = [",".join(OBSERVATION_COLUMNS)]
    for region, period, sex, value in cells:
        dims = json.dumps({"Kjonn": str(sex)}).replace('"', '""')
        lines.append(f'{SOURCE_ID},99999,{region},kommune,{period},Personer1,"{dims}",{value},')
    return ("\n".join(lines) + "\n").encode()


def write_yearly_source(root: Path, *, source_id: str = "ssb-99997", family: str = "testbackfill",
                        years: tuple[str, ...] = ("2021", "2022", "2023")) -> Path:
    """A yearly-scheduled source whose snapshots answer one request per single year, as a backfill
    run asks them (the planner narrows `Tid` to the run's period)."""
    folder = root / source_id
    (folder / "snapshots").mkdir(parents=True, exist_ok=True)
    manifest = (MANIFEST.replace(SOURCE_ID, source_id).replace("family: testfamily", f"family: {family}")
                .replace("table: \"99999\"", "table: \"99997\"")
                .replace("cadence: annual", "cadence: annual\nschedule: \"0 0 1 1 *\"")
                .replace('Tid: ["*"]', 'Tid: ["top(1)"]'))
    (folder / "manifest.yml").write_text(manifest)
    store = SnapshotStore(folder / "snapshots")
    headers = {"content-type": "application/json; charset=utf-8"}
    meta = metadata("2025-01-01T07:00:00Z")
    meta["dimension"]["Tid"]["category"] = {"index": {y: i for i, y in enumerate(years)}, "label": {y: y for y in years}}
    meta["size"][3] = len(years)
    store.record(HttpRequest("GET", f"{ENDPOINT}/tables/99997/metadata", (("lang", "no"), ("outputFormat", "json-stat2"))),
                 200, headers, json.dumps(meta).encode())
    for year in years:
        doc = json.loads(json.dumps(meta))
        doc["dimension"]["Tid"]["category"] = {"index": {year: 0}, "label": {year: year}}
        doc["size"][3] = 1
        doc["value"] = [1000 * (r + 1) + 10 * s + int(year) % 100 for r in range(3) for s in range(2)]
        params = (("lang", "no"), ("outputFormat", "json-stat2"), ("valueCodes[Region]", "0301,1103,5001"),
                  ("valueCodes[Kjonn]", "1,2"), ("valueCodes[ContentsCode]", "Personer1"), ("valueCodes[Tid]", year))
        store.record(HttpRequest("GET", f"{ENDPOINT}/tables/99997/data", params), 200, headers, json.dumps(doc).encode())
    from atlas_ingest.manifest import _load_all

    _load_all.cache_clear()
    return folder
