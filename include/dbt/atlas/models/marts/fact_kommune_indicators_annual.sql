-- The annual view annual reports read, whatever grain a source publishes in:
-- * P1Y rows as they are;
-- * P1M / P3M rows rolled up per calendar year by the indicator's manifest rule
--   (`annual`: last = the year's last period, for stocks; sum = all periods, for flows;
--   mean = the mean of all periods). A year with a missing period (or, for `last`, without its
--   December / 4th quarter) is NULL with status '..' and is_complete = false — never a partial sum.
with facts as (
    select f.*, i.annual_rule
    from {{ ref('fact_kommune_indicators') }} f
    join {{ ref('dim_indicator') }} i using (indicator_id)
),
annual as (
    select
        indicator_id, source_id, kommune_nr, kommune_nr_published, geo_resolution, period_id, dimensions,
        dimensions_key, value, status, 'P1Y' as rolled_up_from, 1 as periods_used, true as is_complete
    from facts
    where period_grain = 'P1Y'
),
sub_annual as (
    select
        indicator_id, source_id, kommune_nr, min(kommune_nr_published) as kommune_nr_published,
        min(geo_resolution) as geo_resolution, extract(year from period_end)::int::text as period_id,
        dimensions, dimensions_key, annual_rule, period_grain,
        count(*) as periods_used,
        count(*) = case period_grain when 'P1M' then 12 else 4 end as all_periods,
        bool_and(value is not null) as all_values,
        sum(value) as total,
        avg(value) as average,
        (array_agg(value order by period_end desc))[1] as last_value,
        max(period_end) = make_date(extract(year from max(period_end))::int, 12, 31) as has_year_end,
        (array_agg(status order by period_end desc) filter (where status is not null))[1] as some_status
    from facts
    where period_grain in ('P1M', 'P3M')
    group by indicator_id, source_id, kommune_nr, extract(year from period_end), dimensions, dimensions_key,
             annual_rule, period_grain
),
rolled as (
    select
        indicator_id, source_id, kommune_nr, kommune_nr_published, geo_resolution, period_id, dimensions,
        dimensions_key,
        case
            when annual_rule = 'last' and has_year_end then last_value
            when annual_rule = 'sum' and all_periods and all_values then total
            when annual_rule = 'mean' and all_periods and all_values then average
        end as value,
        period_grain as rolled_up_from,
        periods_used::int,
        case annual_rule when 'last' then has_year_end else all_periods and all_values end as is_complete,
        some_status
    from sub_annual
)
select
    indicator_id, source_id, kommune_nr, kommune_nr_published, geo_resolution, period_id, dimensions,
    dimensions_key, value, status, rolled_up_from, periods_used, is_complete
from annual
union all
select
    indicator_id, source_id, kommune_nr, kommune_nr_published, geo_resolution, period_id, dimensions,
    dimensions_key, value,
    case when value is null then coalesce(some_status, '..') end as status,
    rolled_up_from, periods_used, is_complete
from rolled
