-- What each chapter offers: one row per chapter x canonical activity (research 003, Q32). A
-- branch listing one global activity several times ("Barnas Røde Kors" for two local groups) is
-- one row; `local_activity_name` is the first local name in the export's order and
-- `local_activity_names` all of them (Norsk Folkehjelp: the label as the page shows it).
-- `kommune_nr` is the chapter's (NULL for regional/national and multi-kommune chapters: see
-- chapter_kommune_coverage). `is_active` is the chapter's status: neither source has a
-- per-activity status, so an activity listed by a terminated (or, for Norsk Folkehjelp, delisted)
-- chapter is inactive. `service_category_code` is dim_activity's (built on it, so an activity
-- that failed dim_activity's mapping tests stops this model too; an unmapped Norsk Folkehjelp
-- label carries NULL).
with listed as (
    select chapter_id, activity_id, activity_seq, local_activity_name
    from {{ ref('stg_redcross_branches__activities') }}
    union all
    select chapter_id, activity_id, activity_seq, activity_label as local_activity_name
    from {{ ref('supply__folkehjelp_chapter_activities') }}
)
select
    l.chapter_id,
    l.activity_id,
    a.service_category_code,
    c.ngo_slug,
    c.ngo_orgnr,
    c.chapter_level,
    c.kommune_nr,
    (array_agg(l.local_activity_name order by l.activity_seq))[1]     as local_activity_name,
    array_agg(l.local_activity_name order by l.activity_seq)           as local_activity_names,
    count(*)                                                           as listings,
    c.is_active
from listed l
join {{ ref('dim_chapter') }} c using (chapter_id)
join {{ ref('dim_activity') }} a using (activity_id)
group by l.chapter_id, l.activity_id, a.service_category_code, c.ngo_slug, c.ngo_orgnr, c.chapter_level,
         c.kommune_nr, c.is_active
