-- Current fylker (the latest Klass 104 answer), with their current number of kommuner.
with latest as (
    select max(valid_from) as valid_from from {{ ref('stg_ssb_klass_fylker__codes') }}
),
fylker as (
    select f.fylke_nr, f.fylke_name, f.valid_from
    from {{ ref('stg_ssb_klass_fylker__codes') }} f
    join latest using (valid_from)
    where not f.is_unknown_code
),
kommuner as (
    select left(kommune_nr, 2) as fylke_nr, count(*) as kommune_count
    from {{ ref('stg_ssb_klass_kommuner__codes') }}
    where valid_to is null and not is_unknown_code
    group by 1
)
select
    fylker.fylke_nr,
    fylker.fylke_name,
    -- "Troms - Romsa - Tromssa" -> "Troms": the Norwegian short name for labels
    split_part(fylker.fylke_name, ' - ', 1)   as fylke_name_short,
    coalesce(kommuner.kommune_count, 0)       as kommune_count,
    fylker.valid_from
from fylker
left join kommuner using (fylke_nr)
