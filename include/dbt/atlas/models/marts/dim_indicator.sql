-- One row per source x contents code: what an indicator is, its theme, how it may be shown, and
-- what it measures (the manifest's `measures`: kind, whether it is additive, the annual rule).
with catalog as (
    select
        c.*,
        r.provider, r.title as source_title, r.eu_theme, r.presentation_policy, r.cadence, r.period_grain,
        r.methodology_version, r.methodology_note, r.licence,
        coalesce(r.manifest -> 'measures' -> 'by_code' -> c.contents_code, r.manifest -> 'measures' -> 'default') as measure,
        -- a source merging several statistics names each table's methodology in its parser options
        -- (Bufdir: `parse.options.indicators.<table_id>.methodology_kind`); otherwise NULL
        r.manifest -> 'parse' -> 'options' -> 'indicators' -> c.table_id ->> 'methodology_kind' as methodology_kind
    from {{ ref('stg_atlas__indicator_catalog') }} c
    join {{ ref('stg_atlas__source_registry') }} r using (source_id)
)
select
    indicator_id,
    source_id,
    table_id,
    contents_code,
    indicator_label,
    unit,
    decimals,
    measuring_type,
    reference_time,
    table_title,
    provider,
    source_title,
    eu_theme,
    presentation_policy,
    cadence,
    period_grain,
    methodology_version,
    methodology_note,
    methodology_kind,
    licence,
    measure ->> 'kind'                                   as measure_kind,
    (measure ->> 'kind') in ('count', 'amount')          as is_additive,
    measure ->> 'annual'                                 as annual_rule
from catalog
