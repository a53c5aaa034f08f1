-- Long format: one row per indicator x kommune x period x breakdown (the cube's other
-- dimensions, as jsonb). Cells that are logically impossible upstream (status '.', e.g. a
-- kommune that did not exist that year) are left out; suppressed and missing cells stay, with
-- value NULL and their marker — never 0.
with observations as (
    select o.*, r.period_grain
    from {{ ref('int_observations__unioned') }} o
    join {{ ref('stg_atlas__source_registry') }} r using (source_id)
    where o.region_level = 'kommune'
      and o.status is distinct from '.'
),
with_period as (
    select o.*, p.start_date, p.end_date
    from observations o
    join {{ ref('dim_period') }} p using (period_id, period_grain)
)
select
    o.indicator_id,
    o.source_id,
    o.table_id,
    o.contents_code,
    o.region_code                                   as kommune_nr_published,
    o.region_code                                   as kommune_nr,
    case
        when k.kommune_nr is null then 'unknown_code'
        when k.is_current then 'exact'
        else 'historical'
    end                                             as geo_resolution,
    o.period_id,
    o.period_grain,
    o.start_date                                    as period_start,
    o.end_date                                      as period_end,
    o.dimensions,
    o.dimensions_key,
    o.value,
    o.status,
    o.status_meaning,
    o.is_missing,
    o.ingest_run_id,
    o.loaded_at
from with_period o
left join lateral (
    -- the kommune version valid on the period's last day (or its latest version)
    select d.kommune_nr, d.is_current
    from {{ ref('dim_kommune') }} d
    where d.kommune_nr = o.region_code
    order by (d.valid_from <= o.end_date and (d.valid_to is null or d.valid_to > o.end_date)) desc, d.valid_from desc
    limit 1
) k on true
