-- One row per NGO in landscape.json (the human-edited source of truth), keyed by `slug`.
-- `orgnr` is the Brreg organisation number where confirmed (NULL with `orgnr_note` otherwise), so
-- every NGO table carries both `ngo_slug` (always set: join on it) and `ngo_orgnr`.
-- Enriched from Enhetsregisteret (brreg-enheter): the registered entity of `orgnr`, and how many
-- entities the NGO's brreg_query currently matches.
-- icnpo_code_1..3: the categories the NGO's own orgnr is registered with in Frivillighetsregisteret
-- (brreg-frivillighetsregisteret, ranked as the organisation gave them); the landscape's curated
-- codes only when the register has none for it. icnpo_source says which.
with ngos as (
    select * from {{ ref('stg_ngo_landscape__ngos') }}
),
frivillig as (
    select orgnr, icnpo_code_1, icnpo_code_2, icnpo_code_3
    from {{ ref('stg_brreg_frivillighetsregisteret__organisasjoner') }}
    where icnpo_code_1 is not null
),
brreg as (
    select * from {{ ref('stg_brreg_enheter__enheter') }}
),
matched as (
    select slug, count(*) as brreg_entities_matched
    from brreg
    cross join lateral unnest(brreg.matched_ngo_slugs) as slug
    where brreg.is_current_match
    group by slug
)
select
    n.slug,
    n.orgnr,
    n.name,
    n.brand_name,
    n.website_url,
    n.tier,
    n.chapter_data_shape,
    n.has_chapters,
    n.primary_focus,
    case when f.orgnr is not null then f.icnpo_code_1 else n.icnpo_code_1 end as icnpo_code_1,
    icnpo.label_no                            as icnpo_label_1,
    case when f.orgnr is not null then f.icnpo_code_2 else n.icnpo_code_2 end as icnpo_code_2,
    case when f.orgnr is not null then f.icnpo_code_3 else n.icnpo_code_3 end as icnpo_code_3,
    case when f.orgnr is not null then 'frivillighetsregisteret'
         when n.icnpo_code_1 is not null then 'landscape' end               as icnpo_source,
    n.chapter_source_id,
    n.orgnr_note,
    b.navn                                    as brreg_navn,
    b.organisasjonsform                       as brreg_organisasjonsform,
    b.i_frivillighetsreg                      as brreg_i_frivillighetsreg,
    b.is_deleted                              as brreg_is_deleted,
    coalesce(m.brreg_entities_matched, 0)     as brreg_entities_matched
from ngos n
left join brreg b on b.orgnr = n.orgnr
left join matched m on m.slug = n.slug
left join frivillig f on f.orgnr = n.orgnr
left join {{ ref('ref_brreg_icnpo') }} icnpo
    on icnpo.code = case when f.orgnr is not null then f.icnpo_code_1 else n.icnpo_code_1 end
