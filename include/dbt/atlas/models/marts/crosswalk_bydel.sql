-- Any 6-digit bydel code a source publishes -> today's bydel (Klass 103). SSB's bydel code is the
-- kommune number plus two digits, so a code published under a kommune's old number (Bergen 1201xx
-- before 2020) follows its kommune through the reform crosswalk and keeps its two last digits —
-- accepted only when that lands on a bydel Klass has today. Every other code is unresolved.
with published as (
    select distinct region_code as bydel_code
    from {{ ref('int_observations__unioned') }}
    where region_level = 'bydel'
    union
    select bydel_nr from {{ ref('dim_bydel') }}
),
kommune_map as (
    select kommune_nr, current_kommune_nr
    from {{ ref('stg_ssb_klass_kommuner__crosswalk') }}
    where n_current = 1
)
select
    p.bydel_code,
    left(p.bydel_code, 4)                                             as kommune_nr_published,
    coalesce(exact.bydel_nr, moved.bydel_nr)                          as bydel_nr,
    coalesce(exact.kommune_nr, moved.kommune_nr)                      as kommune_nr,
    case
        when exact.bydel_nr is not null then 'exact'
        when moved.bydel_nr is not null then 'renumbered'
        else 'unresolved'
    end                                                               as geo_resolution,
    'ssb'                                                             as coding_scheme
from published p
left join {{ ref('dim_bydel') }} exact on exact.bydel_nr = p.bydel_code
left join kommune_map km on km.kommune_nr = left(p.bydel_code, 4) and exact.bydel_nr is null
left join {{ ref('dim_bydel') }} moved on moved.bydel_nr = km.current_kommune_nr || right(p.bydel_code, 2)
