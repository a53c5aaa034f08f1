-- The manifests' metadata, as mirrored into raw.source_registry.
select
    source_id, provider, family, title, description, eu_theme, licence, cadence, period_grain,
    geo_levels, presentation_policy, methodology_version, methodology_note, raw_table, min_rows,
    freshness_budget_days, manifest
from {{ source('raw', 'source_registry') }}
