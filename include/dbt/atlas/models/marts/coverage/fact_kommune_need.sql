-- Every need of the seed coverage_gap_parameters, measured for every current kommune and every
-- period the indicator publishes: the compared value, the period's threshold and the kommune's
-- need_status — high (in the top `top_fraction`), low, suppressed (a marker other than '..'),
-- missing ('..': upstream has no figure), not_published (no row for the kommune on today's
-- geography, e.g. a survey the kommune did not run). mart_coverage_gap keeps the high,
-- suppressed and missing rows where supply is absent or unknown; the report draws from here.
--
-- Need value: the indicator's value for the seed's breakdown (`dimensions`, compared as jsonb),
-- or per `per_capita_unit` inhabitants of `denominator_age_group` (fact_population, the
-- population year nearest the indicator's period: `denominator_period_id`). The threshold is
-- the (1 - top_fraction) percentile of that period's published values over current kommuner
-- (the top_fraction percentile when need_direction is 'low'): kommuner count equally, as in
-- research 003's query.
with params as (
    select
        need_id, indicator_id, dimensions::jsonb as dimensions, need_direction, top_fraction::numeric as top_fraction,
        service_category_code, nullif(denominator_age_group, '') as denominator_age_group,
        per_capita_unit::numeric as per_capita_unit, label_no, label_en, sort_order
    from {{ ref('coverage_gap_parameters') }}
),
kommuner as (
    -- the fylke's current name from dim_fylke (dim_kommune's is the name when the kommune began)
    select k.kommune_nr, k.kommune_name, k.fylke_nr, coalesce(f.fylke_name, k.fylke_name) as fylke_name
    from {{ ref('dim_kommune') }} k
    left join {{ ref('dim_fylke') }} f on f.fylke_nr = k.fylke_nr
    where k.is_current
),
facts as (
    select p.need_id, f.indicator_id, f.kommune_nr, f.period_id, f.period_start, f.value, f.status
    from {{ ref('fact_kommune_indicators') }} f
    join params p on p.indicator_id = f.indicator_id and f.dimensions = p.dimensions
    where f.is_current_geography
),
periods as (
    select distinct need_id, period_id, period_start from facts
),
population as (
    select region_code as kommune_nr, period_id, age_group, population
    from {{ ref('fact_population') }}
    where region_level = 'kommune'
),
population_years as (
    select distinct age_group, period_id from population
),
-- the population year nearest the indicator's (ties: the earlier one)
denominator_period as (
    select distinct on (pe.need_id, pe.period_id)
        pe.need_id, pe.period_id, py.period_id as denominator_period_id
    from periods pe
    join params p using (need_id)
    join population_years py on py.age_group = p.denominator_age_group
    order by pe.need_id, pe.period_id,
             abs(extract(year from pe.period_start) - py.period_id::int), py.period_id
),
grid as (
    -- every current kommune for every need x published period
    select p.*, pe.period_id, k.kommune_nr, k.kommune_name, k.fylke_nr, k.fylke_name
    from params p
    join periods pe using (need_id)
    cross join kommuner k
),
measured as (
    select
        g.*,
        f.value                                                          as indicator_value,
        f.status                                                         as indicator_status,
        dp.denominator_period_id,
        pop.population                                                   as denominator_population,
        case
            when g.denominator_age_group is null then f.value
            when pop.population > 0 then f.value * g.per_capita_unit / pop.population
        end                                                              as need_value
    from grid g
    left join facts f on f.need_id = g.need_id and f.period_id = g.period_id and f.kommune_nr = g.kommune_nr
    left join denominator_period dp on dp.need_id = g.need_id and dp.period_id = g.period_id
    left join population pop
      on pop.kommune_nr = g.kommune_nr and pop.period_id = dp.denominator_period_id
     and pop.age_group = g.denominator_age_group
),
thresholds as (
    select
        need_id, period_id,
        percentile_cont(1 - top_fraction) within group (order by need_value) as upper_cut,
        percentile_cont(top_fraction) within group (order by need_value)     as lower_cut,
        count(need_value)                                                     as kommuner_with_value
    from measured
    group by need_id, period_id, top_fraction
),
classified as (
    select
        m.*,
        case when m.need_direction = 'low' then t.lower_cut else t.upper_cut end as threshold,
        t.kommuner_with_value,
        case
            when m.need_value is not null
                 and ((m.need_direction = 'high' and m.need_value >= t.upper_cut)
                   or (m.need_direction = 'low' and m.need_value <= t.lower_cut)) then 'high'
            when m.need_value is not null then 'low'
            when m.indicator_value is not null then 'missing'  -- a count without its population denominator
            when m.indicator_status is null then 'not_published'
            when m.indicator_status not in ('..', '...') then 'suppressed'
            else 'missing'
        end                                                              as need_status
    from measured m
    join thresholds t using (need_id, period_id)
)
select
    need_id, indicator_id, dimensions, need_direction, top_fraction, service_category_code,
    denominator_age_group, per_capita_unit, label_no, label_en, sort_order,
    period_id, kommune_nr, kommune_name, fylke_nr, fylke_name,
    indicator_value, indicator_status, denominator_period_id, denominator_population,
    need_value, threshold, kommuner_with_value, need_status
from classified
