select
    ingest_run_id, source_id, run_key, dag_id, status, step, started_at, finished_at,
    requests, bytes_fetched, rows_in, rows_out, rows_quarantined, periods,
    upstream_updated, upstream_version, error, details
from {{ source('raw', 'ingest_runs') }}
