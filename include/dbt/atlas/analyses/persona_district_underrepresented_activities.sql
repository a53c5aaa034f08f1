-- Arne (district coordinator): "Across our district's local branches, which of our activities are
-- most under-represented?" — for one regional chapter, every active canonical activity of its
-- NGO with how many of the district's active local chapters offer it and how many do not.
-- Run: dbt compile --select persona_district_underrepresented_activities
--        --vars '{district_chapter_id: redcross-D010}'
{%- set district = var("district_chapter_id", "redcross-D010") %}
with district as (
    select chapter_id, ngo_slug, name from {{ ref('dim_chapter') }}
    where chapter_id = '{{ district }}' and chapter_level = 'regional'
),
members as (
    select dc.chapter_id
    from {{ ref('dim_chapter') }} dc
    join district d on dc.parent_chapter_id = d.chapter_id
    where dc.is_active and dc.chapter_level = 'local'
),
size as (
    select count(*) as district_chapters from members
),
offering as (
    select fca.activity_id, count(distinct fca.chapter_id) as chapters_offering
    from {{ ref('fact_chapter_activities') }} fca
    join members using (chapter_id)
    where fca.is_active
    group by fca.activity_id
)
select
    d.name                                                      as district,
    da.canonical_name                                           as activity,
    da.service_category_code,
    coalesce(o.chapters_offering, 0)                            as chapters_offering,
    s.district_chapters - coalesce(o.chapters_offering, 0)     as chapters_missing,
    s.district_chapters
from district d
join {{ ref('dim_activity') }} da on da.ngo_slug = d.ngo_slug and da.is_active
cross join size s
left join offering o on o.activity_id = da.activity_id
order by chapters_missing desc, activity
