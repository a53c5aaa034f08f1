-- Tone: "How do Røde Kors and Norsk Folkehjelp compare in Innlandet?" — per fylke and NGO: active
-- local chapters, distinct canonical activities (each NGO in its own terms) and the Atlas
-- categories they cover. Every requested NGO gets a row, with zeros where it has no chapters.
-- Run: dbt compile --select persona_ngo_comparison_by_fylke
--        --vars '{ngo_slugs: [redcross, folkehjelp], comparison_fylke_nr: "34"}'
{%- set slugs = var("ngo_slugs", ["redcross", "folkehjelp"]) %}
{%- set fylke = var("comparison_fylke_nr", none) %}
with ngos as (
    select slug, name from {{ ref('dim_ngo') }}
    where slug in ({% for s in slugs %}'{{ s }}'{% if not loop.last %}, {% endif %}{% endfor %})
),
fylker as (
    select fylke_nr, fylke_name from {{ ref('dim_fylke') }}
    {% if fylke %}where fylke_nr = '{{ fylke }}'{% endif %}
),
chapters as (
    select dc.chapter_id, dc.ngo_slug, k.fylke_nr
    from {{ ref('dim_chapter') }} dc
    join {{ ref('dim_kommune') }} k on k.kommune_nr = dc.kommune_nr and k.is_current
    where dc.is_active and dc.chapter_level = 'local'
)
select
    f.fylke_nr,
    f.fylke_name,
    n.slug                                        as ngo,
    n.name                                        as ngo_name,
    count(distinct c.chapter_id)                  as active_local_chapters,
    count(distinct fca.activity_id)               as distinct_activities,
    count(distinct da.service_category_code)      as service_categories
from ngos n
cross join fylker f
left join chapters c on c.ngo_slug = n.slug and c.fylke_nr = f.fylke_nr
left join {{ ref('fact_chapter_activities') }} fca on fca.chapter_id = c.chapter_id and fca.is_active
left join {{ ref('dim_activity') }} da on da.activity_id = fca.activity_id
group by f.fylke_nr, f.fylke_name, n.slug, n.name
order by f.fylke_nr, n.slug
