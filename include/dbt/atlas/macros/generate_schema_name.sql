{#- Use the configured schema verbatim (staging, intermediate, marts, reference) instead of
    dbt's default "<target schema>_<custom schema>", so analysts query marts.* directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
