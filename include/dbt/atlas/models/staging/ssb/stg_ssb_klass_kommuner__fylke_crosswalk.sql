select fylke_nr, valid_from, valid_to, current_fylke_nr, n_current, change_kind, ingest_run_id
from {{ source('raw', 'fylke_crosswalk') }}
where source_id = 'ssb-klass-kommuner'
