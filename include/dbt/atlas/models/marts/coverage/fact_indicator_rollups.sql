-- Where Atlas aggregates published cells itself: kommune -> fylke and bydel -> kommune sums of
-- additive indicators (measures kind count/amount), on today's geography, with a disclosure
-- check. One row per rollup x parent region x indicator x period x breakdown.
--
-- A suppressed cell must never be recoverable by subtraction. If Atlas published the sum of a
-- parent's other components next to the parent's total (upstream's own row, or Atlas's sum),
-- total - sum would give the suppressed cell back. So:
--   component_suppressed       a component is suppressed (':', '*', or a marker Atlas does not
--                              know): the aggregate is suppressed too (NULL, ':')
--   total_suppressed_upstream  every component is published but upstream suppressed the
--                              parent's own total: Atlas's sum would reveal it (NULL, ':')
--   incomplete                 a component is missing ('..', or no row on today's geography):
--                              NULL '..' — never a partial sum (not a disclosure matter)
--   ok                         value = the sum of the components
-- `upstream_total_discloses` marks parents where upstream itself publishes the total and all
-- but one component, the one suppressed: that cell can be computed from the upstream rows
-- alone; Atlas shows its own aggregate as suppressed and raises the flag for review.
-- '-' (SSB: nil, a true zero) counts as a published 0. The rules are dbt tests
-- (tests/assert_no_disclosure_by_subtraction.sql) and an integration test on hand-built rows.
with additive as (
    select indicator_id from {{ ref('dim_indicator') }} where is_additive
),
kommune_components as (
    select
        'kommune_to_fylke'                     as rollup,
        k.fylke_nr                             as parent_code,
        f.kommune_nr                           as component_code,
        f.indicator_id, f.source_id, f.period_id, f.dimensions, f.dimensions_key, f.value, f.status
    from {{ ref('fact_kommune_indicators') }} f
    join additive a using (indicator_id)
    join {{ ref('dim_kommune') }} k on k.kommune_nr = f.kommune_nr and k.is_current
    where f.is_current_geography
),
bydel_components as (
    select
        'bydel_to_kommune'                     as rollup,
        b.kommune_nr                           as parent_code,
        b.bydel_nr                             as component_code,
        b.indicator_id, b.source_id, b.period_id, b.dimensions, b.dimensions_key, b.value, b.status
    from {{ ref('fact_bydel_indicators') }} b
    join additive a using (indicator_id)
    where b.geo_resolution <> 'unresolved'
),
components as (
    select * from kommune_components
    union all
    select * from bydel_components
),
expected as (
    select 'kommune_to_fylke' as rollup, fylke_nr as parent_code, count(*) as components_expected
    from {{ ref('dim_kommune') }} where is_current group by fylke_nr
    union all
    select 'bydel_to_kommune', kommune_nr, count(*) from {{ ref('dim_bydel') }} group by kommune_nr
),
classified as (
    select
        c.*,
        case
            when c.value is not null or c.status = '-' then 'published'
            when c.status in ('..', '...') then 'missing'
            else 'suppressed'
        end                                    as cell_state
    from components c
),
grouped as (
    select
        rollup, parent_code, indicator_id, source_id, period_id, dimensions, dimensions_key,
        count(*) filter (where cell_state = 'published')                         as components_published,
        count(*) filter (where cell_state = 'suppressed')                        as components_suppressed,
        count(*) filter (where cell_state = 'missing')                           as components_missing,
        sum(coalesce(value, 0)) filter (where cell_state = 'published')          as published_sum,
        (array_agg(status order by component_code) filter (where cell_state = 'suppressed'))[1] as suppressed_marker
    from classified
    group by rollup, parent_code, indicator_id, source_id, period_id, dimensions, dimensions_key
),
upstream_fylke as (
    select indicator_id, period_id, dimensions_key, region_code as parent_code, value, status
    from {{ ref('int_observations__unioned') }}
    where region_level = 'fylke'
),
upstream_kommune as (
    select indicator_id, period_id, dimensions_key, kommune_nr as parent_code, value, status
    from {{ ref('fact_kommune_indicators') }}
    where is_current_geography
),
with_totals as (
    select
        g.*,
        e.components_expected,
        coalesce(uf.value, uk.value)                                             as upstream_total,
        coalesce(uf.status, uk.status)                                           as upstream_total_status,
        (uf.parent_code is not null or uk.parent_code is not null)               as has_upstream_total
    from grouped g
    join expected e using (rollup, parent_code)
    left join upstream_fylke uf
      on g.rollup = 'kommune_to_fylke' and uf.indicator_id = g.indicator_id and uf.period_id = g.period_id
     and uf.dimensions_key = g.dimensions_key and uf.parent_code = g.parent_code
    left join upstream_kommune uk
      on g.rollup = 'bydel_to_kommune' and uk.indicator_id = g.indicator_id and uk.period_id = g.period_id
     and uk.dimensions_key = g.dimensions_key and uk.parent_code = g.parent_code
),
flagged as (
    select
        *,
        case
            when components_suppressed > 0 then 'component_suppressed'
            when components_published < components_expected then 'incomplete'
            when has_upstream_total and upstream_total is null
             and upstream_total_status is not null and upstream_total_status not in ('..', '...', '-') then 'total_suppressed_upstream'
            else 'ok'
        end                                                                      as disclosure_flag
    from with_totals
)
select
    f.rollup,
    case f.rollup when 'kommune_to_fylke' then 'fylke' else 'kommune' end          as parent_level,
    f.parent_code,
    coalesce(fy.fylke_name, ko.kommune_name)                                     as parent_name,
    f.indicator_id,
    f.source_id,
    f.period_id,
    f.dimensions,
    f.dimensions_key,
    f.components_expected,
    f.components_published,
    f.components_suppressed,
    f.components_missing,
    case when disclosure_flag = 'ok' then published_sum end                      as value,
    case disclosure_flag
        when 'ok' then null
        when 'incomplete' then '..'
        when 'component_suppressed' then coalesce(suppressed_marker, ':')
        else ':'
    end                                                                          as status,
    disclosure_flag,
    disclosure_flag in ('component_suppressed', 'total_suppressed_upstream')     as is_disclosure_suppressed,
    upstream_total,
    upstream_total_status,
    (components_suppressed = 1 and components_published = components_expected - 1
     and upstream_total is not null)                                             as upstream_total_discloses
from flagged f
left join {{ ref('dim_fylke') }} fy on f.rollup = 'kommune_to_fylke' and fy.fylke_nr = f.parent_code
left join {{ ref('dim_kommune') }} ko on f.rollup = 'bydel_to_kommune' and ko.kommune_nr = f.parent_code and ko.is_current
