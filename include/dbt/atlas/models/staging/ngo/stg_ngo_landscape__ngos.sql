-- The NGO landscape (include/sources/ngo-landscape/landscape.json, via the generated seed
-- `ngo_landscape`): one row per NGO, typed.
select
    slug,
    nullif(orgnr::text, '')                    as orgnr,
    nullif(orgnr_note, '')                     as orgnr_note,
    name,
    brand_name,
    website_url,
    tier,
    chapter_data_shape,
    has_chapters::boolean                      as has_chapters,
    primary_focus,
    nullif(icnpo_code_1::text, '')             as icnpo_code_1,
    nullif(icnpo_code_2::text, '')             as icnpo_code_2,
    nullif(icnpo_code_3::text, '')             as icnpo_code_3,
    nullif(chapter_source_id, '')              as chapter_source_id,
    nullif(brreg_navn, '')                     as brreg_query_navn,
    nullif(brreg_organisasjonsform, '')        as brreg_query_organisasjonsform,
    nullif(brreg_name_starts_with, '')         as brreg_query_name_starts_with,
    nullif(notes, '')                          as notes
from {{ ref('ngo_landscape') }}
