-- A suppressed school cell stays NULL through the marts: in fact_school_indicators a row is NULL
-- exactly when it carries a marker, and a kommune sum over schools is NULL whenever one of its
-- schools is hidden — it is never the sum of the visible schools, nor the published total.
select 'fact_school_indicators' as model, indicator_id, orgnr as unit, period_id
from {{ ref('fact_school_indicators') }}
where (value is null) <> (status is not null) or (status = '*' and value is not null)
union all
select 'fact_school_indicators_by_kommune', indicator_id, kommune_nr, period_id
from {{ ref('fact_school_indicators_by_kommune') }}
where (schools_hidden > 0 and value is not null) or (value is null) <> (status is not null)
