{#- Every statistical source's staging model, stacked. Add a source here when you add its
    stg_<source>__observations model (tests/unit/test_dbt_project.py checks the two agree). -#}
{%- set observation_models = [
    'stg_ssb_06083__observations',
    'stg_ssb_06913__observations',
    'stg_ssb_06944__observations',
    'stg_ssb_06947__observations',
    'stg_ssb_07459__observations',
    'stg_ssb_08484__observations',
    'stg_ssb_08487__observations',
    'stg_ssb_08764__observations',
    'stg_ssb_09405__observations',
    'stg_ssb_09406__observations',
    'stg_ssb_09429__observations',
    'stg_ssb_10826__observations',
    'stg_ssb_12063__observations',
    'stg_ssb_12131__observations',
    'stg_ssb_12132__observations',
    'stg_ssb_12292__observations',
    'stg_ssb_12944__observations',
    'stg_ssb_13995__observations',
] -%}

{% for model in observation_models %}
select * from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
{#- Sources without a staging model yet (tests build constructed sources this way):
    dbt build --vars '{extra_observation_sources: [ssb-99998]}' -#}
{% for source_id in var('extra_observation_sources', []) %}
union all
{{ stg_observations(source_id) }}
{% endfor %}
