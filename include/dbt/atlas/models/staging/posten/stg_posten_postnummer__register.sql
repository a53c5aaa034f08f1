select
    postnummer,
    poststed,
    kommune_nr                 as kommune_nr_published,
    kommune_name               as kommune_name_published,
    category,
    case category
        when 'B' then 'street addresses and post boxes'
        when 'G' then 'street addresses'
        when 'P' then 'post boxes'
        when 'S' then 'service postnummer'
    end                        as category_description,
    ingest_run_id,
    loaded_at
from {{ source('raw', 'postnummer') }}
where source_id = 'posten-postnummer'
