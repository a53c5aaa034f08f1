#!/usr/bin/env python3
"""Construct replay snapshots for the NAV family (nav.no statistics pages and xlsx reports).

CONSTRUCTED DATA, NOT OFFICIAL STATISTICS. www.nav.no cannot be reached from the machines this
project is built on, so every NAV source's replay bodies are generated here:

* the statistics pages as minimal HTML carrying the report links in NAV's real URL shape
  (`/_/attachment/download/<uuid>:<hash>/<file>.xlsx`, `inline` for AAP155), the current year's
  file on the statistics page and earlier years on an archive page;
* the workbooks in the layouts a third party recorded from NAV's live files in 2026 (terchris/
  atlas, nav-uforetrygd / nav-aap / nav-helt-ledige READMEs and parsers): sheet names, the label
  column B with column A empty, the period cell (`2026 : `, `Periode: 2026 01 - 2026 10`,
  `Januar - oktober 2026`), a month header row repeated per fylke block, the row labels
  (`03 Oslo - Oslove i alt`, `030101 Gamle Oslo`, `1103 Stavanger i alt`, `I alt 03 Oslo - Oslove`,
  `I alt Rogaland`, `Ukjent`, `2100 Svalbard`) and `*` for fewer than 4 persons. The quarterly
  sykefravær table's layout (a `Kommune` column, `1. kvartal 2025` headers) is modelled on SSB's
  and NAV's published quarterly tables, not on a recorded NAV file;
* REAL geography: the 2024 Klass 104 fylker, Klass 131 kommuner and the 38 Klass 103 bydeler;
* INVENTED numbers of a plausible magnitude.

Also writes `snapshots/drift/` files with a renamed column (the layout-drift failure path), and
replays every source through the real adapter and parser as a self-check.

    .venv/bin/python scripts/snapshots/nav_construct.py [source-id ...]
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "include"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ATLAS_LANDING_ROOT", tempfile.mkdtemp(prefix="nav-construct-"))

from openpyxl import Workbook  # noqa: E402

from atlas_ingest.http import HttpClient, HttpRequest, SnapshotStore  # noqa: E402
from atlas_ingest.kinds import RunContext, adapter_for, parser_for  # noqa: E402
from atlas_ingest.landing import LandingStore  # noqa: E402
from atlas_ingest.manifest import get_manifest  # noqa: E402
from ssb_construct import kommune_size, kommuner, rng_for  # noqa: E402
from ssb_tables import BYDELER  # noqa: E402
from xlsx_util import workbook_bytes  # noqa: E402

NAV = "https://www.nav.no"
HTML_HEADERS = {"content-type": "text/html; charset=utf-8"}
XLSX_HEADERS = {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SOURCES_DIR = ROOT / "include" / "sources"
FYLKER_2024 = ROOT / "include" / "sources" / "ssb-klass-fylker" / "snapshots" / \
    "api-klass-v1-classifications-104-codesat-22a3205969.json"
MONTHS = ["Januar", "Februar", "Mars", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Desember"]
CURRENT, PREVIOUS = 2026, 2025
# What NAV has published of the current year by the snapshot date (late November 2026): the
# monthly tables through October, the quarterly sykefravær table through the 2nd quarter.
CURRENT_MONTHS = 10
CURRENT_QUARTERS = 2
BYDEL_KOMMUNER = ("0301", "1103", "4601", "5001")


# ----------------------------------------------------------------------------- geography
@lru_cache(maxsize=1)
def fylker() -> list[tuple[str, str]]:
    doc = json.loads(FYLKER_2024.read_text(encoding="utf-8"))
    return [(c["code"], nav_name(c["code"], c["name"])) for c in doc["codes"] if c["code"] != "99"]


def nav_name(code: str, name: str) -> str:
    return "Oslo - Oslove" if code in ("03", "0301") else name


@lru_cache(maxsize=1)
def kommuner_2024() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for code, k in sorted(kommuner().items()):
        if 2024 in k["years"]:
            out.setdefault(code[:2], []).append((code, nav_name(code, k["name"])))
    return out


def bydeler_of(kommune: str) -> list[tuple[str, str]]:
    return [(code, name) for code, (name, parent, _) in sorted(BYDELER.items()) if parent == kommune]


def size_of(code: str) -> int:
    if len(code) == 6:
        return BYDELER[code][2]
    return kommune_size(code)


# ----------------------------------------------------------------------------- numbers
@dataclass
class Model:
    """A count of persons out of a base population, as a share with a per-region level."""

    key: str
    base_share: float  # of the base, per cent
    base_of_size: float  # base population / kommune size
    spread: float = 0.35
    season: float = 0.04

    def share(self, code: str, year: int, step: int, steps: int) -> float:
        rng = rng_for(self.key, code)
        level = self.base_share * (1 + self.spread * (2 * rng.random() - 1))
        trend = 1 + 0.01 * (year - 2025) + 0.002 * step
        season = 1 + self.season * math.sin(2 * math.pi * step / max(steps, 1) + rng.random())
        return max(level * trend * season, 0.1)

    def count(self, code: str, year: int, step: int, steps: int) -> int:
        rng = rng_for(self.key, code, year, step)
        base = size_of(code) * self.base_of_size
        return max(int(round(base * self.share(code, year, step, steps) / 100 + rng.uniform(-1.5, 1.5))), 0)

    def base(self, code: str) -> float:
        return size_of(code) * self.base_of_size


def shown(count: int) -> Any:
    """NAV's rule: fewer than 4 persons is shown as `*`."""
    return "*" if count < 4 else count


# ----------------------------------------------------------------------------- sheets
def add_sheet(wb: Workbook, title: str, rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(row)


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def about_sheet(wb: Workbook, title: str, lines: list[str]) -> None:
    add_sheet(wb, title, [[None, line] for line in lines])


def region_counts(model: Model, year: int, steps: int, codes: list[str]) -> dict[str, list[int]]:
    return {c: [model.count(c, year, s, steps) for s in range(steps)] for c in codes}


def all_codes() -> list[str]:
    codes = []
    for fylke, _ in fylker():
        for code, _ in kommuner_2024().get(fylke, []):
            codes.append(code)
            if code in BYDEL_KOMMUNER:
                codes += [b for b, _ in bydeler_of(code)]
    return codes


def month_header(months: int) -> list[Any]:
    return [None, None] + MONTHS[:months]


def share_cell(count: int, base: float, marker: Any = "*") -> Any:
    return marker if count < 4 else round(100 * count / base, 1)


# PST302 ------------------------------------------------------------------------
def build_pst302(year: int, months: int, rename: dict[str, str] | None = None) -> bytes:
    model = Model("nav-uforetrygd", base_share=10.5, base_of_size=0.64, season=0.005)
    counts = region_counts(model, year, months, all_codes())
    wb = new_workbook()
    about_sheet(wb, " Om statistikken", ["Mottakere av uføretrygd. Månedsstatistikk.",
                                        "Kilde: NAV. Tall under 4 personer vises som *.",
                                        "KONSTRUERT TESTFIL — ikke offisiell statistikk."])
    for sheet, kind in (("Fylke. Antall", "antall"), ("Fylke. Andel", "andel")):
        rows = [[None, f"Mottakere av uføretrygd etter fylke. {kind.capitalize()}"], [], [None, f"{year} : "],
                month_header(months)]
        for fylke, name in fylker():
            members = [c for c, _ in kommuner_2024().get(fylke, [])]
            totals = [sum(counts[c][m] for c in members) for m in range(months)]
            base = sum(model.base(c) for c in members)
            rows.append([None, f"{fylke} {name}"] + (totals if kind == "antall" else
                                                      [round(100 * t / base, 1) for t in totals]))
        add_sheet(wb, sheet, rows)
    for sheet, kind in (("Kommune-bydel. Antall", "antall"), ("Kommune-bydel. Andel", "andel")):
        header = month_header(months)
        if rename:
            header = [rename.get(h, h) if isinstance(h, str) else h for h in header]
        rows: list[list[Any]] = [[None, f"Mottakere av uføretrygd etter kommune og bydel. {kind.capitalize()}"],
                                 [None, "Kilde: NAV"], [], [None, f"{year} : "]]

        def line(label: str, code_counts: list[int], base: float) -> list[Any]:
            if kind == "antall":
                return [None, label] + [shown(c) for c in code_counts]
            return [None, label] + [share_cell(c, base) for c in code_counts]

        for fylke, fname in fylker():
            members = kommuner_2024().get(fylke, [])
            rows += [[], [None, f"{fylke} {fname}"], [], header]
            totals = [sum(counts[c][m] for c, _ in members) for m in range(months)]
            rows.append(line(f"{fylke} {fname} i alt  ", totals, sum(model.base(c) for c, _ in members)))
            for code, name in members:
                if code == "0301":
                    # Oslo: the bydeler first, then the kommune row — every month `*` (as NAV shows it)
                    for bydel, bname in bydeler_of(code):
                        rows.append(line(f"{bydel} {bname}", counts[bydel], model.base(bydel)))
                    rows.append([None, f"{code} {name}"] + ["*"] * months)
                elif code in BYDEL_KOMMUNER:
                    rows.append(line(f"{code} {name} i alt  ", counts[code], model.base(code)))
                    for bydel, bname in bydeler_of(code):
                        rows.append(line(f"{bydel} {bname}", counts[bydel], model.base(bydel)))
                else:
                    rows.append(line(f"{code} {name}", counts[code], model.base(code)))
        add_sheet(wb, sheet, rows)
    return workbook_bytes(wb)


# AAP155 ------------------------------------------------------------------------
def build_aap155(year: int, months: int) -> bytes:
    model = Model("nav-aap", base_share=2.6, base_of_size=0.62, spread=0.45)
    codes = [c for f, _ in fylker() for c, _ in kommuner_2024().get(f, [])]
    counts = region_counts(model, year, months, codes)
    unknown = [int(1400 + 120 * rng_for("aap-ukjent", year, m).random()) for m in range(months)]
    wb = new_workbook()
    about_sheet(wb, "0. Om tabellene", ["Mottakere av arbeidsavklaringspenger (AAP).",
                                       "Celler med færre enn 4 personer er prikket (*), jf. statistikkloven § 2-6.",
                                       "KONSTRUERT TESTFIL — ikke offisiell statistikk."])
    for sheet, kind in (("1. Kommune. Antall", "antall"), ("2. Kommune. Andel", "andel")):
        rows: list[list[Any]] = [[None, f"Mottakere av AAP etter kommune. {kind.capitalize()}"], [],
                                 [None, f"Periode: {year} 01 - {year} {months:02d}"], [], []]
        for fylke, fname in fylker():
            members = kommuner_2024().get(fylke, [])
            rows.append(month_header(months))
            totals = [sum(counts[c][m] for c, _ in members) for m in range(months)]
            base = sum(model.base(c) for c, _ in members)
            rows.append([None, f"I alt {fylke} {fname}"] +
                        (totals if kind == "antall" else [round(100 * t / base, 1) for t in totals]))
            for code, name in members:
                rows.append([None, f"{code} {name}"] + [shown(c) if kind == "antall" else share_cell(c, model.base(code))
                                                         for c in counts[code]])
            rows += [[], []]
        if kind == "antall":  # NAV leaves Ukjent out of the share sheet (no population to divide by)
            rows += [month_header(months), [None, "I alt Ukjent"] + unknown, [None, "Ukjent"] + unknown]
        add_sheet(wb, sheet, rows)
    return workbook_bytes(wb)


# HL060 -------------------------------------------------------------------------
def build_hl060(year: int, months: int) -> bytes:
    model = Model("nav-helt-ledige", base_share=2.1, base_of_size=0.52, spread=0.4, season=0.08)
    codes = [c for f, _ in fylker() for c, _ in kommuner_2024().get(f, [])] + ["2100"]
    counts = region_counts(model, year, months, [c for c in codes if c != "2100"])
    counts["2100"] = [10 + int(6 * rng_for("hl-svalbard", year, m).random()) for m in range(months)]
    unknown = [int(8 + 10 * rng_for("hl-ukjent", year, m).random()) for m in range(months)]
    wb = new_workbook()
    about_sheet(wb, "0. Om tabellene", ["Helt ledige. Fylke og kommune. Tidsserie måned.",
                                       "Tall under 4 personer er skjult (*), jf. statistikkloven § 7-1.",
                                       "KONSTRUERT TESTFIL — ikke offisiell statistikk."])
    period = f"{MONTHS[0]} - {MONTHS[months - 1].lower()} {year}"
    for sheet, kind in (("3. Kommune Antall", "antall"), ("4. Kommune Prosent av arbeidsst", "prosent")):
        rows: list[list[Any]] = [[None, "Helt ledige. Fylke og kommune. Tidsserie måned"], [], [None, period], []]
        blocks = [(name, kommuner_2024().get(fylke, [])) for fylke, name in fylker()]
        blocks.append(("Svalbard og øvrige områder", [("2100", "Svalbard")]))
        for name, members in blocks:
            rows += [[None, name], month_header(months)]
            totals = [sum(counts[c][m] for c, _ in members) for m in range(months)]
            base = sum(model.base(c) for c, _ in members if c != "2100") or 2500
            rows.append([None, f"I alt {name}"] + (totals if kind == "antall" else
                                                   [round(100 * t / base, 1) for t in totals]))
            for code, kname in members:
                base_k = model.base(code) if code != "2100" else 2500
                # NAV's share sheet leaves a suppressed kommune's share blank
                rows.append([None, f"{code} {kname}"] + [shown(c) if kind == "antall" else share_cell(c, base_k, None)
                                                          for c in counts[code]])
            if kind == "prosent":
                rows.append([])
        rows += [[None, "Ukjent"], month_header(months),
                 [None, "I alt Ukjent"] + (unknown if kind == "antall" else ["*"] * months),
                 [None, "Ukjent"] + (unknown if kind == "antall" else ["*"] * months)]
        add_sheet(wb, sheet, rows)
    return workbook_bytes(wb)


# sykefravær --------------------------------------------------------------------
def build_sykefravaer(year: int, quarters: int) -> bytes:
    wb = new_workbook()
    about_sheet(wb, "Om statistikken", ["Legemeldt sykefravær etter bostedskommune. Kvartalstall.",
                                       "Sykefraværsprosent: tapte dagsverk i prosent av avtalte dagsverk.",
                                       "KONSTRUERT TESTFIL — ikke offisiell statistikk."])
    headers = [f"{q}. kvartal {year}" for q in range(1, quarters + 1)]

    def pct(code: str, q: int) -> float:
        rng = rng_for("sykefravaer", code)
        level = 5.6 * (1 + 0.3 * (2 * rng.random() - 1))
        return round(level * (1 + 0.08 * math.cos(2 * math.pi * q / 4)) * (1 + 0.01 * (year - 2025)), 1)

    def days(code: str, q: int) -> int:
        employees = size_of(code) * 0.5 if code not in ("0", "2100") else (2_800_000 if code == "0" else 1400)
        return int(employees * 62 * pct(code, q) / 100)

    regions: list[tuple[str, str]] = [("0", "I alt")]
    for fylke, fname in fylker():
        regions.append((fylke, f"{fylke} {fname}"))
        regions += [(c, f"{c} {n}") for c, n in kommuner_2024().get(fylke, [])]
    regions += [("2100", "2100 Svalbard"), ("Ukjent", "Ukjent")]
    for sheet, kind in (("Kommune. Prosent", "prosent"), ("Kommune. Tapte dagsverk", "dagsverk")):
        rows: list[list[Any]] = [[None, f"Legemeldt sykefravær etter bostedskommune. {kind.capitalize()}. Kvartalstall"],
                                 [None, "Kilde: NAV"], [], [None, "Kommune"] + headers]
        for code, label in regions:
            values = []
            for q in range(1, quarters + 1):
                if code == "Ukjent":
                    values.append("*" if kind == "prosent" else int(900 + 80 * q))
                elif kind == "prosent":
                    small = code not in ("0", "2100") and len(code) == 4 and size_of(code) < 600
                    values.append("*" if small and q % 2 == 0 else pct(code, q))
                else:
                    values.append(days(code, q))
            rows.append([None, label] + values)
        add_sheet(wb, sheet, rows)
    return workbook_bytes(wb)


# ----------------------------------------------------------------------------- pages
@dataclass
class ReportSpec:
    source_id: str
    report: str
    title: str
    pages: tuple[str, str]  # statistics page, archive page
    filename: Callable[[int, int], str]  # (year, last period) -> file name
    build: Callable[..., bytes]
    current_steps: int
    full_steps: int
    inline: bool = False
    what_is_real: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    backfill_periods: list[str] = field(default_factory=list)

    def link(self, year: int, steps: int) -> str:
        digest = hashlib.sha256(f"{self.source_id}:{year}:{steps}".encode()).hexdigest()
        uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        kind = "inline" if self.inline else "download"
        return f"/_/attachment/{kind}/{uuid}:{digest[32:44]}/{quote(self.filename(year, steps))}"


REPORTS: dict[str, ReportSpec] = {
    "nav-uforetrygd": ReportSpec(
        "nav-uforetrygd", "PST302", "Uføretrygd – månedsstatistikk",
        (f"{NAV}/no/nav-og-samfunn/statistikk/aap-nedsatt-arbeidsevne-og-uforetrygd-statistikk/uforetrygd/uforetrygd-manedsstatistikk",
         f"{NAV}/no/nav-og-samfunn/statistikk/aap-nedsatt-arbeidsevne-og-uforetrygd-statistikk/uforetrygd/arkiv-uforetrygd-manedsstatistikk"),
        lambda year, steps: f"PST302 Mottakere av uføretrygd kommune og bydel {year}.xlsx",
        build_pst302, CURRENT_MONTHS, 12,
        what_is_real=["the statistics page URL (the one NAV links PST302 from)",
                      "the layout: sheets `Kommune-bydel. Antall`/`Andel` (plus ` Om statistikken`, `Fylke. Antall`, "
                      "`Fylke. Andel`), labels in column B, the year cell `2026 : `, a month header row per fylke block, "
                      "fylke headers and `… i alt` totals, bydel rows, Stavanger's `1103 Stavanger i alt` before its "
                      "bydeler and Oslo's kommune row after them with every month `*`"],
        assumed=["the archive page's URL (NAV's is `arkiv-uforetrygd-manedsstatistikk-<years>`) and the file names"],
        backfill_periods=["2025M10", "2025M11"]),
    "nav-aap": ReportSpec(
        "nav-aap", "AAP155", "Arbeidsavklaringspenger (AAP)",
        (f"{NAV}/no/nav-og-samfunn/statistikk/aap-nedsatt-arbeidsevne-og-uforetrygd-statistikk/arbeidsavklaringspenger",
         f"{NAV}/no/nav-og-samfunn/statistikk/aap-nedsatt-arbeidsevne-og-uforetrygd-statistikk/arbeidsavklaringspenger/arkiv-mottakere-av-arbeidsavklaringspenger-aap"),
        lambda year, steps: f"AAP155 Mottakere av AAP kommune {year}.xlsx",
        build_aap155, CURRENT_MONTHS, 12, inline=True,
        what_is_real=["the statistics page URL", "the `/_/attachment/inline/…` link shape AAP155 uses",
                      "the layout: sheets `1. Kommune. Antall`/`2. Kommune. Andel` and `0. Om tabellene`, the period "
                      "cell `Periode: 2026 01 - 2026 10`, a month header row per fylke block, `I alt 03 Oslo - Oslove` "
                      "totals, `I alt Ukjent` + `Ukjent` in the Antall sheet only"],
        assumed=["the archive page (a third party found no AAP155 file on NAV's AAP archive page, so a backfill of "
                 "AAP before the current year may have no file upstream)", "the file names"],
        backfill_periods=["2025M10", "2025M11"]),
    "nav-helt-ledige": ReportSpec(
        "nav-helt-ledige", "HL060", "Helt ledige",
        (f"{NAV}/no/nav-og-samfunn/statistikk/arbeidssokere-og-stillinger-statistikk/helt-ledige",
         f"{NAV}/no/nav-og-samfunn/statistikk/arbeidssokere-og-stillinger-statistikk/helt-ledige/arkiv-helt-ledige_kap"),
        lambda year, steps: f"{year}{steps:02d}_HL060 Helt ledige fylke og kommune tidsserie måned.xlsx",
        build_hl060, CURRENT_MONTHS, 12,
        what_is_real=["the statistics and archive page URLs", "the file name shape `YYYYMM_HL060 ….xlsx`",
                      "the layout: sheets `3. Kommune Antall`/`4. Kommune Prosent av arbeidsst` and `0. Om tabellene`, "
                      "the period cell `Januar - oktober 2026`, bare fylke headers, `I alt <fylke>` totals without "
                      "a code, the `Svalbard og øvrige områder` block with `2100 Svalbard`, the `Ukjent` block "
                      "(`*` in every share cell)"],
        assumed=["blank share cells for suppressed kommuner (NAV: suppression is shown as `*` or blank)"],
        backfill_periods=["2025M10", "2025M11"]),
    "nav-sykefravaer": ReportSpec(
        "nav-sykefravaer", "SYK-BOSTED", "Sykefravær – kvartalsstatistikk",
        (f"{NAV}/no/nav-og-samfunn/statistikk/sykefravar-statistikk/sykefravar-per-kommune",
         f"{NAV}/no/nav-og-samfunn/statistikk/sykefravar-statistikk/sykefravar-per-kommune/arkiv-sykefravar-per-kommune"),
        lambda year, steps: f"SYK-BOSTED Legemeldt sykefravær etter bostedskommune {year}.xlsx",
        build_sykefravaer, CURRENT_QUARTERS, 4,
        what_is_real=["the nav.no statistics section and attachment link shape"],
        assumed=["the report code `SYK-BOSTED`, the page URLs, the file names and the whole layout (a `Kommune` "
                 "label column, `1. kvartal 2025` headers, `I alt` for Norway, sheets `Kommune. Prosent` and "
                 "`Kommune. Tapte dagsverk`), modelled on SSB's and NAV's published quarterly sykefravær tables; "
                 "no NAV sykefravær file was available to copy the layout from"],
        backfill_periods=["2025K3"]),
}


def page_html(spec: ReportSpec, archive: bool) -> bytes:
    if archive:
        links = [(spec.link(PREVIOUS, spec.full_steps), f"{spec.title} {PREVIOUS} (xlsx)"),
                 (spec.link(PREVIOUS - 1, spec.full_steps), f"{spec.title} {PREVIOUS - 1} (xlsx)")]
        heading = f"Arkiv: {spec.title}"
    else:
        links = [(spec.link(CURRENT, spec.current_steps), f"{spec.title} {CURRENT} (xlsx)"),
                 ("/_/attachment/download/0b7c9a1e-4f2d-4c55-9a37-1d2e3f405162:8d1c2b3a4f5e/Om%20statistikken.pdf",
                  "Om statistikken (pdf)")]
        heading = spec.title
    anchors = "\n".join(f'      <li><a href="{href}">{text}</a></li>' for href, text in links)
    archive_link = "" if archive else f'\n    <p><a href="{spec.pages[1]}">Eldre tall (arkiv)</a></p>'
    html = f"""<!DOCTYPE html>
<html lang="no">
  <head><meta charset="utf-8"><title>{heading} - nav.no</title></head>
  <body>
    <!-- CONSTRUCTED replay page (scripts/snapshots/nav_construct.py): not NAV's page. -->
    <main>
    <h1>{heading}</h1>
    <ul>
{anchors}
    </ul>{archive_link}
    </main>
  </body>
</html>
"""
    return html.encode("utf-8")


# ----------------------------------------------------------------------------- writing
def write_source(spec: ReportSpec) -> dict[str, Any]:
    folder = SOURCES_DIR / spec.source_id / "snapshots"
    if folder.exists():
        for path in folder.rglob("*"):
            if path.is_file():
                path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    store = SnapshotStore(folder)
    live, archive = spec.pages
    store.record(HttpRequest("GET", live), 200, HTML_HEADERS, page_html(spec, archive=False))
    store.record(HttpRequest("GET", archive), 200, HTML_HEADERS, page_html(spec, archive=True))
    files = {}
    for year, steps, page in ((CURRENT, spec.current_steps, live), (PREVIOUS, spec.full_steps, archive)):
        url = urljoin(page, spec.link(year, steps))
        body = spec.build(year, steps)
        name = store.record(HttpRequest("GET", url), 200, XLSX_HEADERS, body)
        files[year] = {"url": url, "snapshot": name, "bytes": len(body), "name": spec.filename(year, steps)}
    drift = None
    if spec.source_id == "nav-uforetrygd":
        (folder / "drift").mkdir(exist_ok=True)
        drifted = build_pst302(CURRENT, spec.current_steps, rename={"Januar": "Jan"})
        drift = folder / "drift" / "PST302_2026_januar_renamed_jan.xlsx"
        drift.write_bytes(drifted)
    return {"files": files, "drift": drift}


def replay(source_id: str, periods: list[str] | None) -> dict[str, Any]:
    m = get_manifest(source_id)
    ctx = RunContext(manifest=m, run_key="construct", client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir,
                                                                        mode="replay"),
                     landing=LandingStore(), periods=periods)
    plan = adapter_for(m).discover(ctx)
    assert not plan.skip, plan.skip_reason
    fetched = plan.fetched + adapter_for(m).fetch(ctx, plan)
    result = parser_for(m)(ctx, fetched)
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(ctx.landing.get(result.tables[0].key).decode())))
    markers: dict[str, int] = {}
    levels: dict[str, int] = {}
    for row in rows:
        markers[row["status"] or "value"] = markers.get(row["status"] or "value", 0) + 1
        levels[row["region_level"]] = levels.get(row["region_level"], 0) + 1
    reasons: dict[str, int] = {}
    for q in result.quarantine:
        reasons[q["reason"]] = reasons.get(q["reason"], 0) + 1
    return {"rows": len(rows), "markers": markers, "levels": levels, "periods": result.periods,
            "quarantined": len(result.quarantine), "reasons": reasons, "records": result.records,
            "min_rows": m.min_rows}


def snapshot_md(spec: ReportSpec, written: dict[str, Any], latest: dict[str, Any], backfill: dict[str, Any]) -> str:
    m = get_manifest(spec.source_id)
    files = written["files"]

    def counts(result: dict[str, Any]) -> str:
        markers = ", ".join(f"{k}: {v:,}" for k, v in sorted(result["markers"].items()))
        levels = ", ".join(f"{k}: {v:,}" for k, v in sorted(result["levels"].items()))
        reasons = "; ".join(f"{v} × {k}" for k, v in sorted(result["reasons"].items())) or "none"
        return (f"{result['rows']:,} rows in `raw.observations` ({markers}; {levels}); periods "
                f"{result['periods'][0]}…{result['periods'][-1]} ({len(result['periods'])}); quarantined "
                f"{result['quarantined']}: {reasons}")

    real = "\n".join(f"- {line};" for line in spec.what_is_real)
    assumed = "\n".join(f"- {line};" for line in spec.assumed)
    drift = ""
    if written["drift"] is not None:
        drift = (f"\n`drift/{written['drift'].name}` is the {CURRENT} file with the `Januar` column renamed to `Jan` "
                 "in both Kommune-bydel sheets — a layout drift. It is not in `index.json`; the unit tests feed it "
                 "to the parser and expect the run to fail naming the file, the sheet and the columns found.\n")
    return f"""# Snapshots of {spec.source_id} — CONSTRUCTED, not official statistics

These replay bodies were **constructed** by `scripts/snapshots/nav_construct.py`, because www.nav.no
cannot be reached from the machines this project is built on. **No number in them is NAV's.** Do
not read any value here as a statistic about a kommune.

What is real:
{real}
- NAV's small-cell rule: fewer than 4 persons is shown as `*`;
- the geography: the 2024 Klass 104 fylker, Klass 131 kommuner and Klass 103 bydeler (from this
  repository's ssb-klass-* snapshots), with NAV's `Oslo - Oslove`.

Assumed or invented:
{assumed}
- the statistics and archive pages are minimal HTML carrying only the links (NAV's pages are
  server-rendered; the link shape `/_/attachment/…/<uuid>:<hash>/<file>.xlsx` is NAV's), and the
  uuids/hashes are derived from the source id;
- every number: deterministic pseudo-random counts and shares of a plausible magnitude.

Requests (in `index.json`):
- `GET {spec.pages[0]}` — links the {CURRENT} file (`{files[CURRENT]['name']}`)
- `GET {spec.pages[1]}` — links the {PREVIOUS} and {PREVIOUS - 1} files; only {PREVIOUS} has a body here
- `GET {files[CURRENT]['url']}` ({files[CURRENT]['bytes']:,} bytes)
- `GET {files[PREVIOUS]['url']}` ({files[PREVIOUS]['bytes']:,} bytes)

Replayed through the real adapter and parser:
- a latest run (no periods): {counts(latest)}
- a backfill asking for {', '.join(spec.backfill_periods)}: {counts(backfill)}
{drift}
The manifest's `min_rows` is {m.min_rows:,}.

Regenerate: `.venv/bin/python scripts/snapshots/nav_construct.py {spec.source_id}`. Record real ones
with `ATLAS_HTTP_MODE=record` on a machine that can reach www.nav.no, and replace this file.
"""


def main(argv: list[str]) -> int:
    wanted = argv or list(REPORTS)
    summary = {}
    for source_id in wanted:
        spec = REPORTS[source_id]
        written = write_source(spec)
        latest = replay(source_id, None)
        backfill = replay(source_id, spec.backfill_periods)
        assert latest["rows"] >= latest["min_rows"], (source_id, latest["rows"], latest["min_rows"])
        share = latest["quarantined"] / max(latest["records"], 1)
        assert share <= get_manifest(source_id).quarantine_max_share, (source_id, share)
        (SOURCES_DIR / source_id / "snapshots" / "SNAPSHOT.md").write_text(
            snapshot_md(spec, written, latest, backfill), encoding="utf-8")
        summary[source_id] = {"latest": {k: latest[k] for k in ("rows", "quarantined", "markers", "levels")},
                              "latest_periods": len(latest["periods"]),
                              "backfill": {k: backfill[k] for k in ("rows", "quarantined", "periods")}}
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
