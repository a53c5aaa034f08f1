{#- Start and end dates of a canonical period id of a known grain (see atlas_ingest.periods). -#}
{% macro period_start(period_id, grain) -%}
case {{ grain }}
    when 'P1Y' then make_date(left({{ period_id }}, 4)::int, 1, 1)
    when 'P1M' then make_date(left({{ period_id }}, 4)::int, substr({{ period_id }}, 6, 2)::int, 1)
    when 'P3M' then make_date(left({{ period_id }}, 4)::int, (substr({{ period_id }}, 6, 1)::int - 1) * 3 + 1, 1)
    when 'SCHOOL_YEAR' then make_date(left({{ period_id }}, 4)::int, 8, 1)
    when 'POINT' then {{ period_id }}::date
    else make_date(left({{ period_id }}, 4)::int, 1, 1)
end
{%- endmacro %}

{% macro period_end(period_id, grain) -%}
case {{ grain }}
    when 'P1Y' then make_date(left({{ period_id }}, 4)::int, 12, 31)
    when 'P1M' then (make_date(left({{ period_id }}, 4)::int, substr({{ period_id }}, 6, 2)::int, 1)
                     + interval '1 month - 1 day')::date
    when 'P3M' then (make_date(left({{ period_id }}, 4)::int, (substr({{ period_id }}, 6, 1)::int - 1) * 3 + 1, 1)
                     + interval '3 months - 1 day')::date
    when 'SCHOOL_YEAR' then make_date(right({{ period_id }}, 4)::int, 7, 31)
    when 'POINT' then {{ period_id }}::date
    else make_date(right({{ period_id }}, 4)::int, 12, 31)
end
{%- endmacro %}
