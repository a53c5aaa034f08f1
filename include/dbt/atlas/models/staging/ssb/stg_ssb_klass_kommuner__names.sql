select
    spelling, name_key, kommune_nr, official_name, variant, valid_from, valid_to,
    current_kommune_nrs, is_ambiguous, ingest_run_id
from {{ source('raw', 'kommune_names') }}
where source_id = 'ssb-klass-kommuner'
