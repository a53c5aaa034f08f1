-- Each NGO's own catalogue of activities, one row per (NGO, canonical activity), as seen in the
-- data, with the Atlas service category from that NGO's reviewed mapping seed. `activity_id` =
-- '<ngo slug>-<slug of the canonical name>' ('redcross-besokstjeneste',
-- 'folkehjelp-flyktning-og-inkludering'). `is_active`: offered by at least one active chapter.
--
-- Red Cross: globalActivityName, verbatim (the most common spelling of the slug), mapped by
-- redcross_activity_category. An activity without a reviewed mapping has no
-- service_category_code and fails this model's tests redcross_activity_has_a_reviewed_category
-- and not_null(service_category_code); fact_chapter_activities is then not built.
-- Norsk Folkehjelp: the six activity areas of the chapter pages (always all six, canonical_name
-- verbatim, from folkehjelp_activity_category) plus any other label seen on a page, which lands
-- unmapped (service_category_code NULL, is_mapped false) and makes the warn-severity test
-- folkehjelp_activity_is_a_reviewed_bin fire until it is reviewed.
with ngo as (
    select slug, orgnr from {{ ref('dim_ngo') }}
),
redcross_listed as (
    select a.activity_id, a.chapter_id, a.global_activity_name, b.is_active as chapter_is_active
    from {{ ref('stg_redcross_branches__activities') }} a
    join {{ ref('stg_redcross_branches__branches') }} b using (chapter_id)
),
redcross as (
    select
        l.activity_id,
        'redcross'                                                             as ngo_slug,
        mode() within group (order by l.global_activity_name)                  as canonical_name,
        m.service_category_code,
        count(distinct l.chapter_id) filter (where l.chapter_is_active)        as active_chapters,
        count(distinct l.chapter_id)                                           as chapters_listing
    from redcross_listed l
    left join {{ ref('redcross_activity_category') }} m on m.activity_id = l.activity_id
    group by l.activity_id, m.service_category_code
),
folkehjelp_listed as (
    select a.activity_id, a.activity_label, a.chapter_id, c.is_active as chapter_is_active
    from {{ ref('supply__folkehjelp_chapter_activities') }} a
    join {{ ref('supply__folkehjelp_chapters') }} c using (chapter_id)
),
folkehjelp_catalogue as (
    -- the six bins once the source has loaded (whether or not a chapter lists one today), and
    -- any other label seen
    select activity_id, activity_label from {{ ref('folkehjelp_activity_category') }}
    where exists (select 1 from {{ ref('supply__folkehjelp_chapters') }})
    union
    select distinct activity_id, activity_label from folkehjelp_listed
),
folkehjelp as (
    select
        cat.activity_id,
        'folkehjelp'                                                           as ngo_slug,
        min(cat.activity_label)                                                as canonical_name,
        m.service_category_code,
        count(distinct l.chapter_id) filter (where l.chapter_is_active)        as active_chapters,
        count(distinct l.chapter_id)                                           as chapters_listing
    from folkehjelp_catalogue cat
    left join folkehjelp_listed l on l.activity_id = cat.activity_id
    left join {{ ref('folkehjelp_activity_category') }} m on m.activity_id = cat.activity_id
    group by cat.activity_id, m.service_category_code
),
activities as (
    select * from redcross
    union all
    select * from folkehjelp
)
select
    a.activity_id,
    a.ngo_slug,
    ngo.orgnr                        as ngo_orgnr,
    a.canonical_name,
    a.service_category_code,
    a.service_category_code is not null as is_mapped,
    sc.label_no                      as service_category_label_no,
    sc.label_en                      as service_category_label_en,
    a.active_chapters,
    a.chapters_listing,
    a.active_chapters > 0            as is_active
from activities a
join ngo on ngo.slug = a.ngo_slug
left join {{ ref('ref_atlas_service_category') }} sc on sc.code = a.service_category_code
