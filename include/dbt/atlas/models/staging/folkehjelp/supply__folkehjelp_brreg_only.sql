-- Enhetsregister entities named "Norsk Folkehjelp…" that no web chapter matched (research 002
-- B.6): registered, but without a page — dim_chapter rows with is_active false, no source_url and
-- no activities ("registered but dormant"). Their kommune is the registered business address's,
-- moved to today's code when Klass maps it to exactly one.
with unmatched as (
    select * from {{ source('raw_scrape', 'folkehjelp_brreg_matches') }}
    where source_id = 'folkehjelp-chapters' and slug is null
),
crosswalk as (
    select distinct kommune_nr, current_kommune_nr
    from {{ ref('stg_ssb_klass_kommuner__crosswalk') }}
    where n_current = 1
)
select
    'folkehjelp-brreg-' || u.orgnr                 as chapter_id,
    u.orgnr                                        as chapter_orgnr,
    u.navn                                         as name,
    u.method                                       as match_method,
    u.note                                         as match_note,
    u.forretningsadresse_kommunenummer             as kommune_nr_published,
    x.current_kommune_nr                           as kommune_nr,
    u.source_id,
    u.loaded_at
from unmatched u
left join crosswalk x on x.kommune_nr = u.forretningsadresse_kommunenummer
