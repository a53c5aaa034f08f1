-- The Udir school roster (raw.udir_schools), one row per source × school; no joins.
select
    orgnr,
    school_name,
    kommune_nr                          as kommune_nr_registered,
    kommune_name                        as kommune_name_registered,
    fylke_nr                            as fylke_nr_registered,
    udir_enhet_id,
    report_codes,
    school_type,
    owner,
    school_years,
    source_id,
    ingest_run_id,
    loaded_at
from {{ source('raw_udir', 'udir_schools') }}
