{#- First/last day of a canonical period id: the SQL functions raw.period_start/raw.period_end
    (include/sql/migrations/0006), shared with the loader's geography check. -#}
{% macro period_start(period_id, grain) -%}
raw.period_start({{ period_id }}, {{ grain }})
{%- endmacro %}

{% macro period_end(period_id, grain) -%}
raw.period_end({{ period_id }}, {{ grain }})
{%- endmacro %}
