-- NGO supply per current kommune x Atlas service category: how many active local chapters cover
-- the kommune and offer the category, and whether Atlas can say so at all. The full grid (every
-- current kommune x every category), so "no chapter" is a row, not an absence.
--
-- Supply comes from chapter_kommune_coverage (a chapter's kommuner: its own, or inferred /
-- overridden for chapters that serve several) joined to the chapter's activities; only local,
-- active chapters count (research 003, Q44/Q48).
--
-- supply_status:
--   present  at least one active local chapter covering the kommune offers the category
--   unknown  no such chapter is known, but an NGO that could offer the category cannot vouch
--            for its absence: its chapter source's last run failed, it is stale against its
--            cadence, it never loaded, or one of its chapters was quarantined with this kommune
--            among the candidates ("Bø" without a county). An NGO "could offer" a category when
--            its own catalogue (dim_activity) has it, or when Atlas has no catalogue for it yet.
--            Likewise an active local chapter the load kept but could not place in any kommune
--            (kommune_resolution 'unresolved'): its categories are unknown in every kommune of
--            its published county, or in every kommune when the county is not one of today's.
--   none     no chapter, and every covered NGO's data is healthy: a real absence
-- The NGOs Atlas covers are those of dim_ngo whose chapter_source_id is a registered source.
-- NGOs without a chapter source are outside the verdict; `ngos_covered` lists who it rests on.
with kommuner as (
    -- the fylke's current name from dim_fylke (dim_kommune's is the name when the kommune began)
    select k.kommune_nr, k.kommune_name, k.fylke_nr, coalesce(f.fylke_name, k.fylke_name) as fylke_name
    from {{ ref('dim_kommune') }} k
    left join {{ ref('dim_fylke') }} f on f.fylke_nr = k.fylke_nr
    where k.is_current
),
categories as (
    select code as service_category_code, label_no as service_category_label_no, sort_order
    from {{ ref('ref_atlas_service_category') }}
),
covered_ngos as (
    select n.slug as ngo_slug, n.chapter_source_id
    from {{ ref('dim_ngo') }} n
    join {{ ref('stg_atlas__source_registry') }} r on r.source_id = n.chapter_source_id
),
ngo_health as (
    select
        c.ngo_slug,
        c.chapter_source_id,
        h.last_run_status,
        h.freshness_status,
        h.last_success_at,
        h.last_error,
        case
            when h.last_success_at is null then 'never loaded'
            when h.last_run_status = 'failed' then 'last run failed' || coalesce(': ' || h.last_error, '')
            when h.last_run_status = 'running' then 'a run is in progress'
            when h.freshness_status = 'stale' then 'stale (last good check ' || coalesce(h.age_days::text, '?') || ' days ago)'
        end                                                           as unhealthy_reason
    from covered_ngos c
    left join {{ ref('mart_ingest_health') }} h on h.source_id = c.chapter_source_id
),
ngo_catalogue as (
    select distinct ngo_slug, service_category_code
    from {{ ref('dim_activity') }}
    where service_category_code is not null
),
-- an NGO is relevant to a category when it offers it somewhere, or when its catalogue is unknown
ngo_category as (
    select n.ngo_slug, c.service_category_code
    from covered_ngos n
    cross join categories c
    where exists (select 1 from ngo_catalogue a where a.ngo_slug = n.ngo_slug and a.service_category_code = c.service_category_code)
       or not exists (select 1 from ngo_catalogue a where a.ngo_slug = n.ngo_slug)
),
last_success_run as (
    select distinct on (source_id) source_id, ingest_run_id
    from {{ ref('stg_atlas__ingest_runs') }}
    where status = 'success'
    order by source_id, finished_at desc
),
-- chapters the last good load could not place: the kommuner each might be in (geo.Resolution
-- quarantine records carry `candidates`); an empty list places it nowhere in particular
quarantined_chapters as (
    select c.ngo_slug, q.locator, q.reason, q.payload -> 'candidates' as candidates
    from {{ source('raw', 'quarantine') }} q
    join covered_ngos c on c.chapter_source_id = q.source_id
    join last_success_run r on r.source_id = q.source_id and r.ingest_run_id = q.ingest_run_id
    where jsonb_typeof(q.payload -> 'candidates') = 'array'
),
quarantine_by_kommune as (
    -- candidates may be codes of any era (Bø: 0821 in Telemark until 2020, 1867 in Nordland):
    -- each goes to today's kommune(s) through the reform crosswalk
    select q.ngo_slug, coalesce(x.current_kommune_nr, candidate.kommune_nr) as kommune_nr,
           count(distinct q.locator) as chapters
    from quarantined_chapters q
    cross join lateral jsonb_array_elements_text(q.candidates) as candidate(kommune_nr)
    left join {{ ref('stg_ssb_klass_kommuner__crosswalk') }} x on x.kommune_nr = candidate.kommune_nr
    group by q.ngo_slug, coalesce(x.current_kommune_nr, candidate.kommune_nr)
),
unplaced as (
    select ngo_slug, count(*) as chapters
    from quarantined_chapters
    where jsonb_array_length(candidates) = 0
    group by ngo_slug
),
unplaced_local as (
    select ch.ngo_slug, ch.chapter_id, ch.name, ch.county_published,
           -- Klass names carry the Sami name too ("Trøndelag - Trööndelage"); a county is published either way
           (select min(k.fylke_nr) from kommuner k
             where lower(ch.county_published) in (lower(k.fylke_name), lower(split_part(k.fylke_name, ' - ', 1)))
           ) as fylke_nr
    from {{ ref('dim_chapter') }} ch
    where ch.chapter_level = 'local' and ch.is_active and ch.kommune_resolution = 'unresolved'
),
supply as (
    select
        cov.kommune_nr,
        fca.service_category_code,
        count(distinct cov.chapter_id)                                          as active_chapters,
        count(distinct cov.chapter_id) filter (where cov.source = 'direct')     as chapters_direct,
        count(distinct cov.chapter_id) filter (where cov.source <> 'direct')    as chapters_inferred_or_override,
        count(distinct (fca.chapter_id, fca.activity_id))                       as chapter_activities,
        array_agg(distinct cov.ngo_slug order by cov.ngo_slug)                  as ngo_slugs
    from {{ ref('chapter_kommune_coverage') }} cov
    join {{ ref('dim_chapter') }} ch
      on ch.chapter_id = cov.chapter_id and ch.chapter_level = 'local' and ch.is_active
    join {{ ref('fact_chapter_activities') }} fca
      on fca.chapter_id = cov.chapter_id and fca.is_active
    group by cov.kommune_nr, fca.service_category_code
),
unknown_reasons as (
    -- why an absence cannot be vouched for, per kommune x category
    select k.kommune_nr, nc.service_category_code,
           h.chapter_source_id || ': ' || h.unhealthy_reason                      as reason
    from kommuner k
    cross join ngo_category nc
    join ngo_health h on h.ngo_slug = nc.ngo_slug
    where h.unhealthy_reason is not null
    union all
    select q.kommune_nr, nc.service_category_code,
           h.chapter_source_id || ': ' || q.chapters || ' quarantined chapter(s) could be in this kommune'
    from quarantine_by_kommune q
    join ngo_category nc on nc.ngo_slug = q.ngo_slug
    join ngo_health h on h.ngo_slug = q.ngo_slug
    union all
    select k.kommune_nr, fca.service_category_code,
           h.chapter_source_id || ': active chapter ''' || u.name || ''' could not be placed in a kommune'
           || coalesce(' (county ' || u.county_published || ')', '')
    from unplaced_local u
    join {{ ref('fact_chapter_activities') }} fca
      on fca.chapter_id = u.chapter_id and fca.is_active and fca.service_category_code is not null
    join kommuner k on u.fylke_nr is null or k.fylke_nr = u.fylke_nr
    join ngo_health h on h.ngo_slug = u.ngo_slug
),
unknown as (
    select kommune_nr, service_category_code, string_agg(distinct reason, '; ') as reasons
    from unknown_reasons
    group by kommune_nr, service_category_code
),
population as (
    select region_code as kommune_nr, population, period_id
    from {{ ref('fact_population') }}
    where region_level = 'kommune' and age_group = 'total' and is_latest
)
select
    k.kommune_nr,
    k.kommune_name,
    k.fylke_nr,
    k.fylke_name,
    c.service_category_code,
    c.service_category_label_no,
    coalesce(s.active_chapters, 0)                                              as active_chapters,
    coalesce(s.chapters_direct, 0)                                              as chapters_direct,
    coalesce(s.chapters_inferred_or_override, 0)                                as chapters_inferred_or_override,
    coalesce(s.chapter_activities, 0)                                           as chapter_activities,
    coalesce(s.ngo_slugs, '{}'::text[])                                         as ngo_slugs,
    case
        when coalesce(s.active_chapters, 0) > 0 then 'present'
        when u.reasons is not null then 'unknown'
        else 'none'
    end                                                                         as supply_status,
    case when coalesce(s.active_chapters, 0) = 0 then u.reasons end             as supply_unknown_reason,
    (select coalesce(array_agg(ngo_slug order by ngo_slug), '{}'::text[]) from covered_ngos) as ngos_covered,
    (select coalesce(sum(chapters), 0) from unplaced)::int                      as unplaced_chapters_nationally,
    p.population,
    p.period_id                                                                 as population_period_id,
    case when p.population > 0
         then round(coalesce(s.active_chapters, 0) * 10000.0 / p.population, 3) end as chapters_per_10k
from kommuner k
cross join categories c
left join supply s on s.kommune_nr = k.kommune_nr and s.service_category_code = c.service_category_code
left join unknown u on u.kommune_nr = k.kommune_nr and u.service_category_code = c.service_category_code
left join population p on p.kommune_nr = k.kommune_nr
