-- Every period any source publishes, with its grain and first/last day. The grain comes from the
-- source's manifest: "2023-2024" is a school year for one source and a 2-year window for another.
with periods as (
    select distinct o.period_id, r.period_grain
    from {{ ref('int_observations__unioned') }} o
    join {{ ref('stg_atlas__source_registry') }} r using (source_id)
)
select
    period_id || '|' || period_grain                as period_key,
    period_id,
    period_grain,
    {{ period_start('period_id', 'period_grain') }} as start_date,
    {{ period_end('period_id', 'period_grain') }}   as end_date,
    extract(year from {{ period_end('period_id', 'period_grain') }})::int as reference_year
from periods
