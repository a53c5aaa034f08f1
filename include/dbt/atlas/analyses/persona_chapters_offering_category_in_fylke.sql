-- Kari / Mette: "Where can I help with homework near Bergen?" — the active local chapters of any
-- NGO offering one Atlas service category in one fylke (cross-NGO: pivots on the category).
-- Run: dbt compile --select persona_chapters_offering_category_in_fylke
--        --vars '{service_category_code: homework_help, fylke_nr: "46"}'
select
    dn.name                       as ngo,
    dc.name                       as chapter,
    dc.kommune_nr,
    k.kommune_name,
    k.fylke_nr,
    da.canonical_name             as activity,
    fca.local_activity_name,
    dc.source_url
from {{ ref('dim_activity') }} da
join {{ ref('fact_chapter_activities') }} fca using (activity_id)
join {{ ref('dim_chapter') }} dc using (chapter_id)
join {{ ref('dim_ngo') }} dn on dn.slug = dc.ngo_slug
join {{ ref('dim_kommune') }} k on k.kommune_nr = dc.kommune_nr and k.is_current
where da.service_category_code = '{{ var("service_category_code", "homework_help") }}'
  and k.fylke_nr = '{{ var("fylke_nr", "46") }}'
  and fca.is_active and dc.is_active and dc.chapter_level = 'local'
order by k.kommune_name, dc.name, da.canonical_name
