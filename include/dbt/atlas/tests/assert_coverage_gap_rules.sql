-- The coverage-gap rules: a confirmed gap has high need and no supply, never supply present or
-- unknown; every flagged kommune lacks supply; a kommune whose supply is unknown (its NGO data
-- failed, stale or quarantined) is never confirmed.
select g.need_id, g.period_id, g.kommune_nr, g.confidence, 'confirmed without high need and no supply' as problem
from {{ ref('mart_coverage_gap') }} g
where g.confidence = 'confirmed' and (g.need_status <> 'high' or g.supply_status <> 'none' or not g.is_gap)
union all
select g.need_id, g.period_id, g.kommune_nr, g.confidence, 'flagged although supply is present'
from {{ ref('mart_coverage_gap') }} g
join {{ ref('fact_kommune_supply') }} s using (kommune_nr, service_category_code)
where s.supply_status = 'present'
union all
select g.need_id, g.period_id, g.kommune_nr, g.confidence, 'confirmed although supply is unknown'
from {{ ref('mart_coverage_gap') }} g
join {{ ref('fact_kommune_supply') }} s using (kommune_nr, service_category_code)
where g.confidence = 'confirmed' and s.supply_status <> 'none'
