-- Which kommuner each chapter serves: one row per chapter x kommune. The contract between the
-- NGO ingests (issue 5 owns this model) and the supply rollup (fact_kommune_supply, issue 7):
-- columns (chapter_id, ngo_slug, kommune_nr, source), source in
--   direct    the chapter's own kommune(s): Red Cross local chapters' dim_chapter.kommune_nr;
--             Norsk Folkehjelp's from the slug (asker-og-baerum -> Asker and Bærum) or, for a
--             Brreg-only entity, its registered address
--   inferred  a regional chapter's kommuner, from its child lokallag (Norsk Folkehjelp: the
--             active lokallag the /lokallag index lists under the same fylke heading)
--   override  a reviewed manual assignment (folkehjelp-chapters' overrides.json)
-- plus chapter_level and is_active from dim_chapter: supply for a kommune counts local, active
-- chapters only (research 003, Q44/Q48); the regional rows say where a region's chapters are.
-- One block per NGO, UNION ALL. Documented and tested in _chapter_kommune_coverage.yml.
with redcross as (
    select chapter_id, ngo_slug, kommune_nr, 'direct' as source
    from {{ ref('dim_chapter') }}
    where ngo_slug = 'redcross'
      and chapter_level = 'local'
      and kommune_nr is not null
),
folkehjelp as (
    select chapter_id, 'folkehjelp' as ngo_slug, kommune_nr, source
    from {{ ref('supply__folkehjelp_chapter_kommune_coverage') }}
),
coverage as (
    select * from redcross
    union all
    select * from folkehjelp
)
select
    cov.chapter_id,
    cov.ngo_slug,
    cov.kommune_nr,
    cov.source,
    ch.chapter_level,
    ch.is_active
from coverage cov
join {{ ref('dim_chapter') }} ch using (chapter_id)
