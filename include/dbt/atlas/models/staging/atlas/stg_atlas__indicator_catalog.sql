-- Labels, units and stock/flow type of every contents code, from upstream metadata.
select
    source_id || ':' || contents_code    as indicator_id,
    source_id, table_id, contents_code,
    label                                as indicator_label,
    unit, decimals, measuring_type, reference_time, table_title, table_updated
from {{ source('raw', 'indicator_catalog') }}
