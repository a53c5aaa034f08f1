-- Each Norsk Folkehjelp chapter's activity areas in page order, mapped 1:1 to Atlas service
-- categories by the reviewed seed folkehjelp_activity_category (research 002, Q10 option A):
--   Førstehjelp og redningstjeneste -> rescue_corps      Sanitetsungdom     -> youth_activity_groups
--   Samfunnsarbeid                  -> youth_drop_in     Flyktning og inkludering -> language_practice
--   Internasjonale spørsmål         -> international_solidarity
--   Solidaritetsungdom              -> youth_political_action
-- A label outside the six bins (is_known_bin false) has no service_category_code: it lands
-- unmapped and the ingest warned, naming the label and the chapter.
select
    'folkehjelp-' || a.slug                   as chapter_id,
    a.slug,
    a.display_order                           as activity_seq,
    'folkehjelp-' || a.activity_slug          as activity_id,
    a.activity_label,
    a.is_known_bin,
    m.service_category_code,
    a.source_id,
    a.loaded_at
from {{ source('raw_scrape', 'folkehjelp_chapter_activities') }} a
left join {{ ref('folkehjelp_activity_category') }} m on m.activity_id = 'folkehjelp-' || a.activity_slug
where a.source_id = 'folkehjelp-chapters'
