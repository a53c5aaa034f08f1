#!/usr/bin/env python3
"""Construct PxWebApi v2 snapshots for SSB Statistikkbanken tables (no network here).

CONSTRUCTED DATA, NOT OFFICIAL STATISTICS. The upstream API cannot be reached from the machines
this project is built on, so each table's replay snapshots are generated here in the exact
documented shapes (the metadata document mirrors the real `/tables/14216/metadata` and
`/codeLists/agg_Valgdistrikt` samples in shared/reference/ssb; data documents mirror the real
`05300` JSON-stat2 response, `status` object included), with the REAL kommune codes and names of
Klass 131 (from ssb-klass-kommuner's recorded snapshots), real table ids, real dimension and
contents codes where known, and deterministic pseudo-random values of a plausible magnitude.

The data requests are planned by Atlas's own planner (`plan_data_requests`) from each source's
manifest, so replay exercises the same request-building code as live mode: change a manifest's
selection and re-run this script, or replay fails naming the request it cannot find.

    .venv/bin/python scripts/snapshots/ssb_construct.py [table ...]

Each table lives in `TABLES` (see ssb_tables.py); every source folder gets a SNAPSHOT.md saying
what was constructed and how.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "include"))

from atlas_ingest.families.ssb.pxweb import Dimension, plan_data_requests  # noqa: E402
from atlas_ingest.http import HttpRequest, SnapshotStore  # noqa: E402
from atlas_ingest.manifest import get_manifest  # noqa: E402

ENDPOINT = "https://data.ssb.no/api/pxwebapi/v2"
JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}
KLASS_SNAPSHOTS = ROOT / "include" / "sources" / "ssb-klass-kommuner" / "snapshots"
YEARS = range(2015, 2027)

Value = tuple[float | int | None, str | None]


@dataclass
class DimSpec:
    code: str
    label: str
    categories: list[tuple[str, str]]
    elimination: bool = False
    codelists: list[tuple[str, str, str]] = field(default_factory=list)  # (id, label, type)
    units: dict[str, dict[str, Any]] | None = None  # contents code -> {base, decimals}
    measuring_type: dict[str, str] | None = None  # contents code -> Stock | Flow | Average
    refperiod: dict[str, str] | None = None
    role: str | None = None  # "geo" for a geography dimension not named `Region` (KOSTRA, 08487)


@dataclass
class TableSpec:
    source_id: str
    table: str
    label: str
    updated: str
    dimensions: list[DimSpec]
    value: Callable[[dict[str, str]], Value]
    codelists: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    note: list[str] = field(default_factory=list)
    snapshot_md: str = ""
    # SNAPSHOT.md's sentence on what is real; the default fits kommune tables on vs_Kommun.
    geography: str | None = None

    @property
    def geo_dim(self) -> str | None:
        return next((d.code for d in self.dimensions if d.role == "geo" or d.code == "Region"), None)


# ----------------------------------------------------------------------------- real geography
@lru_cache(maxsize=1)
def kommuner() -> dict[str, dict[str, Any]]:
    """code -> {name, years}: every Klass 131 code valid in some year of YEARS (real data)."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(KLASS_SNAPSHOTS.glob("version-kommuneinndeling-*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        first = int(doc["validFrom"][:4])
        last = int(doc["validTo"][:4]) - 1 if doc.get("validTo") else max(YEARS)
        for item in doc["classificationItems"]:
            if item["code"] == "9999":
                continue
            entry = out.setdefault(item["code"], {"name": item["name"], "years": set()})
            entry["years"].update(range(first, last + 1))
            if last == max(YEARS):
                entry["name"] = item["name"]
    return out


def current_kommuner() -> list[str]:
    return sorted(c for c, k in kommuner().items() if max(YEARS) in k["years"])


def kommune_valid(code: str, year: int) -> bool:
    k = kommuner().get(code)
    return k is not None and year in k["years"]


def region_label(code: str) -> str:
    k = kommuner()[code]
    if max(YEARS) in k["years"]:
        return k["name"]
    return f"{k['name']} ({min(k['years'])}-{max(k['years'])})"


def kommune_values(since: int = 2020) -> list[tuple[str, str]]:
    """vs_Kommun-like value set: codes valid in any year since `since`, SSB-style labels."""
    codes = sorted(c for c, k in kommuner().items() if max(k["years"]) >= since)
    return [(c, region_label(c)) for c in codes]


def kommune_size(code: str) -> int:
    """A stable pseudo-population for a kommune (log-uniform 500..100 000, big cities larger)."""
    big = {"0301": 717_710, "4601": 291_940, "5001": 214_565, "1103": 149_048, "3201": 131_203}
    if code in big:
        return big[code]
    rng = random.Random(f"size:{code}")
    return int(10 ** rng.uniform(2.7, 5.0))


def rng_for(*parts: Any) -> random.Random:
    return random.Random(":".join(map(str, parts)))


# ----------------------------------------------------------------------------- documents
def metadata_doc(spec: TableSpec) -> dict[str, Any]:
    dims = {}
    for d in spec.dimensions:
        ext: dict[str, Any] = {"elimination": d.elimination, "show": "code_value",
                               "codelists": [{"id": cid, "label": clabel, "type": ctype, "links": [
                                   {"rel": "metadata", "hreflang": "no",
                                    "href": f"{ENDPOINT}/codeLists/{cid}?lang=no"}]} for cid, clabel, ctype in d.codelists]}
        if d.measuring_type:
            ext["measuringType"] = d.measuring_type
        if d.refperiod:
            ext["refperiod"] = d.refperiod
        category: dict[str, Any] = {"index": {c: i for i, (c, _) in enumerate(d.categories)},
                                    "label": dict(d.categories)}
        if d.units:
            category["unit"] = d.units
        dims[d.code] = {"label": d.label, "category": category, "extension": ext}
    return {
        "version": "2.0", "class": "dataset", "label": spec.label, "source": "Statistisk sentralbyrå",
        "updated": spec.updated, "note": spec.note,
        "role": _roles(spec), "id": [d.code for d in spec.dimensions],
        "size": [len(d.categories) for d in spec.dimensions], "dimension": dims,
        "extension": {"px": {"tableid": spec.table, "language": "no", "decimals": 0,
                             "official-statistics": True, "matrix": spec.table}},
        "value": [],
    }


def _roles(spec: TableSpec) -> dict[str, list[str]]:
    roles = {"time": ["Tid"], "metric": ["ContentsCode"]}
    geo = [d.code for d in spec.dimensions if d.role == "geo" or d.code == "Region"]
    if geo:
        roles["geo"] = geo
    return roles


def data_doc(spec: TableSpec, selection: dict[str, list[str]]) -> dict[str, Any]:
    by_code = {d.code: d for d in spec.dimensions}
    ids = [d.code for d in spec.dimensions if d.code in selection]
    labels_by_dim = {d.code: dict(d.categories) for d in spec.dimensions}
    for cl_values in spec.codelists.values():  # codelist values may label regions too
        labels_by_dim.setdefault(spec.geo_dim or "Region", {}).update(dict(cl_values))
    dims = {}
    for code in ids:
        d = by_code[code]
        category: dict[str, Any] = {"index": {c: i for i, c in enumerate(selection[code])},
                                    "label": {c: labels_by_dim[code].get(c, c) for c in selection[code]}}
        if d.units:
            category["unit"] = {c: d.units[c] for c in selection[code] if c in d.units}
        dims[code] = {"label": d.label, "category": category}
    values: list[Any] = []
    status: dict[str, str] = {}
    for index, combo in enumerate(_product([selection[c] for c in ids])):
        value, marker = spec.value(dict(zip(ids, combo)))
        values.append(value)
        if marker:
            status[str(index)] = marker
    return {
        "version": "2.0", "class": "dataset", "label": spec.label, "source": "Statistisk sentralbyrå",
        "updated": spec.updated, "id": ids, "size": [len(selection[c]) for c in ids], "dimension": dims,
        "value": values, "status": status, "role": _roles(spec),
        "extension": {"px": {"tableid": spec.table, "decimals": 0}},
    }


def _product(lists: Sequence[Sequence[str]]):
    if not lists:
        yield ()
        return
    for head in lists[0]:
        for tail in _product(lists[1:]):
            yield (head, *tail)


def selection_of(request) -> dict[str, list[str]]:
    if request.json_body is not None:
        return {s["variableCode"]: list(s["valueCodes"]) for s in request.json_body["selection"]}
    out = {}
    for key, value in request.params:
        if key.startswith("valueCodes["):
            out[key[len("valueCodes["):-1]] = value.split(",")
    return out


# ----------------------------------------------------------------------------- writer
def construct(spec: TableSpec) -> int:
    manifest = get_manifest(spec.source_id)
    opts = manifest.fetch_options()
    if opts.table != spec.table:
        raise SystemExit(f"{spec.source_id}: manifest table {opts.table} != spec {spec.table}")
    folder = manifest.snapshot_dir
    if folder.exists():
        shutil.rmtree(folder)
    store = SnapshotStore(folder)
    meta = metadata_doc(spec)
    store.record(HttpRequest("GET", f"{ENDPOINT}/tables/{spec.table}/metadata",
                             (("lang", opts.lang), ("outputFormat", "json-stat2"))),
                 200, JSON_HEADERS, _dump(meta))
    codelist_values: dict[str, list[str]] = {}
    for cid, values in spec.codelists.items():
        doc = {"id": cid, "label": cid, "language": "no", "languages": ["en", "no"], "elimination": False,
               "type": "Valueset", "values": [{"code": c, "label": lab, "valueMap": [c]} for c, lab in values],
               "links": [{"rel": "self", "hreflang": "no", "href": f"{ENDPOINT}/codeLists/{cid}?lang=no"}]}
        store.record(HttpRequest("GET", f"{ENDPOINT}/codeLists/{cid}", (("lang", opts.lang),)), 200, JSON_HEADERS,
                     _dump(doc))
        codelist_values[cid] = [c for c, _ in values]
    dims = [Dimension(d.code, tuple(c for c, _ in d.categories), d.elimination,
                      "time" if d.code == "Tid" else "metric" if d.code == "ContentsCode" else d.role)
            for d in spec.dimensions]
    requests = plan_data_requests(endpoint=ENDPOINT, table=spec.table, lang=opts.lang, dims=dims,
                                  selection_spec=opts.selection, codelist_values=codelist_values,
                                  max_cells=opts.max_cells, max_url_length=opts.max_url_length)
    cells = 0
    markers: set[str] = set()
    for req in requests:
        selection = selection_of(req)
        doc = data_doc(spec, selection)
        cells += len(doc["value"])
        markers.update(doc["status"].values())
        store.record(HttpRequest(req.method, req.url, tuple(req.params), req.json_body), 200, JSON_HEADERS, _dump(doc))
    _check(spec, manifest, folder, cells, markers)
    (folder / "SNAPSHOT.md").write_text(_snapshot_md(spec, requests, cells), encoding="utf-8")
    return cells


MAX_FILE_BYTES = 2 * 1024 * 1024


def _check(spec: TableSpec, manifest, folder: Path, cells: int, markers: set[str]) -> None:
    """Fail loudly when the constructed snapshot would not replay cleanly through the manifest."""
    unlisted = sorted(markers - set(manifest.suppression_markers))
    if unlisted:
        raise SystemExit(f"{spec.source_id}: the data uses status markers {unlisted} that the manifest's "
                         "suppression_markers does not list (they would be quarantined)")
    for path in folder.iterdir():
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SystemExit(f"{spec.source_id}: {path.name} is {path.stat().st_size:,} bytes, over the "
                             f"{MAX_FILE_BYTES:,}-byte budget per snapshot file; narrow the selection")
    if manifest.min_rows >= cells:
        raise SystemExit(f"{spec.source_id}: min_rows {manifest.min_rows} is not below the {cells:,} cells constructed")


def _dump(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_KOMMUNE_GEOGRAPHY = """real Klass 131 kommune codes and names (historical codes labelled the way SSB
labels them, e.g. "Halden (2020-2023)", with `.` for years a code did not exist)"""


def _snapshot_md(spec: TableSpec, requests, cells: int) -> str:
    methods = ", ".join(sorted({r.method for r in requests}))
    return f"""# Snapshots of {spec.source_id} — CONSTRUCTED, not official statistics

These replay bodies were **constructed** by `scripts/snapshots/ssb_construct.py`, because SSB's
API cannot be reached from the machines this project is built on. They follow the documented
PxWebApi v2 shapes exactly (metadata as JSON-stat2 with `extension.elimination/codelists/
measuringType/refperiod`; data as JSON-stat2 with a `status` object), use real table id
`{spec.table}`, {spec.geography or _KOMMUNE_GEOGRAPHY}, and
**deterministic pseudo-random values**. Do not read any number here as SSB's.

- metadata: `GET {ENDPOINT}/tables/{spec.table}/metadata?lang=no&outputFormat=json-stat2`
- code lists: {', '.join(f'`{c}`' for c in spec.codelists) or 'none'}
- data: {len(requests)} request(s) ({methods}), {cells:,} cells, planned by Atlas's own planner
  from `manifest.yml`

{spec.snapshot_md.strip()}

Regenerate after changing the manifest's selection:
`.venv/bin/python scripts/snapshots/ssb_construct.py {spec.table}`.
Record real ones with `ATLAS_HTTP_MODE=record` on a machine that can reach data.ssb.no.
"""


def main(argv: list[str]) -> int:
    from ssb_tables import TABLES  # noqa: E402  (next to this script)

    wanted = argv or sorted(TABLES)
    for table in wanted:
        spec = TABLES[table]()
        cells = construct(spec)
        print(f"{spec.source_id}: {cells:,} cells constructed")
    total = sum(p.stat().st_size for p in (ROOT / "include" / "sources").glob("ssb-*/snapshots/*"))
    print(f"all SSB snapshots together: {total / 1024 / 1024:.1f} MB (budget ~12 MB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main(sys.argv[1:]))
