-- Ola (journalist): "How many active chapters does each Tier A NGO have?" — per NGO: active
-- chapters at any level, active local chapters, and historical (inactive/terminated) chapters.
-- NGOs without chapter data yet show zeros (their chapter source is chapter_source_id).
-- Run: dbt compile --select persona_active_chapters_per_ngo --vars '{tier: A}'
select
    dn.name,
    dn.slug,
    dn.tier,
    dn.chapter_data_shape,
    dn.chapter_source_id,
    count(dc.chapter_id) filter (where dc.is_active)                              as active_chapters,
    count(dc.chapter_id) filter (where dc.is_active and dc.chapter_level = 'local') as active_local_chapters,
    count(dc.chapter_id) filter (where not dc.is_active)                          as historical_chapters
from {{ ref('dim_ngo') }} dn
left join {{ ref('dim_chapter') }} dc on dc.ngo_slug = dn.slug
where dn.tier = '{{ var("tier", "A") }}'
group by dn.name, dn.slug, dn.tier, dn.chapter_data_shape, dn.chapter_source_id
order by active_chapters desc, dn.slug
