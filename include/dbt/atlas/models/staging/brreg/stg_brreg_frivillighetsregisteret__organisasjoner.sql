-- Frivillighetsregisteret (brreg-frivillighetsregisteret), one row per registered organisation.
-- icnpo_code_1..3 follow the organisation's own ranking (rekkefoelge), icnpo_group_* is the ICNPO
-- main group of each (1100 -> 1, 13100 -> 13; a bare group code is its own group).
with src as (
    select * from {{ source('raw_brreg', 'brreg_frivillige_organisasjoner') }}
    where source_id = 'brreg-frivillighetsregisteret'
)
select
    orgnr,
    navn,
    organisasjonsform,
    frivillig_status,
    innfoert_dato,
    forste_gang_innfoert,
    icnpo_codes,
    cardinality(icnpo_codes)                                            as icnpo_category_count,
    icnpo_codes[1]                                                      as icnpo_code_1,
    icnpo_codes[2]                                                      as icnpo_code_2,
    icnpo_codes[3]                                                      as icnpo_code_3,
    {{ icnpo_group('icnpo_codes[1]') }}                                 as icnpo_group_1,
    {{ icnpo_group('icnpo_codes[2]') }}                                 as icnpo_group_2,
    {{ icnpo_group('icnpo_codes[3]') }}                                 as icnpo_group_3,
    deltar_grasrotandel,
    kommune_nr                                                          as kommune_nr_registered,
    kommune_basis,
    postnummer,
    in_enhetsregisteret,
    ingest_run_id,
    loaded_at
from src
