-- Every source's manifest metadata, so the marts (dim_indicator, mart_ingest_health) read the
-- manifests' truth (theme, policy, cadence, freshness budget) without a hand-kept copy.
-- Upserted by `make setup` for all sources and by each run's discover step for its own source.
CREATE TABLE IF NOT EXISTS raw.source_registry (
    source_id             text PRIMARY KEY,
    provider              text        NOT NULL,
    family                text        NOT NULL,
    title                 text        NOT NULL,
    description           text        NOT NULL,
    eu_theme              text        NOT NULL,
    licence               text        NOT NULL,
    cadence               text        NOT NULL,
    period_grain          text        NOT NULL,
    geo_levels            text[]      NOT NULL,
    presentation_policy   text        NOT NULL,
    methodology_version   text        NOT NULL,
    methodology_note      text,
    raw_table             text        NOT NULL,
    min_rows              integer     NOT NULL,
    freshness_budget_days integer     NOT NULL,
    manifest              jsonb       NOT NULL,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
