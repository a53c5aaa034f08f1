-- Kommune code (valid since 2018) -> current code(s), derived from Klass 131 by atlas_ingest.geo.
select
    kommune_nr, kommune_name, valid_from, valid_to, current_kommune_nr, n_current, change_kind,
    change_dates, ingest_run_id
from {{ source('raw', 'kommune_crosswalk') }}
where source_id = 'ssb-klass-kommuner'
