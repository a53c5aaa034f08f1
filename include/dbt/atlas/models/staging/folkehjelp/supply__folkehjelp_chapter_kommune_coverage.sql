-- Which kommuner each Norsk Folkehjelp chapter covers (research 002 B.7), for chapter_kommune_coverage:
--   direct    a kommune its slug names (asker-og-baerum: Asker and Bærum), or a Brreg-only
--             entity's registered address
--   override  a kommune overrides.json assigns (solidaritetsungdom-bergen -> Bergen)
--   inferred  a regional chapter's kommuner: those of the active lokallag the /lokallag index
--             lists under the same fylke heading (a kommune it also has directly is not repeated)
-- When the index page failed, the grouping stored from the last good index page is used, and
-- chapters new since then are covered by their own (direct / override) kommuner only.
with chapters as (
    select * from {{ ref('supply__folkehjelp_chapters') }}
),
own as (
    select c.chapter_id, k.kommune_nr, c.kommune_source as source
    from chapters c
    cross join lateral unnest(c.kommune_nrs) as k(kommune_nr)
),
regional as (
    select chapter_id, fylke_group_name from chapters
    where chapter_level = 'regional' and fylke_group_name is not null
),
children as (
    select chapter_id, fylke_group_name, kommune_nrs from chapters
    where chapter_level = 'local' and is_active and fylke_group_name is not null
),
inferred as (
    select distinct r.chapter_id, k.kommune_nr, 'inferred' as source
    from regional r
    join children c on c.fylke_group_name = r.fylke_group_name and c.chapter_id <> r.chapter_id
    cross join lateral unnest(c.kommune_nrs) as k(kommune_nr)
),
brreg_only as (
    select chapter_id, kommune_nr, 'direct' as source
    from {{ ref('supply__folkehjelp_brreg_only') }}
    where kommune_nr is not null
)
select chapter_id, kommune_nr, source from own
union all
select i.chapter_id, i.kommune_nr, i.source from inferred i
where not exists (select 1 from own o where o.chapter_id = i.chapter_id and o.kommune_nr = i.kommune_nr)
union all
select chapter_id, kommune_nr, source from brreg_only
