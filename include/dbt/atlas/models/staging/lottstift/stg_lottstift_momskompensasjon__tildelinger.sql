-- Lottstift's momskompensasjon (lottstift-momskompensasjon): one row per grant year and recipient.
-- amount_basis differs by year (awarded after reduction / paid / paid incl. the admin fee / awarded).
select
    period_id                                   as grant_year,
    period_id::int                              as grant_year_number,
    orgnr,
    recipient_name,
    amount_nok,
    amount_basis,
    amount_column,
    cases,
    cases_without_amount,
    layout,
    file_url,
    ingest_run_id,
    loaded_at
from {{ source('raw_lottstift', 'lottstift_momskompensasjon') }}
where source_id = 'lottstift-momskompensasjon'
