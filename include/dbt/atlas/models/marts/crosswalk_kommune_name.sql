-- Every known spelling -> kommune. Resolve with `name_key` (atlas_ingest.geo.fold of your text),
-- never with a spelling that is_ambiguous unless you also have the fylke.
select
    n.spelling,
    n.name_key,
    n.variant,
    n.kommune_nr,
    n.official_name,
    n.valid_from,
    n.valid_to,
    case when cardinality(n.current_kommune_nrs) = 1 then n.current_kommune_nrs[1] end as current_kommune_nr,
    n.current_kommune_nrs,
    n.is_ambiguous,
    left(n.kommune_nr, 2) as fylke_nr_at_the_time
from {{ ref('stg_ssb_klass_kommuner__names') }} n
