-- No suppressed cell can be recovered by subtraction from what Atlas publishes: an aggregate
-- with a value never has a suppressed or missing component, never sits on a suppressed upstream
-- total, and never sums a different number of components than its parent has.
select *
from {{ ref('fact_indicator_rollups') }}
where value is not null
  and (components_suppressed > 0
       or components_missing > 0
       or components_published <> components_expected
       or (upstream_total is null and upstream_total_status is not null
           and upstream_total_status not in ('..', '...', '-')))
