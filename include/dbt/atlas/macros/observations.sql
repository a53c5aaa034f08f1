{#- Staging for one source's rows in raw.observations: cast, name, decode the status marker.
    Every statistical source's stg_<source>__observations model is this macro, so the rules
    (value NULL iff a marker; a suppressed cell is never 0) live in one place. -#}
{% macro stg_observations(source_id) %}
select
    o.source_id,
    o.table_id,
    o.source_id || ':' || o.contents_code          as indicator_id,
    o.contents_code,
    o.region_code,
    o.region_level,
    o.period_id,
    o.dimensions,
    o.dimensions::text                               as dimensions_key,
    o.value::numeric                                 as value,
    o.status,
    {{ decode_status('o.status') }}                  as status_meaning,
    o.status is not null                             as is_missing,
    o.ingest_run_id,
    o.loaded_at
from {{ source('raw', 'observations') }} as o
where o.source_id = '{{ source_id }}'
{% endmacro %}

{#- SSB's symbols (also used by FHI, NAV, Udir in their own ways; each manifest lists the ones
    its source uses). -#}
{% macro decode_status(column) -%}
case {{ column }}
    when '..'  then 'missing'
    when '...' then 'not_yet_available'
    when '.'   then 'not_applicable'
    when ':'   then 'confidential'
    when '-'   then 'nil'
    when '*'   then 'suppressed'
    else case when {{ column }} is null then null else 'other' end
end
{%- endmacro %}
