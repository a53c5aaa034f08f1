-- Bydel codes (6 digits: the kommune's 4 digits + 2) valid at each date asked of Klass 103.
select
    code                                  as bydel_nr,
    name                                  as bydel_name,
    coalesce(parent_code, left(code, 4))  as kommune_nr,
    valid_from,
    valid_to
from {{ source('raw', 'klass_codes') }}
where source_id = 'ssb-klass-bydeler'
