-- One row per kommune code per Klass 131 version (9999 "Uoppgitt" included, flagged).
select
    code                      as kommune_nr,
    name                      as kommune_name,
    left(code, 2)             as fylke_nr,
    valid_from,
    valid_to,
    version_id,
    version_name,
    code = '9999'             as is_unknown_code,
    ingest_run_id,
    loaded_at
from {{ source('raw', 'klass_codes') }}
where source_id = 'ssb-klass-kommuner'
