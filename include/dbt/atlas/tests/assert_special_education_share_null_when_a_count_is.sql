-- The special-education share is NULL exactly when it cannot be read off the two published counts
-- of the same unit and year: a hidden (`*`) or missing count, or no pupils. It is never filled in
-- (from the kommune total, the other schools or another year), and a present share is the ratio of
-- the row's own two counts.
select region_level, region_code, period_id, dimensions_key
from {{ ref('fact_school_special_education_share') }}
where (share_pct is null) <> (elever is null or elever_spesialundervisning is null or elever = 0)
   or (share_pct is null) <> (status is not null)
   or (share_pct is not null and abs(share_pct - 100.0 * elever_spesialundervisning / elever) > 1e-9)
