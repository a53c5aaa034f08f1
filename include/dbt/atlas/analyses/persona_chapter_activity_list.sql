-- Inger (chapter leader): "Is everything Modum Røde Kors offers in Atlas?" — one chapter's own
-- activity list: the NGO's canonical name, the chapter's local name, the Atlas category, status.
-- Run: dbt compile --select persona_chapter_activity_list --vars '{chapter_name: "Modum Røde Kors"}'
select
    dc.name                        as chapter,
    dc.chapter_id,
    da.canonical_name              as activity,
    fca.local_activity_name,
    da.service_category_code,
    fca.is_active
from {{ ref('dim_chapter') }} dc
join {{ ref('fact_chapter_activities') }} fca using (chapter_id)
join {{ ref('dim_activity') }} da using (activity_id)
where dc.name = '{{ var("chapter_name", "Modum Røde Kors") }}'
order by da.canonical_name
