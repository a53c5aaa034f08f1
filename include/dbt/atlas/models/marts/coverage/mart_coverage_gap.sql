-- The coverage-gap question (research 003, Signe): for every need x period x service category
-- of the seed coverage_gap_parameters, the current kommuner where the need indicator is in the
-- top `top_fraction` (0.25 = top quartile) and no active local chapter of any covered NGO
-- offers the category.
--
-- Each row says how sure Atlas is (`confidence`):
--   confirmed                        need in the top group (a published value) and supply 'none'
--                                    (fact_kommune_supply: every covered NGO's data is healthy)
--   supply_unknown                   need in the top group, but an NGO's chapter data is failed,
--                                    stale, never loaded or has a quarantined chapter that may be
--                                    here: NOT a gap, only a place to look
--   need_suppressed                  the need cell is suppressed upstream (':' …), no supply —
--                                    unknown need, which is not low need
--   need_suppressed_supply_unknown   both unknown
--   need_missing / need_missing_supply_unknown
--                                    upstream has no figure ('..'); kommuner without any row for
--                                    the indicator (not_published in fact_kommune_need) are left out
-- Only `confirmed` rows are gaps (`is_gap`). Kommuner with low need, or with supply present,
-- are not in this mart. A kommune is never a gap because a scrape broke: a failed or stale NGO
-- source turns its rows into supply_unknown.
--
-- Need values, thresholds and need_status come from fact_kommune_need (see there).
with with_supply as (
    select n.*, s.supply_status, s.supply_unknown_reason, s.active_chapters, s.ngos_covered,
           s.population                                                  as kommune_population
    from {{ ref('fact_kommune_need') }} n
    join {{ ref('fact_kommune_supply') }} s
      on s.kommune_nr = n.kommune_nr and s.service_category_code = n.service_category_code
    where n.need_status in ('high', 'suppressed', 'missing') and s.supply_status <> 'present'
)
select
    w.need_id,
    w.indicator_id,
    i.indicator_label,
    i.presentation_policy,
    w.dimensions,
    w.period_id,
    w.service_category_code,
    w.kommune_nr,
    w.kommune_name,
    w.fylke_nr,
    w.fylke_name,
    w.need_direction,
    w.top_fraction,
    w.need_value,
    w.threshold,
    w.indicator_value,
    w.indicator_status,
    w.denominator_age_group,
    w.denominator_period_id,
    w.denominator_population,
    w.need_status,
    w.supply_status,
    w.need_status = 'high' and w.supply_status = 'none'                 as is_gap,
    case
        when w.need_status = 'high' and w.supply_status = 'none' then 'confirmed'
        when w.need_status = 'high' then 'supply_unknown'
        when w.supply_status = 'none' then 'need_' || w.need_status
        else 'need_' || w.need_status || '_supply_unknown'
    end                                                                 as confidence,
    concat_ws('; ',
        case w.need_status
            when 'high' then 'need ' || round(w.need_value, 2) || case when w.need_direction = 'low' then ' <= ' else ' >= ' end
                             || round(w.threshold::numeric, 2) || ' (top ' || round(w.top_fraction * 100) || ' % of '
                             || w.kommuner_with_value || ' kommuner)'
            when 'suppressed' then 'need suppressed upstream (' || w.indicator_status || '): unknown, not low'
            else coalesce('need not available upstream (' || w.indicator_status || ')',
                          'no population denominator for the per-capita need')
        end,
        case w.supply_status
            when 'none' then 'no active local chapter of ' || array_to_string(w.ngos_covered, ', ') || ' offers ' || w.service_category_code
            else 'supply unknown: ' || w.supply_unknown_reason
        end)                                                            as confidence_reason,
    w.ngos_covered,
    w.kommune_population,
    w.label_no                                                          as need_label_no,
    w.label_en                                                          as need_label_en
from with_supply w
left join {{ ref('dim_indicator') }} i on i.indicator_id = w.indicator_id
