"""folkehjelp-chapters' parse step: the run's bodies → the five staged tables the merge writes.

Bodies (roles from `families/ngo_scrape/sitemap_scrape.py`): `sitemap_index`, `sitemap` (the
localBranch url set: the URLs this run discovered, with lastmod), `index` (/lokallag: the fylke
heading each chapter is listed under; may have failed) and `page` (each chapter page fetched this
run; a failed one has an empty body, its status and the error).

The pure core is `build()`: everything it needs is passed in (bodies, what the warehouse held,
the Brreg entities, the gazetteer, the overrides), so the tests drive it without a database.
`parse()` reads those inputs from the warehouse and the landing store and writes the CSVs.

What each staged table holds:
* raw.sitemap_log — every discovered URL with its lastmod; `processed_lastmod` only for pages
  fetched and understood this run (the merge keeps the old value otherwise);
* raw.folkehjelp_chapters / _activities — the records of the pages fetched this run (the merge
  writes only new or changed ones; a `missing` section keeps the chapter's previous activities);
* raw.folkehjelp_chapter_placement — level, subtype and kommune(s) of every discovered slug;
* raw.folkehjelp_brreg_matches — every "Norsk Folkehjelp…" entity and its slug (or none).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from atlas_ingest.families.folkehjelp import identity, page, places
from atlas_ingest.families.folkehjelp.overrides import Overrides, load_overrides
from atlas_ingest.families.ngo.text import slugify
from atlas_ingest.families.ngo_scrape import sitemap_scrape
from atlas_ingest.families.ngo_scrape.sitemap_log import SITEMAP_LOG_LOAD
from atlas_ingest.formats.sitemap import SitemapEntry
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CsvTable
from atlas_ingest.warehouse import TableLoad

log = logging.getLogger("atlas_ingest.folkehjelp")

CHAPTER_COLUMNS = ("source_id", "slug", "display_name", "fylke_group_name", "brreg_orgnr", "url", "record_hash",
                   "html_raw_hash", "is_active", "activities_section", "page_lastmod")
ACTIVITY_COLUMNS = ("source_id", "slug", "activity_label", "activity_slug", "display_order", "is_known_bin")
PLACEMENT_COLUMNS = ("source_id", "slug", "fylke_group_name", "chapter_level", "chapter_subtype", "kommune_scope",
                     "kommune_nrs", "kommune_source", "resolution", "resolution_note", "fylke_nr")
MATCH_COLUMNS = ("source_id", "orgnr", "navn", "name_key", "slug", "method", "distance", "note",
                 "forretningsadresse_kommunenummer")
# The merge (load.py) writes these; slice columns are unused there.
CHAPTERS_LOAD = TableLoad("raw.folkehjelp_chapters", CHAPTER_COLUMNS, None)
ACTIVITIES_LOAD = TableLoad("raw.folkehjelp_chapter_activities", ACTIVITY_COLUMNS, None)
PLACEMENT_LOAD = TableLoad("raw.folkehjelp_chapter_placement", PLACEMENT_COLUMNS, None)
MATCHES_LOAD = TableLoad("raw.folkehjelp_brreg_matches", MATCH_COLUMNS, None)
LOADS = (SITEMAP_LOG_LOAD, CHAPTERS_LOAD, ACTIVITIES_LOAD, PLACEMENT_LOAD, MATCHES_LOAD)
MERGE = "atlas_ingest.families.folkehjelp.load:merge"


class FolkehjelpParseError(ValueError):
    pass


class KommuneReferenceMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class PageBody:
    url: str
    lastmod: datetime | None
    status: int
    body: bytes
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300 and bool(self.body)


@dataclass
class Built:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    records: int = 0


def build(*, source_id: str, entries: list[SitemapEntry], pages: Iterable[PageBody], index_html: bytes | None,
          index_url: str | None, index_error: str | None, url_pattern: str, stored_groups: Mapping[str, str | None],
          brreg: Iterable[identity.BrregEntity], gazetteer, overrides: Overrides, index_heading: str = "h2",
          max_fuzzy_distance: int = identity.MAX_DISTANCE) -> Built:
    """Pure: the run's inputs → rows for every staged table, warnings and the run's counts."""
    out = Built(rows={t.table: [] for t in LOADS})
    warnings = out.warnings
    slugs = {page.slug_of(e.loc): e for e in entries}

    # the index page: each chapter's fylke grouping (degrade when it failed)
    groups: dict[str, str | None] = {}
    index_ok = False
    if index_url is None:
        pass
    elif index_error or not index_html:
        warnings.append(f"the index page {index_url} failed ({index_error or 'empty body'}): chapters still load; "
                        "fylke grouping falls back to what was stored before and coverage to the override file")
    else:
        try:
            parsed_index = page.parse_index(index_html, index_url, url_pattern, index_heading)
            groups = dict(parsed_index.groups)
            index_ok = True
        except page.PageError as exc:
            warnings.append(f"{exc} (template change?): chapters still load; fylke grouping falls back to what was "
                            "stored before and coverage to the override file")
    not_listed = sorted(s for s in slugs if index_ok and s not in groups)
    if not_listed:
        warnings.append(f"{len(not_listed)} chapter(s) in the sitemap are not on the index page: "
                        f"{', '.join(not_listed[:10])}")
    group_of = {s: (groups.get(s) if index_ok and s in groups else stored_groups.get(s)) for s in slugs}

    # Brreg identity, over every slug the source knows (this run's and the stored ones)
    matches, match_warnings = identity.match_entities(brreg, set(slugs) | set(stored_groups), overrides,
                                                      max_fuzzy_distance)
    warnings += match_warnings
    orgnr_of = identity.orgnr_by_slug(matches)
    for m in matches:
        out.rows["raw.folkehjelp_brreg_matches"].append({
            "source_id": source_id, "orgnr": m.orgnr, "navn": m.navn, "name_key": m.name_key, "slug": m.slug,
            "method": m.method, "distance": m.distance, "note": m.note,
            "forretningsadresse_kommunenummer": m.kommunenummer})

    # placement of every discovered slug
    placed = {s: places.place(s, gazetteer=gazetteer, overrides=overrides, fylke_group_name=group_of[s])
              for s in sorted(slugs)}
    for p in placed.values():
        out.rows["raw.folkehjelp_chapter_placement"].append({"source_id": source_id, **p.row()})
        if p.resolution == "unresolved":
            warnings.append(f"chapter {p.slug!r}: kommune not resolved ({p.resolution_note}); it loads without a "
                            "kommune: add it to overrides.json slug_to_kommune_nr")

    # the pages fetched this run
    processed: set[str] = set()
    failed, missing, unknown = [], [], Counter()
    parsed_count = 0
    for body in pages:
        slug = page.slug_of(body.url)
        if not body.ok:
            failed.append(body.url)
            warnings.append(f"page {body.url} failed ({body.error or f'HTTP {body.status}'}): the chapter keeps what "
                            "it had and the page is fetched again next run")
            continue
        parsed = page.parse(body.body, body.url)
        parsed_count += 1
        warnings += list(parsed.warnings)
        rec = parsed.record
        unknown.update(parsed.unknown_labels)
        if rec.activities_section == page.SECTION_MISSING:
            missing.append(slug)
        else:
            processed.add(body.url)
            for order, label in enumerate(rec.activities, 1):
                out.rows["raw.folkehjelp_chapter_activities"].append({
                    "source_id": source_id, "slug": slug, "activity_label": label, "activity_slug": slugify(label),
                    "display_order": order,
                    "is_known_bin": label in page.KNOWN_BINS})
        entry = slugs.get(slug)
        out.rows["raw.folkehjelp_chapters"].append({
            "source_id": source_id, "slug": slug, "display_name": rec.display_name,
            "fylke_group_name": group_of.get(slug),
            "brreg_orgnr": orgnr_of.get(slug), "url": rec.url, "record_hash": rec.record_hash,
            "html_raw_hash": hashlib.sha256(body.body).hexdigest(), "is_active": True,
            "activities_section": rec.activities_section, "page_lastmod": _iso(entry.lastmod if entry else None)})

    for e in entries:
        out.rows["raw.sitemap_log"].append({
            "source_id": source_id, "url": e.loc, "lastmod": _iso(e.lastmod),
            "processed_lastmod": _iso(e.lastmod) if e.loc in processed else None})

    out.records = len(entries)
    levels = Counter(p.chapter_level for p in placed.values())
    out.details = {
        "discovered": len(entries), "fetched": parsed_count, "fetch_failed": len(failed),
        "parsed": parsed_count, "heading_missing": len(missing), "unknown_labels": dict(unknown),
        "index_page_ok": index_ok, "not_on_index_page": len(not_listed),
        "placement": {"levels": dict(levels), "resolutions": dict(Counter(p.resolution for p in placed.values()))},
        "brreg_matches": dict(Counter(m.method for m in matches)),
        "warning_count": len(warnings),
    }
    return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ------------------------------------------------------------------------------------ warehouse inputs
def gazetteer(source_id: str, where: str):
    from atlas_ingest.geo import Gazetteer

    if where == "snapshots":
        return Gazetteer.from_snapshots()
    from atlas_ingest import warehouse

    with warehouse.connect() as conn:
        try:
            return Gazetteer.from_warehouse(conn)
        except LookupError as exc:
            raise KommuneReferenceMissing(
                f"{source_id}: placing chapters needs Klass 131 in the warehouse ({exc}). Run the `ssb` DAG "
                "(ssb-klass-kommuner, ssb-klass-fylker) first, or set parse.options.gazetteer: snapshots.") from None


def stored_inputs(source_id: str, brreg_source_id: str, prefix: str) -> tuple[dict[str, str | None],
                                                                              list[identity.BrregEntity]]:
    """(slug → stored fylke_group_name, the live "<prefix>…" entities of raw.brreg_enheter)."""
    from atlas_ingest import warehouse

    words = r"\s+".join(prefix.lower().split())
    with warehouse.connect() as conn:
        groups = dict(conn.execute("SELECT slug, fylke_group_name FROM raw.folkehjelp_chapters WHERE source_id = %s",
                                   (source_id,)).fetchall())
        brreg = [identity.BrregEntity(o, n, k) for o, n, k in conn.execute(
            "SELECT orgnr, navn, forretningsadresse_kommunenummer FROM raw.brreg_enheter "
            "WHERE source_id = %s AND slettedato IS NULL AND navn ~* %s ORDER BY orgnr",
            (brreg_source_id, f"^{words}(\\s|$)")).fetchall()]
        conn.commit()
    return groups, brreg


# ------------------------------------------------------------------------------------ the step
def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    fopts = m.fetch_options()
    popts = m.parse_options()
    bodies = {id(f): ctx.landing.get(f.key) for f in fetched}
    sitemaps = [(f.url, bodies[id(f)]) for f in fetched if f.role == sitemap_scrape.ROLE_SITEMAP]
    if not sitemaps:
        raise FolkehjelpParseError(f"{m.id}: no sub-sitemap body among the fetched bodies: nothing tells which "
                                   "chapters exist (discover stores them)")
    entries, _ignored = sitemap_scrape.discovered_pages(sitemaps, fopts.url_pattern)
    index = next((f for f in fetched if f.role == sitemap_scrape.ROLE_INDEX), None)
    pages = [PageBody(f.url, _lastmod(f.meta.get("lastmod")), f.status, bodies[id(f)], f.meta.get("error"))
             for f in fetched if f.role == sitemap_scrape.ROLE_PAGE]
    stored_groups, brreg = stored_inputs(m.id, popts.brreg_source_id, popts.brreg_name_prefix)
    if not brreg:
        log.warning("%s: raw.brreg_enheter has no live %r entity of source %s: chapters load without orgnr "
                    "(run the brreg DAG first)", m.id, popts.brreg_name_prefix, popts.brreg_source_id)
    built = build(
        source_id=m.id, entries=entries, pages=pages,
        index_html=bodies[id(index)] if index else None,
        index_url=index.url if index else None,
        index_error=(index.meta.get("error") or (None if 200 <= index.status < 300 else f"HTTP {index.status}"))
        if index else None,
        url_pattern=fopts.url_pattern, stored_groups=stored_groups, brreg=brreg,
        gazetteer=gazetteer(m.id, popts.gazetteer), overrides=load_overrides(m.folder / popts.overrides),
        index_heading=popts.index_group_heading, max_fuzzy_distance=popts.max_fuzzy_distance)
    tables = []
    for spec in LOADS:
        csv = CsvTable(spec)
        for row in built.rows[spec.table]:
            csv.write(row)
        tables.append(ParsedTable(spec.table, spec.columns, spec.slice_column, ctx.landing.put(csv.getvalue()),
                                  csv.rows))
    log.info("%s: %s", m.id, built.details)
    return ParseResult(tables=tables, quarantine=[], records=built.records, warnings=built.warnings,
                       details=built.details, merge=MERGE)


def _lastmod(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
