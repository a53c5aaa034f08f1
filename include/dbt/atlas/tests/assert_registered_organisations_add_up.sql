-- fact_kommune_registered_organisations: a kommune's first-ranked counts (the NULL group included)
-- add up to its total, and every organisation dim_voluntary_organisation places in a current
-- kommune is counted exactly once.
with per_kommune as (
    select kommune_nr, sum(organisations_primary) as primary_sum, max(organisations_total) as total
    from {{ ref('fact_kommune_registered_organisations') }}
    group by kommune_nr
),
placed as (
    select count(*) as n from {{ ref('dim_voluntary_organisation') }} where kommune_nr is not null
)
select 'kommune ' || kommune_nr || ': primary counts sum to ' || primary_sum || ', total ' || total as problem
from per_kommune
where primary_sum <> total
union all
select 'the fact counts ' || (select sum(total) from per_kommune) || ' organisations, the dimension places ' || n
from placed
where n <> (select sum(total) from per_kommune)
