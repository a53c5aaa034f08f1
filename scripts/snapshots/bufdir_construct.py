#!/usr/bin/env python3
"""Construct replay snapshots for the Bufdir family (the kommune monitors' ZIP downloads).

CONSTRUCTED DATA, NOT OFFICIAL STATISTICS. www.bufdir.no and its CMS uploads host cannot be
reached from the machines this project is built on, so each source's replay bodies are generated
here:

* the monitor page as minimal HTML whose embedded content carries the ZIP link, as Bufdir's page
  does (the real ZIP URLs of two editions, as a third party fetched them in 2025/2026:
  `…azurecontainerapps.io/uploads/2025_07_31_barnefattigdom_monitor_e7fc16129b.zip` and
  `…/uploads/Kommunemonitor_barnevern_2026_09_04_cedc894149.zip`);
* the ZIP with one xlsx per indicator in the layouts that third party recorded (terchris/atlas
  bufdir-barnefattigdom / bufdir-barnevern parsers and tests): barnefattigdom `Indikator_<n>_….xlsx`,
  sheet `Data`, title rows above a header `Region | Regionnavn | Enhet | Tallformat | <years>`,
  `barn`/`husholdning`, `antall`/`prosent`, percentages as Norwegian text (`   17,7`), `..` for
  missing; barnevern `<code>_….xlsx`, sheet `Sheet1`, the file name as the title, header
  `Region | Regionnavn | Tallformat | <years>`, `Antall`/`Andel`, and one workbook in another layout
  (`Turnover_kommunalt barnevern_2016-2024.xlsx`);
* REAL geography: Klass 131 kommuner and 104 fylker of each year (2020–2023 and 2024 structures),
  the 38 Klass 103 bydeler (SSB's 6-digit codes, which Bufdir uses) and one real delbydel code
  (`03010109` Bispevika); each year in its own geography, a code outside its years left blank;
* INVENTED numbers of a plausible magnitude.

Also writes `snapshots/drift/` with a workbook whose `Tallformat` column is renamed (the failure
path), and replays each source through the real adapter and parser as a self-check.

    .venv/bin/python scripts/snapshots/bufdir_construct.py [source-id ...]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "include"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ATLAS_LANDING_ROOT", tempfile.mkdtemp(prefix="bufdir-construct-"))

from openpyxl import Workbook  # noqa: E402

from atlas_ingest.http import HttpClient, HttpRequest, SnapshotStore  # noqa: E402
from atlas_ingest.kinds import RunContext, adapter_for, parser_for  # noqa: E402
from atlas_ingest.landing import LandingStore  # noqa: E402
from atlas_ingest.manifest import get_manifest  # noqa: E402
from ssb_construct import kommune_size, kommuner, rng_for  # noqa: E402
from ssb_tables import BYDELER  # noqa: E402
from xlsx_util import workbook_bytes, zip_bytes  # noqa: E402

UPLOADS = "https://ca-statistikk-strapi-prod.whitesea-89be7839.norwayeast.azurecontainerapps.io/uploads"
HTML_HEADERS = {"content-type": "text/html; charset=utf-8"}
ZIP_HEADERS = {"content-type": "application/zip"}
SOURCES_DIR = ROOT / "include" / "sources"
FYLKER_2020 = ROOT / "include" / "sources" / "ssb-klass-fylker" / "snapshots" / "api-klass-v1-classifications-104-codesat-b0dfa05c24.json"
FYLKER_2024 = ROOT / "include" / "sources" / "ssb-klass-fylker" / "snapshots" / "api-klass-v1-classifications-104-codesat-22a3205969.json"
DELBYDELER = {"03010109": "Bispevika"}


def fylker_of(year: int) -> dict[str, str]:
    doc = json.loads((FYLKER_2024 if year >= 2024 else FYLKER_2020).read_text(encoding="utf-8"))
    return {c["code"]: c["name"] for c in doc["codes"] if c["code"] != "99"}


def regions(years: range) -> list[tuple[str, str, set[int]]]:
    """(code, name, years the code is valid) for Norway, fylker, kommuner, bydeler, delbydeler."""
    out: list[tuple[str, str, set[int]]] = [("0", "Norge", set(years))]
    fylke_years: dict[str, tuple[str, set[int]]] = {}
    for year in years:
        for code, name in fylker_of(max(year, 2020)).items():
            fylke_years.setdefault(code, (name, set()))[1].add(year)
    out += [(c, n, y) for c, (n, y) in sorted(fylke_years.items())]
    for code, k in sorted(kommuner().items()):
        if not k["years"] & set(range(2020, 2100)):
            continue  # only codes of the 2020–2023 and 2024 structures (what the manifests load)
        # Klass starts in 2018: a code valid then is taken as valid in the years before, too
        valid = {y for y in years if y in k["years"] or (y < 2018 and 2018 in k["years"])}
        if valid:
            out.append((code, k["name"], valid))
    out += [(code, name, set(years)) for code, (name, _, _) in sorted(BYDELER.items())]
    out += [(code, name, set(years)) for code, name in DELBYDELER.items()]
    return out


def size_of(code: str) -> float:
    if code == "0":
        return 5_500_000
    if len(code) == 2:
        return 350_000
    if len(code) == 6:
        return BYDELER[code][2]
    if len(code) == 8:
        return 4_000
    return kommune_size(code)


def norwegian(value: float) -> str:
    """Bufdir's percentages: text with a decimal comma, right-aligned with spaces."""
    return f"{value:8.1f}".replace(".", ",")


# ----------------------------------------------------------------------------- workbooks
@dataclass
class IndicatorSpec:
    file: str
    title: str
    share: float  # per cent of children (or households) — the level
    units: tuple[str, ...]  # Enhet values (barnefattigdom) or () for barnevern
    formats: tuple[str, ...]  # Tallformat values as written in the file
    per_child_amount: bool = False  # barnevern 2A: kroner per child, written as `Andel`


def values_for(key: str, spec: IndicatorSpec, code: str, year: int, unit: str | None, fmt: str) -> Any:
    rng = rng_for(key, code)
    level = spec.share * (0.5 + rng.random()) * (1.35 if code.startswith("0301") else 1.0)
    level *= 1 + 0.02 * (year - 2020) * (1 if rng.random() > 0.5 else -1)
    children = size_of(code) * 0.21 * (0.45 if unit == "husholdning" else 1.0)
    count = int(round(children * level / 100 + rng_for(key, code, year).uniform(-2, 2)))
    if fmt.casefold() == "antall":
        return ".." if count < 5 else count
    if spec.per_child_amount:
        return norwegian(level * 1000 * (1 + rng_for(key, code, year).random() / 10))
    return ".." if count < 5 else norwegian(100 * count / max(children, 1))


def indicator_workbook(key: str, spec: IndicatorSpec, years: range, sheet: str, title_rows: list[str],
                       rename: dict[str, str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for text in title_rows:
        ws.append([text])
    header = ["Region", "Regionnavn"] + (["Enhet"] if spec.units else []) + ["Tallformat"] + [str(y) for y in years]
    if rename:
        header = [rename.get(h, h) for h in header]
    ws.append(header)
    for code, name, valid in regions(years):
        for unit in spec.units or (None,):
            for fmt in spec.formats:
                cells = [values_for(key, spec, code, y, unit, fmt) if y in valid else None for y in years]
                ws.append([code, name] + ([unit] if unit else []) + [fmt] + cells)
    return workbook_bytes(wb)


def turnover_workbook() -> bytes:
    """Barnevern's one workbook in another layout (year-range headers, code and name in one cell)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Ark1"
    ws.append(["Kommune"] + [f"turnover {y}-{y + 1}" for y in range(2015, 2024)])
    for code, k in sorted(kommuner().items())[:40]:
        if 2024 in k["years"]:
            ws.append([f"{code} {k['name']}"] + [norwegian(10 + 15 * rng_for("turnover", code, y).random())
                                                 for y in range(2015, 2024)])
    return workbook_bytes(wb)


@dataclass
class SourceSpec:
    source_id: str
    page: str
    zip_name: str
    sheet: str
    years: range
    indicators: dict[str, IndicatorSpec]
    title_rows: Callable[[str, IndicatorSpec], list[str]]
    extra_members: Callable[[], dict[str, bytes]]
    what_is_real: list[str]
    assumed: list[str]
    drift_rename: dict[str, str]


SOURCES: dict[str, SourceSpec] = {
    "bufdir-barnefattigdom": SourceSpec(
        "bufdir-barnefattigdom", "https://www.bufdir.no/statistikk-og-analyse/monitor/barnefattigdom/",
        "2025_07_31_barnefattigdom_monitor_e7fc16129b.zip", "Data", range(2016, 2024),
        {
            "ind1": IndicatorSpec("Indikator_1_barn_i_hush_lavinnt_lav_finans_siste_år.xlsx",
                                  "Barn i husholdninger med lavinntekt og lav finanskapital (siste år)", 10.0,
                                  ("barn", "husholdning"), ("antall", "prosent")),
            "ind4": IndicatorSpec("Indikator_4_barn_i_hush_mottat_sosialhjelp_ila_året.xlsx",
                                  "Barn i husholdninger som har mottatt sosialhjelp i løpet av året", 6.0,
                                  ("barn", "husholdning"), ("antall", "prosent")),
            "ind11": IndicatorSpec("Indikator_11_barn_med_foreldre_lav_utdanning.xlsx",
                                   "Barn med foreldre med lav utdanning", 12.0,
                                   ("barn", "husholdning"), ("antall", "prosent")),
            "ind17": IndicatorSpec("Indikator_17_barn_0-5_i_hush_som_leier_bolig_kun_pers.xlsx",
                                   "Barn 0-5 år i husholdninger som leier bolig. Kun personer", 22.0,
                                   ("barn",), ("antall", "prosent")),
        },
        lambda key, spec: [f"Tab. {key[3:]}: {spec.title}", "Kilde: SSB, bearbeidet av Bufdir"],
        lambda: {},
        ["the monitor page URL and the edition's ZIP URL (host and file name), as fetched by a third party",
         "the workbook names `Indikator_1_…`, `Indikator_4_…`, `Indikator_17_…`, the `Data` sheet, title rows "
         "above the header (`Tab. 17: …`), the header `Region | Regionnavn | Enhet | Tallformat | <years>`, "
         "`barn`/`husholdning`, `antall`/`prosent`, percentages as text with a decimal comma, `..` for missing",
         "SSB's 6-digit bydel codes in `Region` (and an 8-digit delbydel code, `03010109` Bispevika)"],
        ["`Indikator_11_barn_med_foreldre_lav_utdanning.xlsx` (a NUDB-based indicator of the monitor; the name "
         "is ours)", "the years 2016–2023 in every workbook (the real ones vary: 2013–2023, 2017–2024)",
         "each year in its own geography with blank cells outside a code's years (Bufdir may instead publish "
         "all years on today's kommune codes — check when recording)"],
        {"Tallformat": "Format"}),
    "bufdir-barnevern": SourceSpec(
        "bufdir-barnevern", "https://www.bufdir.no/statistikk-og-analyse/monitor/barnevern/",
        "Kommunemonitor_barnevern_2026_09_04_cedc894149.zip", "Sheet1", range(2016, 2025),
        {
            "bv1a": IndicatorSpec("1A_andel_ant_barn_tiltak_ilaaret_ialt_0_17.xlsx",
                                  "Barn med tiltak i løpet av året, 0-17 år", 3.6, (), ("Antall", "Andel")),
            "bv2a": IndicatorSpec("2A_utgifter_per_barn_0_17.xlsx",
                                  "Barnevernets utgifter per barn 0-17 år", 12.0, (), ("Andel",),
                                  per_child_amount=True),
            "bv3m": IndicatorSpec("3M_turnover_saksbehandlere.xlsx",
                                  "Turnover blant saksbehandlere i kommunalt barnevern", 18.0, (), ("Andel",)),
        },
        lambda key, spec: [spec.file[:-5]],
        lambda: {"Turnover_kommunalt barnevern_2016-2024.xlsx": turnover_workbook()},
        ["the monitor page URL and the edition's ZIP URL, as fetched by a third party",
         "the workbook names `1A_andel_ant_barn_tiltak_ilaaret_ialt_0_17.xlsx`, `3M_turnover_saksbehandlere.xlsx` "
         "and `Turnover_kommunalt barnevern_2016-2024.xlsx` (another layout: year-range headers, code and name in "
         "one cell — not an indicator the manifest lists, skipped with a warning)",
         "the `Sheet1` sheet with the file name as its title row, the header `Region | Regionnavn | Tallformat | "
         "<years>` (no Enhet), `Antall`/`Andel`, `Andel` also for non-percentages (kroner per child)"],
        ["`2A_utgifter_per_barn_0_17.xlsx` (the real name is longer)", "the years 2016–2024",
         "each year in its own geography (the live monitor says it uses the 2024 kommune structure: if it "
         "publishes earlier years on 2024 codes, the Klass validity check will quarantine those rows — see README)"],
        {"Tallformat": "Talformat"}),
}


def page_html(spec: SourceSpec) -> bytes:
    url = f"{UPLOADS}/{spec.zip_name}"
    content = json.dumps({"body": f"Last ned hele datasettet: [ZIP]({url})"}, ensure_ascii=False).replace("/", "\\/")
    html = f"""<!DOCTYPE html>
<html lang="no">
  <head><meta charset="utf-8"><title>Kommunemonitor - Bufdir</title></head>
  <body>
    <!-- CONSTRUCTED replay page (scripts/snapshots/bufdir_construct.py): not Bufdir's page. -->
    <div id="root"></div>
    <script id="__NEXT_DATA__" type="application/json">{content}</script>
    <noscript><a href="{url}">Last ned hele datasettet (zip)</a></noscript>
    <a href="{UPLOADS}/Veileder_kommunemonitor.pdf">Veileder (pdf)</a>
  </body>
</html>
"""
    return html.encode("utf-8")


def write_source(spec: SourceSpec) -> dict[str, Any]:
    folder = SOURCES_DIR / spec.source_id / "snapshots"
    if folder.exists():
        for path in folder.rglob("*"):
            if path.is_file():
                path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    members = {ind.file: indicator_workbook(key, ind, spec.years, spec.sheet, spec.title_rows(key, ind))
               for key, ind in spec.indicators.items()}
    members.update(spec.extra_members())
    body = zip_bytes(members)
    store = SnapshotStore(folder)
    store.record(HttpRequest("GET", spec.page), 200, HTML_HEADERS, page_html(spec))
    store.record(HttpRequest("GET", f"{UPLOADS}/{spec.zip_name}"), 200,
                 {**ZIP_HEADERS, "last-modified": "Thu, 31 Jul 2025 08:00:00 GMT" if "2025" in spec.zip_name
                  else "Fri, 04 Sep 2026 08:00:00 GMT"}, body)
    (folder / "drift").mkdir(exist_ok=True)
    key, first = next(iter(spec.indicators.items()))
    drifted = indicator_workbook(key, first, spec.years, spec.sheet, spec.title_rows(key, first),
                                 rename=spec.drift_rename)
    drift = folder / "drift" / first.file.replace(".xlsx", "_renamed_column.xlsx")
    drift.write_bytes(drifted)
    return {"zip_bytes": len(body), "members": {k: len(v) for k, v in members.items()}, "drift": drift}


def replay(source_id: str) -> dict[str, Any]:
    import csv
    import io

    m = get_manifest(source_id)
    ctx = RunContext(manifest=m, run_key="construct", landing=LandingStore(),
                     client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay"))
    plan = adapter_for(m).discover(ctx)
    result = parser_for(m)(ctx, plan.fetched + adapter_for(m).fetch(ctx, plan))
    rows = list(csv.DictReader(io.StringIO(ctx.landing.get(result.tables[0].key).decode())))
    markers: dict[str, int] = {}
    levels: dict[str, int] = {}
    for row in rows:
        markers[row["status"] or "value"] = markers.get(row["status"] or "value", 0) + 1
        levels[row["region_level"]] = levels.get(row["region_level"], 0) + 1
    return {"rows": len(rows), "markers": markers, "levels": levels, "periods": result.periods,
            "quarantined": len(result.quarantine), "warnings": result.warnings, "records": result.records,
            "catalog": result.tables[1].rows, "min_rows": m.min_rows}


def snapshot_md(spec: SourceSpec, written: dict[str, Any], result: dict[str, Any]) -> str:
    m = get_manifest(spec.source_id)
    real = "\n".join(f"- {line};" for line in spec.what_is_real)
    assumed = "\n".join(f"- {line};" for line in spec.assumed)
    members = "\n".join(f"  - `{name}` ({size:,} bytes)" for name, size in written["members"].items())
    markers = ", ".join(f"{k}: {v:,}" for k, v in sorted(result["markers"].items()))
    levels = ", ".join(f"{k}: {v:,}" for k, v in sorted(result["levels"].items()))
    warnings = "\n".join(f"  - {w}" for w in result["warnings"])
    renamed = ", ".join(f"`{a}` → `{b}`" for a, b in spec.drift_rename.items())
    return f"""# Snapshots of {spec.source_id} — CONSTRUCTED, not official statistics

These replay bodies were **constructed** by `scripts/snapshots/bufdir_construct.py`, because
www.bufdir.no and its uploads host cannot be reached from the machines this project is built on.
**No number in them is Bufdir's or SSB's.** Do not read any value here as a statistic about a kommune.

What is real:
{real}
- the geography: Klass 131 kommuner and Klass 104 fylker of each year (the 2020–2023 and 2024
  structures), the 38 Klass 103 bydeler (from this repository's ssb-klass-* snapshots).

Assumed or invented:
{assumed}
- the monitor page is minimal HTML: the ZIP link sits in an embedded JSON blob (with `\\/`-escaped
  slashes, as single-page apps ship their content) and in a `<noscript>` anchor;
- every number: deterministic pseudo-random counts and shares of a plausible magnitude; counts
  under 5 and their shares are `..`.

Requests (in `index.json`):
- `GET {spec.page}`
- `GET {UPLOADS}/{spec.zip_name}` ({written['zip_bytes']:,} bytes), members:
{members}

Replayed through the real adapter and parser: {result['rows']:,} rows in `raw.observations` ({markers};
{levels}); periods {', '.join(result['periods'])}; {result['catalog']} indicators in `raw.indicator_catalog`;
quarantined {result['quarantined']}; warnings:
{warnings}

`drift/{written['drift'].name}` is the first workbook with {renamed} — a layout drift. It is not
in the ZIP; the unit tests feed it to the reader and expect a failure naming the member, the sheet
and the columns found.

The manifest's `min_rows` is {m.min_rows:,}. Regenerate:
`.venv/bin/python scripts/snapshots/bufdir_construct.py {spec.source_id}`. Record real ones with
`ATLAS_HTTP_MODE=record` on a machine that can reach www.bufdir.no, and replace this file.
"""


def main(argv: list[str]) -> int:
    summary = {}
    for source_id in argv or list(SOURCES):
        spec = SOURCES[source_id]
        written = write_source(spec)
        result = replay(source_id)
        assert result["rows"] >= result["min_rows"], (source_id, result["rows"], result["min_rows"])
        assert result["quarantined"] == 0, result
        (SOURCES_DIR / source_id / "snapshots" / "SNAPSHOT.md").write_text(snapshot_md(spec, written, result),
                                                                           encoding="utf-8")
        summary[source_id] = {k: result[k] for k in ("rows", "markers", "levels", "periods", "catalog", "warnings")}
        summary[source_id]["zip_bytes"] = written["zip_bytes"]
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
