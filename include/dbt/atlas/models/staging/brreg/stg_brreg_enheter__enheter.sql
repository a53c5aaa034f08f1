-- Enhetsregisteret entities of the landscape's NGOs (brreg-enheter), one row per orgnr.
-- The raw table is upserted per orgnr and never deleted from, so this view says which rows are
-- current: `seen_in_latest_run` (the last load saw the entity, by search or re-read by orgnr),
-- `is_matched` (an NGO query matched it in the run that loaded the row), `is_deleted`
-- (Brreg reported slettedato). `is_current_match` = all three say "live and the NGO's".
with src as (
    select * from {{ source('raw_ngo', 'brreg_enheter') }}
    where source_id = 'brreg-enheter'
),
latest as (
    select max(ingest_run_id) as ingest_run_id from src
)
select
    src.orgnr,
    src.navn,
    src.organisasjonsform,
    src.organisasjonsform_beskrivelse,
    src.registrert_dato,
    src.stiftelsesdato,
    src.i_frivillighetsreg,
    src.antall_ansatte,
    src.konkurs,
    src.under_avvikling,
    src.under_tvangsavvikling,
    src.forretningsadresse_kommunenummer,
    src.postadresse_kommunenummer,
    src.naeringskode1,
    src.hjemmeside,
    src.slettedato,
    src.matched_ngo_slugs,
    src.seen_via,
    src.slettedato is not null                                        as is_deleted,
    cardinality(src.matched_ngo_slugs) > 0                            as is_matched,
    src.ingest_run_id = latest.ingest_run_id                          as seen_in_latest_run,
    (src.slettedato is null and cardinality(src.matched_ngo_slugs) > 0
        and src.ingest_run_id = latest.ingest_run_id)                 as is_current_match,
    src.loaded_at                                                     as last_seen_at,
    src.ingest_run_id
from src
cross join latest
