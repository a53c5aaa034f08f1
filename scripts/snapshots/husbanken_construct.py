#!/usr/bin/env python3
"""Construct replay snapshots for husbanken-statistikkbank (Qlik Engine API over a WebSocket).

CONSTRUCTED DATA, NOT OFFICIAL STATISTICS. qlik.husbanken.no cannot be reached from the machines
this project is built on. What the constructed answers copy from reality:

* the hypercube's shape from the REAL capture in ../shared/reference/husbanken/
  (`qlik_hypercube_bostotte_sample_TRIMMED.json`, a `GetLayout` answer from the live app):
  `qLayout.qHyperCube` with `qDimensionInfo`/`qMeasureInfo` titles `KommuneNr`, `År`, `soknad`,
  `vedtak`, `utbetaling`, `avslag`, `belop`, `qMatrix` cells `{qText, qNum, qElemNumber, qState}`,
  the null year as `qText "-"`, `qNum "NaN"`, `qIsNull true`, Svalbard `2100` with zeros; the
  real sample's values for 0301 2018–2020 are reused as they are;
* what a third party observed live (terchris/atlas husbanken-bostotte, 2026): the app id, the
  measure expressions, paging in 1,000-row `GetHyperCubeData` calls, Svalbard's 2100 and 2111,
  Oslo's bydeler as the app's own codes 0311–0326 (0311 Gamle Oslo; one discontinued bydel), the
  null-year bucket;
* REAL geography: the Klass 131 kommuner of each year (2019 structure, 2020–2023, 2024);
* INVENTED: every other number; the app's REST metadata document (`attributes.lastReloadTime`);
  the JSON-RPC results of OpenDoc / CreateSessionObject (handles 1, 2 and 3, as a fresh session
  numbers them);
* CONSTRUCTED CUBE: the second hypercube `boligsosialt` (kommunale_boliger, vanskeligstilte,
  bostedslose) — its field names and measure expressions are the manifest's unconfirmed
  candidates, never seen in the live app; only its shape (the real capture's layout and cell
  format) is real. Every number in it is invented; vanskeligstilte jumps at the assumed
  edition change (v1 → v2 in 2023) and bostedslose is only counted in the national survey years
  2020 and 2024 (null otherwise).

The requests are planned by the real adapter (`families/husbanken/qlik.py`) from the manifest, so
the recorded calls are exactly what live mode sends; the source is then replayed through the real
adapter and parser as a self-check.

    .venv/bin/python scripts/snapshots/husbanken_construct.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "include"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ATLAS_LANDING_ROOT", tempfile.mkdtemp(prefix="husbanken-construct-"))

from atlas_ingest.families.husbanken.qlik import RPC, hypercube_def, rpc_body  # noqa: E402
from atlas_ingest.http import HttpClient, HttpRequest, SnapshotStore  # noqa: E402
from atlas_ingest.kinds import RunContext, adapter_for, parser_for  # noqa: E402
from atlas_ingest.landing import LandingStore  # noqa: E402
from atlas_ingest.manifest import get_manifest  # noqa: E402
from ssb_construct import kommune_size, kommuner, rng_for  # noqa: E402

SOURCE = "husbanken-statistikkbank"
REAL_SAMPLE = Path("/work/shared/reference/husbanken/qlik_hypercube_bostotte_sample_TRIMMED.json")
JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}
YEARS = range(2019, 2026)
NULL_YEAR_CODES = ("0301", "2111", "5043")  # the real bucket exists nationally, for 2111 and for kommuner
SECOND_CUBE = "boligsosialt"
SECOND_YEARS = range(2019, 2025)  # assumed: one year behind the bostøtte cube
SURVEY_YEARS = (2020, 2024)  # bostedsløse: a national count every four years (assumed in the app)
V2_FROM = 2023  # the manifest's assumed vanskeligstilte edition change


def real_sample_rows() -> dict[tuple[str, str], list[dict[str, Any]]]:
    doc = json.loads(REAL_SAMPLE.read_text(encoding="utf-8"))
    rows = doc["qLayout"]["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return {(r[0]["qText"], r[1]["qText"]): r for r in rows}


def cell(text: str, num: Any, state: str, elem: int = 0, null: bool = False) -> dict[str, Any]:
    out = {"qText": text, "qNum": num, "qElemNumber": elem, "qState": state}
    if null:
        out["qIsNull"] = True
    return out


def measures_for(code: str, year: int | None) -> list[int]:
    if code in ("2100", "2111"):
        return [0, 0, 0, 0, 0]
    if year is None:
        rng = rng_for("husbanken-null", code)
        n = rng.randint(0, 3)
        return [n, n, 0, 0, 0]
    size = 9_000 if len(code) == 4 and code.startswith("03") and code != "0301" else kommune_size(code)
    rng = rng_for("husbanken", code, year)
    soknad = max(int(size * 0.022 * (0.7 + 0.6 * rng_for("husbanken-level", code).random()) * (1 + 0.03 * (year - 2020))
                     + rng.uniform(-2, 2)), 0)
    vedtak = int(soknad * (0.92 + 0.05 * rng.random()))
    utbetaling = int(vedtak * (0.85 + 0.1 * rng.random()))
    avslag = max(soknad - utbetaling, 0)
    belop = int(utbetaling * (5200 + 1800 * rng.random()))
    return [soknad, vedtak, utbetaling, avslag, belop]


def cube_codes(years: range) -> dict[str, set[int]]:
    codes: dict[str, set[int]] = {}
    for code, k in kommuner().items():
        valid = set(years) & k["years"]
        if valid:
            codes[code] = valid
    for code in [f"03{n}" for n in range(11, 27)] + ["2100", "2111"]:
        codes[code] = set(years)
    return codes


def null_cell() -> dict[str, Any]:
    return cell("-", "NaN", "L", 0, null=True)


def second_measures(code: str, year: int) -> list[dict[str, Any]]:
    """kommune-owned dwellings, vanskeligstilte households, bostedsløse — INVENTED numbers."""
    if code in ("2100", "2111"):
        return [cell("0", 0, "L")] * 3
    size = 9_000 if code.startswith("03") and code != "0301" else kommune_size(code)
    level = rng_for("husbanken-boligsosialt-level", code).random()
    rng = rng_for("husbanken-boligsosialt", code, year)
    boliger = max(int(size * 0.019 * (0.6 + 0.8 * level) + rng.uniform(-3, 3)), 0)
    share = 0.021 if year < V2_FROM else 0.034  # the constructed edition break: v2 counts more
    vanskeligstilte = max(int(size / 2.1 * share * (0.7 + 0.6 * level) + rng.uniform(-4, 4)), 0)
    out = [cell(str(boliger), boliger, "L"), cell(str(vanskeligstilte), vanskeligstilte, "L")]
    if year in SURVEY_YEARS:
        bostedslose = max(int(size * 0.0006 * (0.5 + level) + rng.uniform(-1, 1)), 0)
        out.append(cell(str(bostedslose), bostedslose, "L"))
    else:
        out.append(null_cell())
    return out


def second_matrix() -> list[list[dict[str, Any]]]:
    codes = cube_codes(SECOND_YEARS)
    elem = {code: i for i, code in enumerate(sorted(codes))}
    return [[cell(code, int(code), "O", elem[code]), cell(str(year), year, "O", year - 2008)]
            + second_measures(code, year)
            for code in sorted(codes) for year in sorted(codes[code])]


def matrix() -> list[list[dict[str, Any]]]:
    real = real_sample_rows()
    codes = cube_codes(YEARS)
    elem = {code: i for i, code in enumerate(sorted(codes))}
    rows = []
    for code in sorted(codes):
        for year in sorted(codes[code]):
            if (code, str(year)) in real:
                rows.append(real[(code, str(year))])  # the real sample's own cells (0301, 2019–2020)
                continue
            values = measures_for(code, year)
            rows.append([cell(code, int(code), "O", elem[code]), cell(str(year), year, "O", year - 2008)]
                        + [cell(str(v), v, "L") for v in values])
        if code in NULL_YEAR_CODES:
            values = measures_for(code, None)
            rows.append([cell(code, int(code), "O", elem[code]), cell("-", "NaN", "L", 0, null=True)]
                        + [cell(str(v), v, "L") for v in values])
    return rows


def main() -> int:
    m = get_manifest(SOURCE)
    opts = m.fetch_options()
    folder = m.snapshot_dir
    for path in folder.rglob("*"):
        if path.is_file():
            path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    store = SnapshotStore(folder)

    app = {"attributes": {"id": opts.app_id, "name": "Statistikkbank", "published": True,
                          "lastReloadTime": "2026-11-02T04:12:37.000Z", "description": "CONSTRUCTED replay answer"}}
    store.record(HttpRequest("GET", opts.app_url), 200, JSON_HEADERS, json.dumps(app, indent=1).encode())

    def record(method: str, handle: int, params: Any, result: Any) -> None:
        body = json.dumps(result, ensure_ascii=False, sort_keys=True).encode("utf-8")
        store.record(HttpRequest(RPC, opts.engine_url, (), rpc_body(method, handle, params)), 200,
                     {"content-type": "application/json"}, body)

    sample = json.loads(REAL_SAMPLE.read_text(encoding="utf-8"))["qLayout"]["qHyperCube"]
    record("OpenDoc", -1, [opts.app_id], {"qReturn": {"qType": "Doc", "qHandle": 1, "qGenericId": opts.app_id}})

    def cube(handle: int, dimensions: list[str], measures: dict[str, str], rows: list, measure_info: list) -> dict:
        """One session object: CreateSessionObject (→ handle), GetLayout, its pages; returns the layout."""
        width = len(dimensions) + len(measures)
        object_id = f"b5f0c1de-000{handle - 2}-4a1e-9c4e-constructed"
        record("CreateSessionObject", 1, [hypercube_def(dimensions, measures)],
               {"qReturn": {"qType": "GenericObject", "qHandle": handle, "qGenericType": "atlas-hypercube",
                            "qGenericId": object_id}})
        layout = {"qLayout": {"qInfo": {"qId": object_id, "qType": "atlas-hypercube"},
                              "qHyperCube": {"qSize": {"qcx": width, "qcy": len(rows)},
                                             "qDimensionInfo": sample["qDimensionInfo"],
                                             "qMeasureInfo": measure_info, "qDataPages": []}}}
        record("GetLayout", handle, [], layout)
        for top in range(0, len(rows), opts.page_rows):
            height = min(opts.page_rows, len(rows) - top)
            area = {"qTop": top, "qLeft": 0, "qWidth": width, "qHeight": height}
            record("GetHyperCubeData", handle, ["/qHyperCubeDef", [area]],
                   {"qDataPages": [{"qMatrix": rows[top:top + height], "qArea": area, "qTails": []}]})
        return layout

    rows = matrix()
    layout = cube(2, opts.dimensions, opts.measures, rows, sample["qMeasureInfo"])
    # the second cube (CONSTRUCTED, field names unconfirmed): the real layout's dimension infos and
    # measure-info shape ({qFallbackTitle}), its own labels
    second = opts.cubes[SECOND_CUBE]
    assert second.dimensions == opts.dimensions, "the constructed second cube reuses the real KommuneNr × År"
    second_rows = second_matrix()
    cube(3, second.dimensions, second.measures, second_rows, [{"qFallbackTitle": k} for k in second.measures])

    # the layout drift the unit tests feed the parser: the amount measure renamed (`belop` → `beløp`)
    drift = json.loads(json.dumps(layout))
    drift["qLayout"]["qHyperCube"]["qMeasureInfo"][4]["qFallbackTitle"] = "beløp"
    (folder / "drift").mkdir(exist_ok=True)
    (folder / "drift" / "GetLayout_belop_renamed.json").write_text(json.dumps(drift, ensure_ascii=False, indent=1),
                                                                   encoding="utf-8")

    import csv
    import io

    ctx = RunContext(manifest=m, run_key="construct", landing=LandingStore(),
                     client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay"))
    plan = adapter_for(m).discover(ctx)
    result = parser_for(m)(ctx, plan.fetched + adapter_for(m).fetch(ctx, plan))
    out = list(csv.DictReader(io.StringIO(ctx.landing.get(result.tables[0].key).decode())))
    levels: dict[str, int] = {}
    for row in out:
        levels[row["region_level"]] = levels.get(row["region_level"], 0) + 1
    reasons: dict[str, int] = {}
    for q in result.quarantine:
        reasons[q["reason"]] = reasons.get(q["reason"], 0) + 1
    share = len(result.quarantine) / result.records
    assert len(out) >= m.min_rows and share <= m.quarantine_max_share, (len(out), share)
    pages = -(-len(rows) // opts.page_rows)
    second_pages = -(-len(second_rows) // opts.page_rows)
    by_code: dict[str, int] = {}
    editions: dict[str, int] = {}
    for row in out:
        by_code[row["contents_code"]] = by_code.get(row["contents_code"], 0) + 1
        edition = json.loads(row["dimensions"] or "{}").get("vanskeligstilte_edition")
        if edition:
            key = f"{edition} {row['period_id']}"
            editions[key] = editions.get(key, 0) + 1
    nulls: dict[str, int] = {}
    for row in out:
        if row["status"]:
            nulls[row["contents_code"]] = nulls.get(row["contents_code"], 0) + 1
    edition_years: dict[str, list[str]] = {}
    for key in sorted(editions):
        edition, year = key.split()
        edition_years.setdefault(edition, []).append(year)
    summary = {"cube_rows": len(rows), "pages": pages, "second_cube_rows": len(second_rows),
               "second_pages": second_pages, "by_code": by_code, "rows": len(out), "levels": levels,
               "periods": result.periods, "quarantined": len(result.quarantine), "reasons": reasons,
               "records": result.records, "nulls": nulls, "editions": edition_years}
    reason_lines = "\n".join(f"  - {n} × {r}" for r, n in sorted(reasons.items()))
    (folder / "SNAPSHOT.md").write_text(f"""# Snapshots of {SOURCE} — CONSTRUCTED in the real shape, not official statistics

These replay answers were **constructed** by `scripts/snapshots/husbanken_construct.py`, because
qlik.husbanken.no cannot be reached from the machines this project is built on. **Apart from the
real sample's cells reused below, no number in them is Husbanken's.** The second hypercube
(`boligsosialt`) is constructed **as a whole**: its field names are guesses.

What is real:
- the hypercube shape, from the real `GetLayout` capture in
  `../shared/reference/husbanken/qlik_hypercube_bostotte_sample_TRIMMED.json` (terchris/atlas,
  commit b7299f5): `qLayout.qHyperCube`, the dimension and measure titles (`KommuneNr`, `År`;
  `soknad`, `vedtak`, `utbetaling`, `avslag`, `belop`), `qMatrix` cells `{{qText, qNum, qElemNumber,
  qState}}`, the null year as `qText "-"` / `qNum "NaN"` / `qIsNull: true`, Svalbard `2100` with zeros;
  the sample's own rows for 0301 2019–2020 are reused verbatim;
- the app id, the bostøtte measure expressions, 1,000-row pages, Svalbard's 2100 and 2111 and Oslo's
  bydeler as the app's own codes 0311–0326 (one of them a bydel that no longer exists), as a third
  party observed the live app in 2026;
- the geography: the Klass 131 kommuner valid in each year 2019–2025.

Assumed or invented:
- every other number in the `bostotte` cube (applications ≈ 2 % of a kommune's pseudo-population,
  decisions, payouts, rejections, kroner), and a few null-year rows (0301, 2111, 5043);
- **the whole `boligsosialt` cube** (the second `CreateSessionObject`, handle 3): that the app has
  these measures at all (an earlier README said kommunale boliger and bostedsløse are not in the
  app — never checked against the live app, so an open question), the measure expressions
  ({', '.join(f'`{v}`' for v in second.measures.values())}) — the first of the manifest's
  `fetch.options.cubes.{SECOND_CUBE}.unconfirmed` candidates —, the labels
  {', '.join(f'`{k}`' for k in second.measures)}, the years {SECOND_YEARS.start}–{SECOND_YEARS.stop - 1}, and every number
  (kommunale boliger ≈ 2 % of the pseudo-population; vanskeligstilte households ≈ 2 % of households
  under edition v1 and ≈ 3.4 % under v2 — a deliberate jump at the ASSUMED edition change in
  {V2_FROM}; bostedsløse only in the survey years {', '.join(map(str, SURVEY_YEARS))}, null (`..`) in the others);
- the REST metadata answer (`GET {opts.app_url}`, `attributes.lastReloadTime`) — the live app's
  metadata was seen to be anonymous JSON with `published: true`, its exact fields were not recorded;
- the JSON-RPC results of OpenDoc and CreateSessionObject (handles 1, 2 and 3).

What a live recording must confirm (`ATLAS_HTTP_MODE=record`): whether the app has fields for
kommunalt disponerte boliger, vanskeligstilte and bostedsløse at all (if not, drop
`fetch.options.cubes.{SECOND_CUBE}` and its GX codes); their field names and whether `Sum()` is
the right aggregation (stocks, not flows); the cube's years; whether the app carries a
vanskeligstilte edition/definition field (then set `parse.options.measure_editions.vanskeligstilte.dimension`)
or which year the definition changed (`by_year`); whether vanskeligstilte counts households or persons.

Requests (in `index.json`): the metadata GET, and the Engine calls `RPC {opts.engine_url}`:
OpenDoc once; for `bostotte` CreateSessionObject, GetLayout and {pages} × GetHyperCubeData
({len(rows):,} cube rows, {opts.page_rows} per page); for `{SECOND_CUBE}` CreateSessionObject,
GetLayout and {second_pages} × GetHyperCubeData ({len(second_rows):,} cube rows) — each keyed by its
`{{method, handle, params}}` as the adapter sends them.

Replayed through the real adapter and parser: {len(out):,} rows in `raw.observations`
({', '.join(f'{k}: {v:,}' for k, v in sorted(levels.items()))}; by measure: {', '.join(f'{k} {v:,}' for k, v in by_code.items())});
periods {', '.join(result.periods)} (`first_year` 2020 leaves 2019 out; `{SECOND_CUBE}` ends in {SECOND_YEARS.stop - 1});
NULL `..` cells: {', '.join(f'{k} {v:,}' for k, v in sorted(nulls.items())) or 'none'};
`dimensions.vanskeligstilte_edition`: {'; '.join(f"{e} in {', '.join(ys)}" for e, ys in edition_years.items())};
quarantined {len(result.quarantine)} of {result.records:,} records:
{reason_lines}

`drift/GetLayout_belop_renamed.json` is the GetLayout answer with the measure `belop` renamed
`beløp` — a layout drift, not in `index.json`; the unit tests expect the parse to fail naming the
app and the titles found.

The manifest's `min_rows` is {m.min_rows:,}. Regenerate: `.venv/bin/python scripts/snapshots/husbanken_construct.py`.
Record real ones with `ATLAS_HTTP_MODE=record` on a machine that can reach qlik.husbanken.no
(the Engine calls are recorded like HTTP requests), and replace this file.
""", encoding="utf-8")
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
