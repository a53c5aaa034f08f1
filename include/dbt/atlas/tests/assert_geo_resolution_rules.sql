-- The reform rules of fact_kommune_indicators, as data: every returned row is a violation.
-- 1. a rate, share, median … is never summed across merged kommuner
select 'non-additive measure summed' as violation, f.indicator_id, f.kommune_nr, f.period_id
from {{ ref('fact_kommune_indicators') }} f
join {{ ref('dim_indicator') }} i using (indicator_id)
where f.geo_resolution = 'merged-summed' and not i.is_additive
union all
-- 2. split, ambiguous and non-additive merged rows stay on the code they were published on
select 'unresolved row moved', indicator_id, kommune_nr, period_id
from {{ ref('fact_kommune_indicators') }}
where geo_resolution in ('split-unresolved', 'ambiguous', 'merged-not-additive')
  and kommune_nr <> kommune_nr_published
union all
-- 3. current-geography rows are on today's codes
select 'current-geography row on a code not valid today', f.indicator_id, f.kommune_nr, f.period_id
from {{ ref('fact_kommune_indicators') }} f
where f.is_current_geography
  and not exists (select 1 from {{ ref('dim_kommune') }} d where d.kommune_nr = f.kommune_nr and d.is_current)
union all
-- 4. a renumbered row moved along its 1:1 crosswalk entry
select 'renumbered row off its crosswalk', f.indicator_id, f.kommune_nr, f.period_id
from {{ ref('fact_kommune_indicators') }} f
where f.geo_resolution = 'renumbered'
  and not exists (select 1 from {{ ref('crosswalk_kommune_reform') }} x
                   where x.kommune_nr = f.kommune_nr_published and x.current_kommune_nr = f.kommune_nr
                     and x.change_kind = 'renumbered')
union all
-- 5. value NULL exactly when a status marker says why
select 'value/status mismatch', indicator_id, kommune_nr, period_id
from {{ ref('fact_kommune_indicators') }}
where (value is null) <> (status is not null)
