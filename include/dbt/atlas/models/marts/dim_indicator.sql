-- One row per source x contents code: what an indicator is, its theme and how it may be shown.
select
    c.indicator_id,
    c.source_id,
    c.table_id,
    c.contents_code,
    c.indicator_label,
    c.unit,
    c.decimals,
    c.measuring_type,
    c.reference_time,
    c.table_title,
    r.provider,
    r.title                 as source_title,
    r.eu_theme,
    r.presentation_policy,
    r.cadence,
    r.period_grain,
    r.methodology_version,
    r.licence
from {{ ref('stg_atlas__indicator_catalog') }} c
join {{ ref('stg_atlas__source_registry') }} r using (source_id)
