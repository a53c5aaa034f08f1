"""Build the replay snapshots of `folkehjelp-chapters`: a CONSTRUCTED folkehjelp.no in the real
URL shapes, and three later states of the same site ("variants") for the incremental runs.

Nothing here could be recorded (no network on the build machines), so every body is constructed;
`include/sources/folkehjelp-chapters/snapshots/SNAPSHOT.md` says exactly what is real:
* real: the robots.txt text (research 002 A.2, verified 2026-04-23), the URL shapes (the
  sitemap index `/sitemaps-1-sitemap.xml`, SEOmatic's `sitemaps-1-section-<handle>-1-sitemap.xml`
  sub-sitemaps with the section names research 002 lists, `/lokallag`, `/lokallag/<slug>` with
  the site's ø → oe / å → aa slugs), the page structure of the Aktivitetsområder section
  (research 002 appendix B), the six activity areas, and every kommune and fylke name;
* constructed: which chapters exist, their activity areas, lastmod dates, page text. Regional
  chapters (rogaland, nordland, innlandet) are there to exercise inferred coverage.

States (replay answers by request, so each is its own index over the same body store):
* `index.json` — run 1: 62 chapter URLs (+ 2 URLs the pattern must ignore);
* `variants/run2-lastmod-moved` — six lastmods moved: three pages changed (moss, bodoe, larvik),
  one moved with identical content (skien: only its CSRF token differs), one lost its
  Aktivitetsområder heading (hamar: template change), one answers 503 (drammen);
* `variants/run3-55-urls` — seven chapters left the sitemap and the index page; hamar has its
  heading again and drammen answers (changed);
* `variants/run4-40-urls` — a broken sitemap with 40 URLs: below min_discovered_urls (50).

Run: .venv/bin/python scripts/snapshots/folkehjelp_construct.py
"""

from __future__ import annotations

import hashlib
import json
import shutil
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "include" / "sources" / "folkehjelp-chapters" / "snapshots"
SITE = "https://folkehjelp.no"
OSLO = ZoneInfo("Europe/Oslo")

ROBOTS = """User-agent: *
Disallow: /cpresources/
Disallow: /vendor/
Disallow: /.env
Disallow: /cache/
Disallow: /fagbevegelsen/1-mai
Disallow: /*?token*

User-agent: MJ12bot
Crawl-Delay: 15

User-agent: AhrefsBot
Crawl-Delay: 10

Sitemap: https://folkehjelp.no/sitemaps-1-sitemap.xml
Sitemap: https://www.npaid.org/sitemaps-1-sitemap.xml
"""

SECTIONS = ["pages", "news", "localBranch", "localBranches", "localBranchSites", "localBranchEvents", "minisites",
            "countries", "vacancies", "donate", "mainNavigation"]

BINS = ["Førstehjelp og redningstjeneste", "Sanitetsungdom", "Samfunnsarbeid", "Flyktning og inkludering",
        "Internasjonale spørsmål", "Solidaritetsungdom"]
BIN_TEXT = {
    "Førstehjelp og redningstjeneste": "Som frivillig innen førstehjelp og redningstjeneste er du med på leteaksjoner, "
                                       "førstehjelpsvakter og beredskap der du bor.",
    "Sanitetsungdom": "Sanitetsungdomsgruppene er for deg mellom 13 og 18 år som vil lære førstehjelp og friluftsliv.",
    "Samfunnsarbeid": "Vi driver møteplasser og aktiviteter som gjør lokalsamfunnet varmere og mer inkluderende.",
    "Flyktning og inkludering": "Språkkafé, leksehjelp og aktiviteter sammen med nye landsmenn.",
    "Internasjonale spørsmål": "Vi informerer om og engasjerer oss i Norsk Folkehjelps internasjonale arbeid.",
    "Solidaritetsungdom": "Ungdom som engasjerer seg politisk for rettferdighet, i Norge og internasjonalt.",
}

# (slug, display name, index heading, activity areas). The order is the sitemap's.
CHAPTERS: list[tuple[str, str, str, list[str]]] = [
    ("sentralt", "Norsk Folkehjelp sentralt", "Landsdekkende", [BINS[4], BINS[5]]),
    ("oslo", "Norsk Folkehjelp Oslo", "Oslo", BINS[:5]),
    ("studentgruppe-blindern", "Norsk Folkehjelp Studentgruppe Blindern", "Oslo", [BINS[2], BINS[4]]),
    ("asker-og-baerum", "Norsk Folkehjelp Asker og Bærum", "Akershus", list(BINS)),
    ("loerenskog", "Norsk Folkehjelp Lørenskog", "Akershus", [BINS[0], BINS[1]]),
    ("lillestroem", "Norsk Folkehjelp Lillestrøm", "Akershus", [BINS[0], BINS[3]]),
    ("ski", "Norsk Folkehjelp Ski", "Akershus", [BINS[0]]),
    ("ullensaker", "Norsk Folkehjelp Ullensaker", "Akershus", [BINS[0], BINS[2]]),
    ("fredrikstad", "Norsk Folkehjelp Fredrikstad", "Østfold", [BINS[0], BINS[1], BINS[3]]),
    ("sarpsborg", "Norsk Folkehjelp Sarpsborg", "Østfold", [BINS[0], BINS[3]]),
    ("halden", "Norsk Folkehjelp Halden", "Østfold", [BINS[0]]),
    ("moss", "Norsk Folkehjelp Moss", "Østfold", [BINS[0], BINS[1]]),
    ("drammen", "Norsk Folkehjelp Drammen", "Buskerud", [BINS[0], BINS[3]]),
    ("kongsberg", "Norsk Folkehjelp Kongsberg", "Buskerud", [BINS[0]]),
    ("larvik", "Norsk Folkehjelp Larvik", "Vestfold", [BINS[0], BINS[1], BINS[2]]),
    ("sandefjord", "Norsk Folkehjelp Sandefjord", "Vestfold", [BINS[0], BINS[3]]),
    ("toensberg", "Norsk Folkehjelp Tønsberg", "Vestfold", [BINS[0], BINS[1]]),
    ("skien", "Norsk Folkehjelp Skien", "Telemark", [BINS[0], BINS[3]]),
    ("porsgrunn", "Norsk Folkehjelp Porsgrunn", "Telemark", [BINS[0]]),
    ("kristiansand", "Norsk Folkehjelp Kristiansand", "Agder", [BINS[0], BINS[1], BINS[3], BINS[4]]),
    ("arendal", "Norsk Folkehjelp Arendal", "Agder", [BINS[0], BINS[3]]),
    ("grimstad", "Norsk Folkehjelp Grimstad", "Agder", [BINS[0]]),
    ("rogaland", "Norsk Folkehjelp Rogaland", "Rogaland", [BINS[0], BINS[4]]),
    ("stavanger", "Norsk Folkehjelp Stavanger", "Rogaland", [BINS[0], BINS[1], BINS[3], BINS[5]]),
    ("sandnes", "Norsk Folkehjelp Sandnes", "Rogaland", [BINS[0], BINS[1]]),
    ("haugesund", "Norsk Folkehjelp Haugesund", "Rogaland", [BINS[0], "Minerydding"]),
    ("karmoey", "Norsk Folkehjelp Karmøy", "Rogaland", [BINS[0]]),
    ("bergen", "Norsk Folkehjelp Bergen", "Vestland", BINS[:5]),
    ("solidaritetsungdom-bergen", "Norsk Folkehjelp Solidaritetsungdom Bergen", "Vestland", [BINS[5], BINS[4]]),
    ("sanitet-haukeland", "Norsk Folkehjelp Sanitet Haukeland", "Vestland", [BINS[0]]),
    ("voss", "Norsk Folkehjelp Voss", "Vestland", [BINS[0], BINS[1]]),
    ("stord", "Norsk Folkehjelp Stord", "Vestland", [BINS[0]]),
    ("foerde", "Norsk Folkehjelp Førde", "Vestland", [BINS[0], BINS[3]]),
    ("sogndal", "Norsk Folkehjelp Sogndal", "Vestland", [BINS[0]]),
    ("aalesund-og-omegn", "Norsk Folkehjelp Ålesund og omegn", "Møre og Romsdal", [BINS[0], BINS[1], BINS[3]]),
    ("molde", "Norsk Folkehjelp Molde", "Møre og Romsdal", [BINS[0]]),
    ("kristiansund", "Norsk Folkehjelp Kristiansund", "Møre og Romsdal", [BINS[0], BINS[2]]),
    ("heroey", "Norsk Folkehjelp Herøy", "Møre og Romsdal", [BINS[0]]),
    ("trondheim", "Norsk Folkehjelp Trondheim", "Trøndelag", BINS[:4] + [BINS[5]]),
    ("steinkjer", "Norsk Folkehjelp Steinkjer", "Trøndelag", [BINS[0]]),
    ("levanger", "Norsk Folkehjelp Levanger", "Trøndelag", [BINS[0], BINS[1]]),
    ("stjoerdal", "Norsk Folkehjelp Stjørdal", "Trøndelag", [BINS[0]]),
    ("roeros", "Norsk Folkehjelp Røros", "Trøndelag", [BINS[0], BINS[2]]),
    ("nordland", "Norsk Folkehjelp Nordland", "Nordland", [BINS[0]]),
    ("bodoe", "Norsk Folkehjelp Bodø", "Nordland", [BINS[0]]),
    ("narvik", "Norsk Folkehjelp Narvik", "Nordland", [BINS[0], BINS[3]]),
    ("rana", "Norsk Folkehjelp Rana", "Nordland", [BINS[0], BINS[1]]),
    ("vefsn", "Norsk Folkehjelp Vefsn", "Nordland", [BINS[0]]),
    ("innlandet", "Norsk Folkehjelp Innlandet", "Innlandet", [BINS[0], BINS[2]]),
    ("hamar", "Norsk Folkehjelp Hamar", "Innlandet", [BINS[0], BINS[1], BINS[3]]),
    ("lillehammer", "Norsk Folkehjelp Lillehammer", "Innlandet", [BINS[0], BINS[1]]),
    ("gjoevik", "Norsk Folkehjelp Gjøvik", "Innlandet", [BINS[0], BINS[3]]),
    ("elverum", "Norsk Folkehjelp Elverum", "Innlandet", [BINS[0]]),
    ("gran", "Norsk Folkehjelp Gran", "Innlandet", [BINS[0]]),
    ("tromsoe", "Norsk Folkehjelp Tromsø", "Troms", [BINS[0], BINS[1], BINS[3], BINS[4]]),
    ("harstad", "Norsk Folkehjelp Harstad", "Troms", [BINS[0]]),
    ("senja", "Norsk Folkehjelp Senja", "Troms", [BINS[0]]),
    ("alta", "Norsk Folkehjelp Alta", "Finnmark", []),
    ("hammerfest", "Norsk Folkehjelp Hammerfest", "Finnmark", [BINS[0]]),
    ("soer-varanger", "Norsk Folkehjelp Sør-Varanger", "Finnmark", [BINS[0], BINS[3]]),
    ("vadsoe", "Norsk Folkehjelp Vadsø", "Finnmark", [BINS[0]]),
    ("svalbard", "Norsk Folkehjelp Svalbard", "Svalbard", [BINS[0]]),
]
NFD_PAGE = "tromsoe"  # served NFD-encoded: the parser must normalise it to the same record as NFC
IGNORED_URLS = [f"{SITE}/lokallag", "https://www.folkehjelp.no/lokallag/oslo"]

RUN2 = "run2-lastmod-moved"
RUN3 = "run3-55-urls"
RUN4 = "run4-40-urls"
RUN2_CHANGES = {
    "moss": [BINS[0], BINS[1], BINS[3]],          # adds Flyktning og inkludering
    "bodoe": [BINS[0], BINS[1], BINS[2]],         # adds two
    "larvik": [BINS[0], BINS[2]],                 # drops Sanitetsungdom
}
RUN2_SAME_CONTENT = "skien"
RUN2_HEADING_MISSING = "hamar"
RUN2_FAILING = "drammen"
RUN3_DROPPED = ["sanitet-haukeland", "svalbard", "senja", "vadsoe", "ski", "gran", "stord"]
RUN3_CHANGES = {"drammen": [BINS[0], BINS[2], BINS[3]]}


def lastmod(slug: str, run: int = 1) -> datetime:
    n = int(hashlib.sha256(slug.encode()).hexdigest()[:8], 16)
    if run == 1:
        day = datetime(2025, 1, 6, 8, tzinfo=OSLO) + timedelta(days=n % 640, minutes=n % 600)
    else:
        day = datetime(2026, 11, 10 + run, 9, tzinfo=OSLO) + timedelta(minutes=n % 300)
    return day


def w3c(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def csrf(slug: str, run: int) -> str:
    return hashlib.sha256(f"{slug}:{run}".encode()).hexdigest()[:32]


def chapter_page(slug: str, name: str, bins: list[str], *, run: int = 1, heading: bool = True) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nb">',
        "<!-- Atlas replay snapshot: CONSTRUCTED in folkehjelp.no's page shape; not the real page -->",
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{name} | Norsk Folkehjelp</title>",
        f'<meta name="csrf-token" content="{csrf(slug, run)}">',
        "</head>",
        "<body>",
        '<header><nav><a href="/">Forside</a> <a href="/lokallag">Lokallag</a> '
        '<a href="/bli-frivillig">Bli frivillig</a></nav></header>',
        "<main>",
        "<article>",
        f"<h1>{name}</h1>",
        f"<p>{name} er ett av Norsk Folkehjelps lokallag. Her finner du hva lokallaget driver med.</p>",
        "<h2>Om lokallaget</h2>",
        "<p>Lokallaget drives av frivillige. Alle kan bli med.</p>",
    ]
    if heading:
        parts.append("<h3>Aktivitetsområder</h3>")
        for label in bins:
            parts.append(f"<h4>{label}</h4>")
            parts.append(f"<p>{BIN_TEXT.get(label, 'Lokallaget driver også med dette.')}</p>")
    else:  # the template change of run 2: another heading, and the bins as h3
        parts.append("<h2>Dette gjør vi</h2>")
        for label in bins:
            parts.append(f"<h3>{label}</h3>")
            parts.append(f"<p>{BIN_TEXT.get(label, '')}</p>")
    parts += [
        "<h2>Kontakt</h2>",
        '<p>Ta kontakt med lokallaget gjennom <a href="/kontakt">kontaktskjemaet</a>.</p>',
        "</article>",
        "</main>",
        "<footer><p>Norsk Folkehjelp</p></footer>",
        "</body>",
        "</html>",
        "",
    ]
    html = "\n".join(parts)
    return unicodedata.normalize("NFD", html) if slug == NFD_PAGE else html


def index_page(chapters: list[tuple[str, str, str, list[str]]]) -> str:
    groups: dict[str, list[tuple[str, str]]] = {}
    for slug, name, group, _ in chapters:
        groups.setdefault(group, []).append((slug, name))
    parts = ["<!DOCTYPE html>", '<html lang="nb">',
             "<!-- Atlas replay snapshot: CONSTRUCTED in folkehjelp.no's page shape; not the real page -->",
             "<head>", '<meta charset="utf-8">', "<title>Lokallag | Norsk Folkehjelp</title>", "</head>", "<body>",
             '<header><nav><a href="/">Forside</a> <a href="/lokallag">Lokallag</a></nav></header>', "<main>",
             "<h1>Lokallag</h1>", "<p>Norsk Folkehjelp har lokallag over hele landet. Finn ditt lokallag.</p>"]
    for group in sorted(groups, key=lambda g: (g == "Landsdekkende", g == "Svalbard", g)):
        parts.append(f"<h2>{group}</h2>")
        parts.append("<ul>")
        parts += [f'<li><a href="/lokallag/{slug}">{name}</a></li>' for slug, name in groups[group]]
        parts.append("</ul>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def sitemap_index() -> str:
    items = "".join(f"<sitemap><loc>{SITE}/sitemaps-1-section-{s}-1-sitemap.xml</loc>"
                    f"<lastmod>{w3c(datetime(2026, 11, 1, 3, tzinfo=OSLO))}</lastmod></sitemap>" for s in SECTIONS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>\n')


def urlset(entries: list[tuple[str, datetime]]) -> str:
    items = "".join(f"<url><loc>{loc}</loc><lastmod>{w3c(mod)}</lastmod><changefreq>weekly</changefreq>"
                    f"<priority>0.5</priority></url>" for loc, mod in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:xhtml="http://www.w3.org/1999/xhtml">{items}</urlset>\n')


HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"


def entry(url: str, file: str, content_type: str, status: int = 200) -> dict:
    return {"request": {"method": "GET", "url": url, "params": []}, "file": file, "status": status,
            "headers": {"content-type": content_type}}


def write(rel: str, text: str) -> str:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return rel


def write_index(entries: list[dict], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    entries = sorted(entries, key=lambda e: e["request"]["url"])
    (folder / "index.json").write_text(json.dumps({"version": 1, "entries": entries}, indent=1, ensure_ascii=False,
                                                  sort_keys=True) + "\n", encoding="utf-8")


def common(sitemap_file: str, index_file: str) -> list[dict]:
    out = [entry(f"{SITE}/robots.txt", "robots.txt", "text/plain; charset=utf-8"),
           entry(f"{SITE}/sitemaps-1-sitemap.xml", "sitemaps-1-sitemap.xml", XML),
           entry(f"{SITE}/sitemaps-1-section-localBranch-1-sitemap.xml", sitemap_file, XML),
           entry(f"{SITE}/lokallag", index_file, HTML)]
    return out


def main() -> None:
    if OUT.exists():
        keep = OUT / "SNAPSHOT.md"
        saved = keep.read_text(encoding="utf-8") if keep.exists() else None
        shutil.rmtree(OUT)
        OUT.mkdir(parents=True)
        if saved is not None:
            keep.write_text(saved, encoding="utf-8")
    write("robots.txt", ROBOTS)
    write("sitemaps-1-sitemap.xml", sitemap_index())

    # ---- run 1
    run1_lastmod = {slug: lastmod(slug) for slug, *_ in CHAPTERS}
    locs = [(f"{SITE}/lokallag/{slug}", run1_lastmod[slug]) for slug, *_ in CHAPTERS]
    locs.insert(10, (IGNORED_URLS[0], datetime(2026, 10, 1, 12, tzinfo=OSLO)))
    locs.append((IGNORED_URLS[1], datetime(2019, 5, 2, 12, tzinfo=OSLO)))
    write("sitemaps-1-section-localBranch-1-sitemap.xml", urlset(locs))
    write("lokallag.html", index_page(CHAPTERS))
    pages = {slug: write(f"lokallag/{slug}.html", chapter_page(slug, name, bins)) for slug, name, _, bins in CHAPTERS}
    run1 = common("sitemaps-1-section-localBranch-1-sitemap.xml", "lokallag.html")
    run1 += [entry(f"{SITE}/lokallag/{slug}", pages[slug], HTML) for slug, *_ in CHAPTERS]
    write_index(run1, OUT)

    # ---- run 2: six lastmods moved
    v2 = f"variants/{RUN2}"
    moved = [*RUN2_CHANGES, RUN2_SAME_CONTENT, RUN2_HEADING_MISSING, RUN2_FAILING]
    run2_lastmod = {**run1_lastmod, **{slug: lastmod(slug, 2) for slug in moved}}
    write(f"{v2}/sitemaps-1-section-localBranch-1-sitemap.xml",
          urlset([(f"{SITE}/lokallag/{slug}", run2_lastmod[slug]) for slug, *_ in CHAPTERS] + [
              (IGNORED_URLS[0], datetime(2026, 10, 1, 12, tzinfo=OSLO))]))
    pages2 = dict(pages)
    by_slug = {slug: (name, group, bins) for slug, name, group, bins in CHAPTERS}
    for slug, bins in RUN2_CHANGES.items():
        pages2[slug] = write(f"{v2}/lokallag/{slug}.html", chapter_page(slug, by_slug[slug][0], bins, run=2))
    pages2[RUN2_SAME_CONTENT] = write(f"{v2}/lokallag/{RUN2_SAME_CONTENT}.html",
                                      chapter_page(RUN2_SAME_CONTENT, by_slug[RUN2_SAME_CONTENT][0],
                                                   by_slug[RUN2_SAME_CONTENT][2], run=2))
    pages2[RUN2_HEADING_MISSING] = write(f"{v2}/lokallag/{RUN2_HEADING_MISSING}.html",
                                         chapter_page(RUN2_HEADING_MISSING, by_slug[RUN2_HEADING_MISSING][0],
                                                      by_slug[RUN2_HEADING_MISSING][2], run=2, heading=False))
    pages2[RUN2_FAILING] = write(f"{v2}/lokallag/{RUN2_FAILING}.503.html",
                                 "<html><body><h1>503 Service Unavailable</h1></body></html>\n")
    run2 = common(f"{v2}/sitemaps-1-section-localBranch-1-sitemap.xml", "lokallag.html")
    run2 += [entry(f"{SITE}/lokallag/{slug}", pages2[slug], HTML, 503 if slug == RUN2_FAILING else 200)
             for slug, *_ in CHAPTERS]
    write_index(run2, OUT / v2)

    # ---- run 3: seven chapters left; hamar has its heading again, drammen answers
    v3 = f"variants/{RUN3}"
    kept = [c for c in CHAPTERS if c[0] not in RUN3_DROPPED]
    assert len(kept) == 55, len(kept)
    write(f"{v3}/sitemaps-1-section-localBranch-1-sitemap.xml",
          urlset([(f"{SITE}/lokallag/{slug}", run2_lastmod[slug]) for slug, *_ in kept]))
    write(f"{v3}/lokallag.html", index_page(kept))
    pages3 = {**pages2, RUN2_HEADING_MISSING: pages[RUN2_HEADING_MISSING]}
    for slug, bins in RUN3_CHANGES.items():
        pages3[slug] = write(f"{v3}/lokallag/{slug}.html", chapter_page(slug, by_slug[slug][0], bins, run=3))
    run3 = common(f"{v3}/sitemaps-1-section-localBranch-1-sitemap.xml", f"{v3}/lokallag.html")
    run3 += [entry(f"{SITE}/lokallag/{slug}", pages3[slug], HTML) for slug, *_ in kept]
    write_index(run3, OUT / v3)

    # ---- run 4: a broken sitemap (40 URLs)
    v4 = f"variants/{RUN4}"
    few = kept[:40]
    write(f"{v4}/sitemaps-1-section-localBranch-1-sitemap.xml",
          urlset([(f"{SITE}/lokallag/{slug}", run2_lastmod[slug]) for slug, *_ in few]))
    run4 = common(f"{v4}/sitemaps-1-section-localBranch-1-sitemap.xml", f"{v3}/lokallag.html")
    run4 += [entry(f"{SITE}/lokallag/{slug}", pages3[slug], HTML) for slug, *_ in kept]
    write_index(run4, OUT / v4)
    print(f"wrote {OUT}: run 1 {len(CHAPTERS)} chapters; variants {RUN2}, {RUN3} ({len(kept)}), {RUN4} ({len(few)})")


if __name__ == "__main__":
    main()
