-- Additive school figures (counts: measures.kind count/amount) summed over the schools of each
-- kommune (registered kommune, today's code): one row per indicator × kommune × school year ×
-- breakdown. If any school's cell is hidden (`*`) or empty, the sum is NULL with that marker —
-- it is never the sum of the visible schools, and never back-filled from the kommune total Udir
-- publishes (shown next to it as value_published, for comparison only). Shares, means, medians
-- and scale points are not aggregated: without the schools' denominators any average would be
-- invented; their kommune figures are the ones Udir publishes (fact_kommune_indicators).
with schools as (
    select * from {{ ref('fact_school_indicators') }} where is_additive
),
summed as (
    select
        indicator_id, source_id, table_id, contents_code, kommune_nr, period_id, period_grain, period_start,
        period_end, dimensions, dimensions_key,
        count(*)::int                                                       as schools,
        (count(*) filter (where value is null))::int                        as schools_hidden,
        case when bool_and(value is not null) then sum(value) end           as value,
        case when bool_and(value is not null) then null
             else (array_agg(status order by orgnr) filter (where status is not null))[1] end as status
    from schools
    group by indicator_id, source_id, table_id, contents_code, kommune_nr, period_id, period_grain, period_start,
             period_end, dimensions, dimensions_key
)
select
    s.*,
    {{ decode_status('s.status') }}                                          as status_meaning,
    k.value                                                                  as value_published,
    k.status                                                                 as status_published
from summed s
left join {{ ref('fact_kommune_indicators') }} k
       on k.indicator_id = s.indicator_id and k.kommune_nr = s.kommune_nr and k.period_id = s.period_id
      and k.dimensions_key = s.dimensions_key and k.is_current_geography
