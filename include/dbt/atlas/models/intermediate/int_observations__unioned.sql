{#- Every statistical source's staging model, stacked. Add a source here when you add its
    stg_<source>__observations model (tests/unit/test_dbt_project.py checks the two agree). -#}
{%- set observation_models = [
    'stg_ssb_07459__observations',
] -%}

{% for model in observation_models %}
select * from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
