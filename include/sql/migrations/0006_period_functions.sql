-- First and last day of a canonical period id of a known grain (atlas_ingest.periods is the
-- Python twin; tests/unit/test_periods_sql.py holds the two to the same answers). Used by the
-- loader's geography check and by dbt's dim_period.
CREATE OR REPLACE FUNCTION raw.period_start(period_id text, grain text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE grain
        WHEN 'P1Y' THEN make_date(left(period_id, 4)::int, 1, 1)
        WHEN 'P1M' THEN make_date(left(period_id, 4)::int, substr(period_id, 6, 2)::int, 1)
        WHEN 'P3M' THEN make_date(left(period_id, 4)::int, (substr(period_id, 6, 1)::int - 1) * 3 + 1, 1)
        WHEN 'SCHOOL_YEAR' THEN make_date(left(period_id, 4)::int, 8, 1)
        WHEN 'POINT' THEN period_id::date
        ELSE make_date(left(period_id, 4)::int, 1, 1)          -- P2Y, P3Y, P5Y: 'YYYY-YYYY'
    END
$$;

CREATE OR REPLACE FUNCTION raw.period_end(period_id text, grain text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE grain
        WHEN 'P1Y' THEN make_date(left(period_id, 4)::int, 12, 31)
        WHEN 'P1M' THEN (make_date(left(period_id, 4)::int, substr(period_id, 6, 2)::int, 1)
                         + interval '1 month - 1 day')::date
        WHEN 'P3M' THEN (make_date(left(period_id, 4)::int, (substr(period_id, 6, 1)::int - 1) * 3 + 1, 1)
                         + interval '3 months - 1 day')::date
        WHEN 'SCHOOL_YEAR' THEN make_date(right(period_id, 4)::int, 7, 31)
        WHEN 'POINT' THEN period_id::date
        ELSE make_date(right(period_id, 4)::int, 12, 31)
    END
$$;
