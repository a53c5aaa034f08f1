{#- Every statistical source's staging model, stacked. Add a source here when you add its
    stg_<source>__observations model (tests/unit/test_dbt_project.py checks the two agree). -#}
{%- set observation_models = [
    'stg_bufdir_barnefattigdom__observations',
    'stg_bufdir_barnevern__observations',
    'stg_dsb_kommuneundersokelsen__observations',
    'stg_fhi_alkohol__observations',
    'stg_fhi_depresjon__observations',
    'stg_fhi_ensomhet__observations',
    'stg_fhi_fortrolig_venn__observations',
    'stg_fhi_hasj__observations',
    'stg_fhi_innvandrere__observations',
    'stg_fhi_innvkat__observations',
    'stg_fhi_kpr_psykisk__observations',
    'stg_fhi_livskvalitet__observations',
    'stg_fhi_mediebruk_skjerm__observations',
    'stg_fhi_mediebruk_sosiale__observations',
    'stg_fhi_mediebruk_spill__observations',
    'stg_fhi_mobbing__observations',
    'stg_fhi_neet__observations',
    'stg_fhi_smertestillende__observations',
    'stg_fhi_trangbodd__observations',
    'stg_fhi_vgs_gjennomforing__observations',
    'stg_helsedir_fastlege__observations',
    'stg_husbanken_statistikkbank__observations',
    'stg_imdi_bosetting__observations',
    'stg_imdi_innvandringsgrunn_kjonn__observations',
    'stg_imdi_landbakgrunn__observations',
    'stg_nav_aap__observations',
    'stg_nav_helt_ledige__observations',
    'stg_nav_sykefravaer__observations',
    'stg_nav_uforetrygd__observations',
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
    'stg_udir_elevundersokelsen__observations',
    'stg_udir_fravar__observations',
    'stg_udir_gsi__observations',
    'stg_udir_nasjonale_prover__observations',
    'stg_udir_sluttet_vgs__observations',
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
