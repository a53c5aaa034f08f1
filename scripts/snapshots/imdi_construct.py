#!/usr/bin/env python3
"""Construct replay snapshots for the IMDi family (www.imdi.no key-figure pages; no network here).

CONSTRUCTED DATA, NOT OFFICIAL STATISTICS (except where said). www.imdi.no cannot be reached from
the machines this project is built on, so the replay pages are generated here, deterministically:

* imdi-bosetting 2025: the REAL captured page (tests/resources/imdi/nokkeltall-bosetting-2025_
  EXCERPT.html: the national key figures, the fylke table and the Agder kommune table, verbatim)
  with the other 14 fylker's kommune tables CONSTRUCTED in the same markup (real kommune names
  from Klass 131, invented numbers); 2024: a CONSTRUCTED page with a different column set (settled
  from Ukraina instead of collective protection, and a `Merknad` column no rule knows), one
  "avventer vedtak" cell and one small count IMDi forgot to hide;
* imdi-innvandringsgrunn-kjonn 2025: a CONSTRUCTED page linking a CONSTRUCTED Excel file (long
  format: Fylke, Kommunenummer — blank for Agder, so those rows resolve by name —, Kommune,
  Innvandringsgrunn, Kjønn, Antall personer; two title rows above the header);
* imdi-landbakgrunn 2025: a CONSTRUCTED page with one table per fylke (kommune names, IMDi-style
  world-region columns, a `Sum` row);
* the index pages and robots.txt of www.imdi.no: CONSTRUCTED (URL paths other than the real 2025
  bosetting page are assumed);
* a failure fixture, tests/resources/imdi/link_moved/: the innvandringsgrunn page whose Excel link
  answers 404 (the file moved), to prove the clear failure.

Every value other than the real page's is deterministic pseudo-random, of a plausible magnitude.

    .venv/bin/python scripts/snapshots/imdi_construct.py
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import random
import re
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "include"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from xlsx_util import workbook_bytes  # noqa: E402

from atlas_ingest.http import HttpClient, HttpRequest, SnapshotStore  # noqa: E402
from atlas_ingest.kinds import RunContext, parser_for  # noqa: E402
from atlas_ingest.landing import LandingStore  # noqa: E402
from atlas_ingest.manifest import get_manifest  # noqa: E402
from ssb_construct import kommuner  # noqa: E402

HOST = "https://www.imdi.no"
REAL_PAGE = ROOT / "tests" / "resources" / "imdi" / "nokkeltall-bosetting-2025_EXCERPT.html"
FAILURE_DIR = ROOT / "tests" / "resources" / "imdi" / "link_moved"
HTML = {"content-type": "text/html; charset=utf-8"}
XLSX = {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
TEXT = {"content-type": "text/plain; charset=utf-8"}
ROBOTS = b"User-agent: *\nDisallow: /sok/\nDisallow: /episerver/\n"
FYLKER = {"42": "Agder", "32": "Akershus", "33": "Buskerud", "56": "Finnmark", "34": "Innlandet",
          "15": "Møre og Romsdal", "18": "Nordland", "03": "Oslo", "11": "Rogaland", "40": "Telemark",
          "55": "Troms", "50": "Trøndelag", "39": "Vestfold", "46": "Vestland", "31": "Østfold"}
REASONS = ["Arbeid", "Familie", "Flukt", "Utdanning", "Annet/uoppgitt"]
REGIONS = ["EU/EØS og Storbritannia", "Europa utenom EU/EØS og Storbritannia", "Afrika", "Asia med Tyrkia",
           "Nord-Amerika og Oseania", "Sør- og Mellom-Amerika"]


def rng_for(*parts: Any) -> random.Random:
    return random.Random(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest())


def kommuner_of(year: int) -> dict[str, list[tuple[str, str]]]:
    """fylke code → [(kommune code, name as IMDi would write it)], Klass 131 codes valid in `year`."""
    out: dict[str, list[tuple[str, str]]] = {f: [] for f in FYLKER}
    for code, k in sorted(kommuner().items()):
        if year in k["years"] and code[:2] in out:
            out[code[:2]].append((code, imdi_name(code, k["name"])))
    return {f: sorted(v, key=lambda x: x[1]) for f, v in out.items()}


def imdi_name(code: str, klass: str) -> str:
    # IMDi writes most Sami/Kven names in full, some by the Norwegian part alone
    short = {"5612": "Kautokeino", "5628": "Tana", "5610": "Karasjok"}
    return short.get(code, klass)


def size(code: str) -> float:
    big = {"0301": 60.0, "4601": 25.0, "5001": 20.0, "1103": 15.0, "4204": 12.0}
    return big.get(code, 10 ** rng_for("size", code).uniform(-0.6, 0.8))


def shown(n: int) -> str:
    return ":" if 0 < n < 5 else str(n)


def table(first: str, headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th style="text-align: center;">{html.escape(h)}</th>' for h in [first, *headers])
    body = "".join("<tr>" + "".join(f'<td style="text-align: center;">{html.escape(c)}</td>' for c in r) + "</tr>\n"
                   for r in rows)
    return f'<table border="1">\n<thead>\n<tr>\n{head}\n</tr>\n</thead>\n<tbody>\n{body}</tbody>\n</table>\n'


def page(title: str, canonical: str, blocks: str, published: str) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="no">
<head>
    <meta charset="utf-8">
    <title>{html.escape(title)} | IMDi</title>
    <meta name="cludo:PublishedDate" content="{published}"/>
    <link href="{canonical}" rel="canonical" />
</head>
<body>
<!-- CONSTRUCTED by scripts/snapshots/imdi_construct.py in the markup of the captured IMDi page; not IMDi's figures -->
<div class="_richText_1qsmc_1">
{blocks}
</div>
</body>
</html>
""".encode("utf-8")


# ----------------------------------------------------------------------------- imdi-bosetting
BOSETTING_2025 = ["Antall personer kommunen har blitt anmodet om å bosette:",
                  "Antall personer kommunen har vedtatt å bosette:", "Antall bosatte personer:",
                  "Antall bosatte personer med kollektiv beskyttelse:"]
BOSETTING_2024 = ["Antall personer kommunen har blitt anmodet om å bosette:",
                  "Antall personer kommunen har vedtatt å bosette:", "Antall bosatte personer:",
                  "Antall bosatte personer fra Ukraina:", "Merknad"]


def bosetting_rows(year: int, fylke: str, kommuner_: list[tuple[str, str]]) -> list[list[str]]:
    rows = []
    for code, name in kommuner_:
        r = rng_for("bosetting", year, code)
        asked = 0 if r.random() < 0.08 else max(5, round(size(code) * r.uniform(3, 9)))
        decided = "-" if asked == 0 else str(round(asked * r.choice([1.0, 1.0, 1.2, 1.35])))
        settled = 0 if asked == 0 and r.random() < 0.6 else round(asked * r.uniform(0.7, 1.1))
        special = round(settled * r.uniform(0.6, 0.9))
        if year == 2025:
            rows.append([name, str(asked), decided, shown(settled), shown(special)])
        else:
            note = ""
            if code == "3405":  # Lillehammer: a decision still pending, as text
                decided, note = "avventer vedtak", "Vedtak ventes i januar"
            if code == "1811":  # Bindal: a small count IMDi did not hide
                settled = 3
                rows.append([name, str(asked), decided, str(settled), shown(special), note])
                continue
            rows.append([name, str(asked), decided, shown(settled), shown(special), note])
    return rows


def bosetting_2025() -> bytes:
    real = REAL_PAGE.read_text(encoding="utf-8")
    block = real[real.index('<div class="_richText'):real.index("<!-- EXCERPT ENDS")]
    block = block[block.index(">") + 1:]
    extra = []
    for code, name in FYLKER.items():
        if code == "42":
            continue
        extra.append(f'<h3><a id="{html.escape(name)}"></a>{html.escape(name)} - oversikt over bosettingen i 2025</h3>\n')
        extra.append(table("Kommune", BOSETTING_2025, bosetting_rows(2025, code, kommuner_of(2025)[code])))
    head = real[:real.index('<div class="_richText')]
    marker = ("<!-- CONSTRUCTED: the rich-text block above the Agder table and the Agder table are the REAL capture; "
              "the tables for the other 14 fylker below are constructed by scripts/snapshots/imdi_construct.py "
              "(real kommune names, invented figures) -->\n")
    return (head + '<div class="_richText_1qsmc_1">' + block + marker + "".join(extra) + "</div>\n</body>\n</html>\n"
            ).encode("utf-8")


def bosetting_2024() -> bytes:
    blocks = ['<h2>Oversikt over bosettingen i kommunene i 2024</h2>\n',
              "<p><em><strong>Merk:</strong> Tegnet <strong>:</strong> betyr at tallet er fjernet av "
              "personvernhensyn.</em></p>\n"]
    for code, name in FYLKER.items():
        blocks.append(f'<h3><a id="{html.escape(name)}"></a>{html.escape(name)} - oversikt over bosettingen i 2024</h3>\n')
        rows = bosetting_rows(2024, code, kommuner_of(2024)[code])
        rows.append(["Sum", *["" for _ in BOSETTING_2024]])
        blocks.append(table("Kommune", BOSETTING_2024, rows))
    return page("Oversikt over bosettingen i kommunene i 2024",
                f"{HOST}/bosetting/bosettingstall/nokkeltall-bosetting-2024/", "".join(blocks), "2024-03-08")


def index_page(title: str, canonical: str, links: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>\n' for href, text in links)
    return page(title, canonical, f"<h1>{html.escape(title)}</h1>\n<ul>\n{items}</ul>\n", "2025-03-07")


# ----------------------------------------------------------------------------- innvandringsgrunn (Excel)
def innvandringsgrunn_xlsx(year: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Innvandringsgrunn"
    ws.append([f"Innvandrere etter innvandringsgrunn og kjønn, per 1.1.{year}"])
    ws.append(["Kilde: SSB. Tilrettelagt av IMDi. : = færre enn fem personer"])
    ws.append(["Fylke", "Kommunenummer", "Kommune", "Innvandringsgrunn", "Kjønn", "Antall personer"])
    for fylke, rows in kommuner_of(year).items():
        for code, name in rows:
            for reason in REASONS:
                for sex in ("Menn", "Kvinner"):
                    r = rng_for("grunn", year, code, reason, sex)
                    base = {"Arbeid": 40, "Familie": 30, "Flukt": 25, "Utdanning": 4, "Annet/uoppgitt": 2}[reason]
                    n = round(size(code) * base * r.uniform(0.6, 1.4))
                    ws.append([FYLKER[fylke], "" if fylke == "42" else code, name, reason, sex,
                               ":" if n < 5 else n])
    wb.properties.creator = "IMDi (constructed)"
    wb.properties.created = wb.properties.modified = datetime(year, 3, 1)
    # openpyxl stamps the save time into the zip entries: fix it, so a regeneration is byte-identical
    return workbook_bytes(wb)


def innvandringsgrunn_page(year: int, xlsx_href: str) -> bytes:
    blocks = (f"<h2>Innvandrere etter innvandringsgrunn {year}</h2>\n"
              "<p>Tallene viser innvandrere bosatt i kommunene per 1. januar, etter grunn for første innvandring "
              "og kjønn.</p>\n"
              f'<p><a href="{xlsx_href}">Last ned tallene for alle kommuner (Excel)</a></p>\n'
              + table("Innvandringsgrunn", ["Menn", "Kvinner"],
                      [[g, str(1000 + 17 * i), str(900 + 13 * i)] for i, g in enumerate(REASONS)]))
    return page(f"Innvandrere etter innvandringsgrunn {year}",
                f"{HOST}/tall-og-statistikk/innvandrere/innvandringsgrunn-{year}/", blocks, f"{year}-03-12")


# ----------------------------------------------------------------------------- landbakgrunn (HTML)
def landbakgrunn_page(year: int) -> bytes:
    blocks = [f"<h2>Innvandrere og norskfødte med innvandrerforeldre etter landbakgrunn {year}</h2>\n"]
    for code, name in FYLKER.items():
        blocks.append(f'<h3><a id="{html.escape(name)}"></a>{html.escape(name)} - landbakgrunn {year}</h3>\n')
        rows, totals = [], [0] * (len(REGIONS) + 1)
        for kcode, kname in kommuner_of(year)[code]:
            r = rng_for("land", year, kcode)
            counts = [round(size(kcode) * w * r.uniform(0.5, 1.5)) for w in (120, 35, 30, 70, 4, 6)]
            rows.append([kname, *[shown(c) for c in counts], str(sum(counts))])
            totals = [t + c for t, c in zip(totals, [*counts, sum(counts)])]
        rows.append(["Sum", *[str(t) for t in totals]])
        blocks.append(table("Kommune", [*REGIONS, "I alt"], rows))
    return page(f"Landbakgrunn {year}", f"{HOST}/tall-og-statistikk/innvandrere/landbakgrunn-{year}/",
                "".join(blocks), f"{year}-03-12")


# ----------------------------------------------------------------------------- writer
def fresh(folder: Path) -> SnapshotStore:
    if folder.exists():
        shutil.rmtree(folder)
    store = SnapshotStore(folder)
    store.record(HttpRequest("GET", f"{HOST}/robots.txt"), 200, TEXT, ROBOTS)
    return store


def construct_bosetting() -> None:
    m = get_manifest("imdi-bosetting")
    store = fresh(m.snapshot_dir)
    base = f"{HOST}/bosetting/bosettingstall"
    store.record(HttpRequest("GET", f"{base}/"), 200, HTML, index_page(
        "Bosettingstall", f"{base}/", [("/bosetting/bosettingstall/nokkeltall-bosetting-2025/", "Nøkkeltall 2025"),
                                        ("/bosetting/bosettingstall/nokkeltall-bosetting-2024/", "Nøkkeltall 2024"),
                                        ("/bosetting/bosettingstall/nokkeltall-bosetting-2023/", "Nøkkeltall 2023"),
                                        ("/bosetting/", "Om bosetting")]))
    store.record(HttpRequest("GET", f"{base}/nokkeltall-bosetting-2025/"), 200, HTML, bosetting_2025())
    store.record(HttpRequest("GET", f"{base}/nokkeltall-bosetting-2024/"), 200, HTML, bosetting_2024())


def construct_innvandringsgrunn(folder: Path, *, moved: bool = False) -> None:
    store = fresh(folder)
    base = f"{HOST}/tall-og-statistikk/innvandrere"
    store.record(HttpRequest("GET", f"{base}/"), 200, HTML, index_page(
        "Innvandrere", f"{base}/", [("/tall-og-statistikk/innvandrere/innvandringsgrunn-2025/", "Innvandringsgrunn 2025"),
                                    ("/tall-og-statistikk/innvandrere/innvandringsgrunn-2024/", "Innvandringsgrunn 2024"),
                                    ("/tall-og-statistikk/innvandrere/landbakgrunn-2025/", "Landbakgrunn 2025")]))
    name = "innvandringsgrunn-kjonn-2025" + ("-v2" if moved else "") + ".xlsx"
    href = f"/globalassets/tall-og-statistikk/{name}"
    store.record(HttpRequest("GET", f"{base}/innvandringsgrunn-2025/"), 200, HTML, innvandringsgrunn_page(2025, href))
    if moved:
        store.record(HttpRequest("GET", f"{HOST}{href}"), 404, HTML,
                     page("Siden finnes ikke", f"{HOST}{href}", "<h1>404 - Siden finnes ikke</h1>", "2025-06-01"))
    else:
        store.record(HttpRequest("GET", f"{HOST}{href}"), 200, XLSX, innvandringsgrunn_xlsx(2025))


def construct_landbakgrunn() -> None:
    m = get_manifest("imdi-landbakgrunn")
    store = fresh(m.snapshot_dir)
    base = f"{HOST}/tall-og-statistikk/innvandrere"
    store.record(HttpRequest("GET", f"{base}/"), 200, HTML, index_page(
        "Innvandrere", f"{base}/", [("/tall-og-statistikk/innvandrere/innvandringsgrunn-2025/", "Innvandringsgrunn 2025"),
                                    ("/tall-og-statistikk/innvandrere/landbakgrunn-2025/", "Landbakgrunn 2025"),
                                    ("/tall-og-statistikk/innvandrere/landbakgrunn-2024/", "Landbakgrunn 2024")]))
    store.record(HttpRequest("GET", f"{base}/landbakgrunn-2025/"), 200, HTML, landbakgrunn_page(2025))


def self_check(source_id: str) -> dict[str, Any]:
    from atlas_ingest.families.imdi.pages import ImdiPagesAdapter

    manifest = get_manifest(source_id)
    manifest = manifest.model_copy(update={"parse": manifest.parse.model_copy(
        update={"options": {**manifest.parse.options, "gazetteer": "snapshots"}})})
    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext(manifest=manifest, run_key="construct",
                         client=HttpClient(source_id=source_id, snapshot_dir=manifest.snapshot_dir, mode="replay",
                                           respect_robots=True), landing=LandingStore(tmp))
        adapter = ImdiPagesAdapter()
        plan = adapter.discover(ctx)
        fetched = plan.fetched + adapter.fetch(ctx, plan)
        result = parser_for(manifest)(ctx, fetched)
        obs = next(t for t in result.tables if t.table == "raw.observations")
        rows = list(csv.DictReader(io.StringIO(ctx.landing.get(obs.key).decode("utf-8"))))
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"] or "value"] = statuses.get(r["status"] or "value", 0) + 1
    if result.quarantine:
        raise SystemExit(f"{source_id}: {len(result.quarantine)} quarantined, e.g. {result.quarantine[0]['reason']}")
    if not statuses.get(":"):
        raise SystemExit(f"{source_id}: no suppressed (:) cell")
    levels: dict[str, int] = {}
    for r in rows:
        levels[r["region_level"]] = levels.get(r["region_level"], 0) + 1
    return {"rows": len(rows), "statuses": statuses, "levels": levels, "periods": result.periods,
            "warnings": result.warnings, "requests": len(plan.requests) + len(plan.fetched) + 1}


SNAPSHOT_MD = {
    "imdi-bosetting": """What is real:
- the 2025 page `{host}/bosetting/bosettingstall/nokkeltall-bosetting-2025/`: its national key
  figures, the fylke table and the Agder kommune table are IMDi's REAL page (captured, see
  `tests/resources/imdi/`), verbatim, with `:` (under five persons) and `-` (no decision) as IMDi
  shows them;
- the markup (rich-text block, one `<table>` per fylke under `<h3><a id="Fylke"></a>…`), kommune
  NAMES only, and the kommune names of the constructed tables (Klass 131, IMDi-style: some Sami
  names by their Norwegian part, `Våler` twice without qualifier).

Constructed or assumed:
- the kommune tables of the 14 fylker after Agder on the 2025 page (invented figures: they do not
  add up to the real fylke table);
- the whole 2024 page, with another column set ("… fra Ukraina" instead of "… med kollektiv
  beskyttelse", and a `Merknad` column no rule knows: ignored with a warning), an `avventer vedtak`
  cell (stored as `...`), a count of 3 IMDi did not hide (stored as `:`), `Sum` rows (skipped);
- the index page `{host}/bosetting/bosettingstall/` and `robots.txt`.
""",
    "imdi-innvandringsgrunn-kjonn": """What is real: nothing but the shapes IMDi uses elsewhere (the
key-figure pages' markup) and Klass 131 kommune codes and names.

Constructed or assumed:
- the URL paths (`{host}/tall-og-statistikk/innvandrere/`, `…/innvandringsgrunn-2025/`,
  `/globalassets/tall-og-statistikk/innvandringsgrunn-kjonn-2025.xlsx`), the page, and the Excel
  file: two title rows, then `Fylke | Kommunenummer | Kommune | Innvandringsgrunn | Kjønn | Antall
  personer`, one row per kommune × reason × sex, `:` under five; the kommunenummer is left blank
  for Agder so those rows resolve by name (with the fylke as hint);
- every figure, and `robots.txt`.

The failure fixture `tests/resources/imdi/link_moved/` holds the same page linking
`innvandringsgrunn-kjonn-2025-v2.xlsx`, which answers 404: the run must fail naming the page and
the link, and load nothing.
""",
    "imdi-landbakgrunn": """What is real: the key-figure pages' markup, and Klass 131 kommune codes and
names.

Constructed or assumed:
- the URL paths and the page: one table per fylke, `Kommune` then IMDi-style world regions
  (`EU/EØS og Storbritannia`, `Europa utenom EU/EØS og Storbritannia`, `Afrika`, `Asia med
  Tyrkia`, `Nord-Amerika og Oseania`, `Sør- og Mellom-Amerika`) and `I alt`, a `Sum` row per fylke
  (skipped); `:` under five;
- every figure, and `robots.txt`.
""",
}


def write_md(source_id: str, stats: dict[str, Any]) -> None:
    status_line = ", ".join(f"`{k}` {v:,}" for k, v in sorted(stats["statuses"].items()))
    level_line = ", ".join(f"{k} {v:,}" for k, v in sorted(stats["levels"].items()))
    warnings = "".join(f"\n  - {w}" for w in stats["warnings"]) or " none"
    text = f"""# Snapshots of {source_id} — CONSTRUCTED, not official statistics

These replay bodies were **constructed** by `scripts/snapshots/imdi_construct.py`, because
www.imdi.no cannot be reached from the machines this project is built on. Do not read a constructed
value as a statistic about a kommune.

{SNAPSHOT_MD[source_id].format(host=HOST)}
Parsed in replay by the real adapter and parser (kommune names resolved against the repository's
Klass snapshots): {stats['rows']:,} rows in `raw.observations` ({status_line}; {level_line});
periods {', '.join(stats['periods'])}; nothing quarantined. Warnings:{warnings}

Regenerate: `.venv/bin/python scripts/snapshots/imdi_construct.py`. Record real pages with
`ATLAS_HTTP_MODE=record` on a machine that can reach www.imdi.no, and replace this file.
"""
    (get_manifest(source_id).snapshot_dir / "SNAPSHOT.md").write_text(text, encoding="utf-8")


def main() -> int:
    construct_bosetting()
    construct_innvandringsgrunn(get_manifest("imdi-innvandringsgrunn-kjonn").snapshot_dir)
    construct_innvandringsgrunn(FAILURE_DIR, moved=True)
    (FAILURE_DIR / "README.md").write_text(
        "# Failure fixture: IMDi moved a download\n\nCONSTRUCTED by `scripts/snapshots/imdi_construct.py`: the "
        "imdi-innvandringsgrunn-kjonn page of 2025 linking an Excel file that answers 404. "
        "`tests/unit/test_imdi.py` replays it and expects a clear failure naming the page and the link.\n",
        encoding="utf-8")
    construct_landbakgrunn()
    for source_id in ("imdi-bosetting", "imdi-innvandringsgrunn-kjonn", "imdi-landbakgrunn"):
        stats = self_check(source_id)
        write_md(source_id, stats)
        print(f"{source_id}: {stats['rows']:,} rows {stats['statuses']} {stats['levels']} periods {stats['periods']}")
        for w in stats["warnings"]:
            print(f"   warning: {re.sub(chr(10), ' ', w)[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
