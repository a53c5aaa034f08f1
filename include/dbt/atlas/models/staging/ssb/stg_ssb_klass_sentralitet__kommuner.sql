-- Centrality class (Klass 128, 01 = most central … 06 = least) of each kommune (Klass 131),
-- from the 131 -> 128 correspondence, with validity per row.
select
    source_code       as kommune_nr,
    target_code       as sentralitet_class,
    target_name       as sentralitet_name,
    valid_from,
    valid_to
from {{ source('raw', 'klass_correspondences') }}
where source_id = 'ssb-klass-sentralitet'
  and correspondence_id = 128
