-- Fylke codes valid at each date asked of Klass 104 (99 "Uoppgitt" flagged).
select
    code              as fylke_nr,
    name              as fylke_name,
    valid_from,
    valid_to,
    code = '99'       as is_unknown_code
from {{ source('raw', 'klass_codes') }}
where source_id = 'ssb-klass-fylker'
