-- Per-capita denominators: population on 1 January per kommune (ssb-07459) and per bydel
-- (ssb-10826), summed over single years of age into the age groups of the seed
-- ref_population_age_group, both sexes. One row per region x period x age group.
--
-- Only rows on today's geography are used (fact_kommune_indicators.is_current_geography,
-- fact_bydel_indicators resolved through crosswalk_bydel), so a denominator always matches the
-- kommune_nr / bydel_nr the other marts carry. A group with a suppressed age cell is NULL with
-- that cell's marker, one with an age missing altogether NULL '..': never a partial sum. Alder
-- codes are SSB's '000'..'104' and '105+' (the open top band counts as 105).
with age_groups as (
    select code as age_group, min_age, max_age from {{ ref('ref_population_age_group') }}
),
kommune_cells as (
    select
        'kommune'                                     as region_level,
        kommune_nr                                    as region_code,
        kommune_nr,
        period_id,
        left(dimensions ->> 'Alder', 3)::int          as age,
        value,
        status
    from {{ ref('fact_kommune_indicators') }}
    where indicator_id = 'ssb-07459:Personer1'
      and is_current_geography
      and dimensions ->> 'Kjonn' in ('1', '2')
),
bydel_cells as (
    select
        'bydel'                                       as region_level,
        bydel_nr                                      as region_code,
        kommune_nr,
        period_id,
        left(dimensions ->> 'Alder', 3)::int          as age,
        value,
        status
    from {{ ref('fact_bydel_indicators') }}
    where indicator_id = 'ssb-10826:Personer1'
      and geo_resolution <> 'unresolved'
      and dimensions ->> 'Kjonn' in ('1', '2')
),
cells as (
    select * from kommune_cells
    union all
    select * from bydel_cells
),
regions as (
    select distinct region_level, region_code, kommune_nr, period_id from cells
),
grouped as (
    select
        r.region_level,
        r.region_code,
        r.kommune_nr,
        r.period_id,
        g.age_group,
        -- both sexes x every single year of the group ('105+' is the last)
        2 * (coalesce(g.max_age, 105) - g.min_age + 1)                    as cells_expected,
        count(c.age)                                                      as cells,
        -- '-' is SSB's nil: a true 0, not a hidden figure
        count(c.age) filter (where c.value is null and c.status is distinct from '-') as cells_missing,
        sum(coalesce(c.value, 0))                                         as cell_sum,
        (array_agg(c.status order by c.age) filter (where c.value is null and c.status <> '-'))[1] as first_marker
    from regions r
    cross join age_groups g
    left join cells c
      on c.region_level = r.region_level and c.region_code = r.region_code and c.period_id = r.period_id
     and c.age >= g.min_age and (g.max_age is null or c.age <= g.max_age)
    group by r.region_level, r.region_code, r.kommune_nr, r.period_id, g.age_group, g.min_age, g.max_age
)
select
    region_level,
    region_code,
    kommune_nr,
    period_id,
    age_group,
    case when cells = cells_expected and cells_missing = 0 then cell_sum end as population,
    case
        when cells = cells_expected and cells_missing = 0 then null
        when cells_missing > 0 then first_marker
        else '..'
    end                                                                   as status,
    cells                                                                 as age_cells,
    period_id = max(period_id) over (partition by region_level, region_code, age_group) as is_latest
from grouped
