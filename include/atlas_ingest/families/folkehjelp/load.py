"""folkehjelp-chapters' merge: how the staged tables reach raw, inside load's one transaction.

Called by `pipeline.load` (ParseResult.merge) after every staged table passed its GX gate, under
the source's advisory lock; nothing here commits, so a failure anywhere leaves raw as it was.

1. the floor again: fewer staged sitemap URLs than `min_discovered_urls` raises before anything
   is touched (discover already refused; this guards a hand-run load);
2. raw.sitemap_log: new URLs inserted, seen ones refreshed (`processed_lastmod` advances only for
   pages loaded this run);
3. raw.folkehjelp_chapters: new chapters inserted; a chapter whose record_hash changed is updated
   and its activities deleted and re-inserted; an unchanged hash writes nothing; a page whose
   Aktivitetsområder heading is missing keeps the chapter's previous record and activities;
4. relink: fylke_group_name (from this run's index page) and brreg_orgnr (from this run's
   matching) are updated in place where they differ, activities untouched;
5. a chapter whose URL the sitemap no longer lists becomes is_active = false (never deleted);
   one listed again becomes active;
6. raw.folkehjelp_chapter_placement replaced per slug (a slug that left the sitemap keeps its
   row); raw.folkehjelp_brreg_matches replaced whole;
7. the counts go into raw.ingest_runs.details.
"""

from __future__ import annotations

import json
import logging

from psycopg import sql

from atlas_ingest.families.ngo_scrape import sitemap_log
from atlas_ingest.families.ngo_scrape.sitemap_scrape import TooFewUrls
from atlas_ingest.warehouse import LoadResult

log = logging.getLogger("atlas_ingest.folkehjelp")

CHAPTERS = "raw.folkehjelp_chapters"


def _q(name: str) -> sql.Composed:
    schema, table = name.split(".", 1)
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def merge(conn, stages, *, source_id: str, ingest_run_id: int) -> list[LoadResult]:
    from atlas_ingest.manifest import get_manifest

    stage = {spec.table: name for spec, name in stages}
    expected = {"raw.sitemap_log", CHAPTERS, "raw.folkehjelp_chapter_activities", "raw.folkehjelp_chapter_placement",
                "raw.folkehjelp_brreg_matches"}
    if set(stage) != expected:
        raise ValueError(f"{source_id}: the merge expects staged {sorted(expected)}, got {sorted(stage)}")
    floor = get_manifest(source_id).fetch_options().min_discovered_urls
    urls = sitemap_log.staged_urls(conn, stage["raw.sitemap_log"])
    if urls < floor:
        raise TooFewUrls(f"{source_id}: {urls} staged sitemap URL(s), fewer than min_discovered_urls {floor}: "
                         "nothing was written or marked inactive")
    p = {"source": source_id, "run": ingest_run_id}
    s_chapters, s_activities = _q(stage[CHAPTERS]), _q(stage["raw.folkehjelp_chapter_activities"])
    s_placement, s_matches = _q(stage["raw.folkehjelp_chapter_placement"]), _q(stage["raw.folkehjelp_brreg_matches"])

    log_new, log_seen = sitemap_log.upsert(conn, stage["raw.sitemap_log"], source_id, ingest_run_id)

    columns = ("display_name", "fylke_group_name", "brreg_orgnr", "url", "record_hash", "html_raw_hash",
               "activities_section", "page_lastmod")
    inserted = [r[0] for r in conn.execute(sql.SQL("""
        INSERT INTO raw.folkehjelp_chapters (source_id, slug, {cols}, is_active, ingest_run_id, loaded_at)
        SELECT %(source)s, s.slug, {s_cols}, true, %(run)s, now() FROM {stage} s
         WHERE NOT EXISTS (SELECT 1 FROM raw.folkehjelp_chapters c WHERE c.slug = s.slug)
        RETURNING slug""").format(
            cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
            s_cols=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in columns),
            stage=s_chapters), p).fetchall()]
    changed = [r[0] for r in conn.execute(sql.SQL("""
        UPDATE raw.folkehjelp_chapters c
           SET display_name = s.display_name, url = s.url, record_hash = s.record_hash,
               html_raw_hash = s.html_raw_hash, activities_section = s.activities_section,
               page_lastmod = s.page_lastmod, is_active = true, ingest_run_id = %(run)s, loaded_at = now()
          FROM {stage} s
         WHERE c.slug = s.slug AND c.source_id = %(source)s AND s.activities_section <> 'missing'
           AND c.record_hash IS DISTINCT FROM s.record_hash
        RETURNING c.slug""").format(stage=s_chapters), p).fetchall()]
    staged_pages = conn.execute(sql.SQL("SELECT count(*), count(*) FILTER (WHERE activities_section = 'missing') "
                                        "FROM {}").format(s_chapters)).fetchone()
    kept_missing = conn.execute(sql.SQL("""
        SELECT count(*) FROM {stage} s
         WHERE s.activities_section = 'missing' AND NOT (s.slug = ANY(%(new)s))""").format(stage=s_chapters),
        {"new": inserted}).fetchone()[0]

    rewritten = inserted + changed
    removed = conn.execute("DELETE FROM raw.folkehjelp_chapter_activities WHERE slug = ANY(%s)", (changed,)).rowcount
    added = conn.execute(sql.SQL("""
        INSERT INTO raw.folkehjelp_chapter_activities (slug, activity_label, activity_slug, display_order, is_known_bin,
                                                       source_id, ingest_run_id, loaded_at)
        SELECT a.slug, a.activity_label, a.activity_slug, a.display_order, a.is_known_bin, %(source)s, %(run)s, now()
          FROM {stage} a WHERE a.slug = ANY(%(slugs)s)""").format(stage=s_activities),
        {**p, "slugs": rewritten}).rowcount

    regrouped = conn.execute(sql.SQL("""
        UPDATE raw.folkehjelp_chapters c SET fylke_group_name = pl.fylke_group_name
          FROM {stage} pl
         WHERE c.slug = pl.slug AND pl.fylke_group_name IS NOT NULL
           AND c.fylke_group_name IS DISTINCT FROM pl.fylke_group_name""").format(stage=s_placement)).rowcount
    relinked = conn.execute(sql.SQL("""
        WITH wanted AS (
            SELECT c.slug, (SELECT min(m.orgnr) FROM {stage} m WHERE m.slug = c.slug) AS orgnr
              FROM raw.folkehjelp_chapters c WHERE c.source_id = %(source)s)
        UPDATE raw.folkehjelp_chapters c SET brreg_orgnr = w.orgnr
          FROM wanted w
         WHERE c.slug = w.slug AND c.brreg_orgnr IS DISTINCT FROM w.orgnr""").format(stage=s_matches), p).rowcount

    orphaned = sitemap_log.mark_orphans(conn, CHAPTERS, stage["raw.sitemap_log"], source_id)
    reactivated = sitemap_log.reactivate(conn, CHAPTERS, stage["raw.sitemap_log"], source_id)

    conn.execute(sql.SQL("DELETE FROM raw.folkehjelp_chapter_placement WHERE slug IN (SELECT slug FROM {})").format(
        s_placement))
    placed = conn.execute(sql.SQL("""
        INSERT INTO raw.folkehjelp_chapter_placement (source_id, slug, fylke_group_name, chapter_level,
               chapter_subtype, kommune_scope, kommune_nrs, kommune_source, resolution, resolution_note, fylke_nr,
               ingest_run_id, loaded_at)
        SELECT source_id, slug, fylke_group_name, chapter_level, chapter_subtype, kommune_scope, kommune_nrs,
               kommune_source, resolution, resolution_note, fylke_nr, %(run)s, now() FROM {}""").format(s_placement),
        p).rowcount
    old_matches = conn.execute("DELETE FROM raw.folkehjelp_brreg_matches WHERE source_id = %s", (source_id,)).rowcount
    matched = conn.execute(sql.SQL("""
        INSERT INTO raw.folkehjelp_brreg_matches (orgnr, source_id, navn, name_key, slug, method, distance, note,
               forretningsadresse_kommunenummer, ingest_run_id, loaded_at)
        SELECT orgnr, source_id, navn, name_key, slug, method, distance, note, forretningsadresse_kommunenummer,
               %(run)s, now() FROM {}""").format(s_matches), p).rowcount

    counts = {
        "discovered": urls, "sitemap_new_urls": log_new, "pages_staged": staged_pages[0],
        "chapters_inserted": len(inserted), "chapters_changed": len(changed),
        "chapters_unchanged": staged_pages[0] - len(inserted) - len(changed) - kept_missing,
        "chapters_kept_heading_missing": kept_missing, "activities_deleted": removed, "activities_inserted": added,
        "regrouped": regrouped, "relinked_orgnr": relinked, "orphaned": len(orphaned), "reactivated": len(reactivated),
        "orphaned_urls": orphaned[:50], "reactivated_urls": reactivated[:50],
    }
    conn.execute("UPDATE raw.ingest_runs SET details = details || %s::jsonb WHERE ingest_run_id = %s",
                 (json.dumps({"merge": counts}), ingest_run_id))
    log.info("%s: merged — %d new, %d changed, %d unchanged, %d kept (heading missing), %d orphaned, %d reactivated; "
             "activities -%d +%d; %d regrouped, %d orgnr relinked", source_id, len(inserted), len(changed),
             counts["chapters_unchanged"], kept_missing, len(orphaned), len(reactivated), removed, added, regrouped,
             relinked)
    if orphaned:
        log.warning("%s: %d chapter(s) left the sitemap and are now inactive (history kept): %s", source_id,
                    len(orphaned), ", ".join(orphaned[:20]))
    return [
        LoadResult("raw.sitemap_log", urls, 0, log_new + log_seen, ["upsert"]),
        LoadResult(CHAPTERS, staged_pages[0], 0, len(rewritten), ["upsert"]),
        LoadResult("raw.folkehjelp_chapter_activities", added, removed, added, ["children of changed chapters"]),
        LoadResult("raw.folkehjelp_chapter_placement", placed, placed, placed, ["per slug"]),
        LoadResult("raw.folkehjelp_brreg_matches", matched, old_matches, matched, ["*"]),
    ]
