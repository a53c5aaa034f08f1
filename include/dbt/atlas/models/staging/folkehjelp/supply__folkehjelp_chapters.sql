-- Norsk Folkehjelp's web chapters (folkehjelp-chapters), one row per slug ever seen, in the
-- chapter vocabulary: the page's record, its placement (level, subtype, kommune scope — computed
-- at ingest from the slug with resolve_kommune, overrides.json winning) and its Brreg orgnr.
-- `is_active` is false for a chapter that left the sitemap (history is kept, never deleted).
-- `kommune_nr` is set for a chapter in exactly one kommune; `kommune_nrs` lists all of them (a
-- multi-kommune chapter such as asker-og-baerum has two and no single kommune_nr).
with chapters as (
    select * from {{ source('raw_scrape', 'folkehjelp_chapters') }}
    where source_id = 'folkehjelp-chapters'
),
placement as (
    select * from {{ source('raw_scrape', 'folkehjelp_chapter_placement') }}
    where source_id = 'folkehjelp-chapters'
)
select
    'folkehjelp-' || c.slug                                      as chapter_id,
    c.slug,
    c.display_name,
    c.fylke_group_name,
    c.brreg_orgnr                                                as chapter_orgnr,
    c.url                                                        as source_url,
    c.is_active,
    c.activities_section,
    coalesce(p.chapter_level, 'local')                           as chapter_level,
    coalesce(p.chapter_subtype, 'lokallag')                      as chapter_subtype,
    coalesce(p.kommune_scope, 'none')                            as kommune_scope,
    coalesce(p.kommune_nrs, '{}'::text[])                        as kommune_nrs,
    case when p.kommune_scope = 'kommune' then p.kommune_nrs[1] end as kommune_nr,
    p.kommune_source,
    coalesce(p.resolution, 'unresolved')                         as kommune_resolution,
    p.resolution_note,
    p.fylke_nr                                                   as regional_fylke_nr,
    c.record_hash,
    c.page_lastmod,
    c.first_loaded_at,
    c.source_id,
    c.loaded_at
from chapters c
left join placement p using (slug)
