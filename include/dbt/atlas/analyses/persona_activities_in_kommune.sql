-- Kari / Amira: "What can I join in my kommune?" — every NGO activity offered by an active local
-- chapter in one kommune, per NGO and canonical activity, with the Atlas category.
-- Run: dbt compile --select persona_activities_in_kommune --vars '{kommune_nr: "0301"}'
select
    dn.name                                            as ngo,
    dn.slug                                            as ngo_slug,
    da.canonical_name                                  as activity,
    da.service_category_code,
    sc.label_no                                        as service_category_label,
    count(distinct fca.chapter_id)                     as chapters,
    string_agg(distinct dc.name, '; ' order by dc.name) as chapter_names
from {{ ref('fact_chapter_activities') }} fca
join {{ ref('dim_activity') }} da using (activity_id)
join {{ ref('dim_chapter') }} dc using (chapter_id)
join {{ ref('dim_ngo') }} dn on dn.slug = dc.ngo_slug
join {{ ref('ref_atlas_service_category') }} sc on sc.code = da.service_category_code
where dc.kommune_nr = '{{ var("kommune_nr", "0301") }}'
  and fca.is_active and dc.is_active and dc.chapter_level = 'local'
group by dn.name, dn.slug, da.canonical_name, da.service_category_code, sc.label_no
order by chapters desc, ngo, activity
