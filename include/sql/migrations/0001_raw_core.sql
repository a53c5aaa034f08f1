-- The shared raw layer: run bookkeeping, quarantine, and the long observation table that every
-- statistical source loads into. Applied idempotently by atlas_ingest.warehouse.migrate().

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS raw_staging;

-- One row per source per pipeline run, written by every step, including failed and skipped runs.
CREATE TABLE IF NOT EXISTS raw.ingest_runs (
    ingest_run_id       bigserial PRIMARY KEY,
    source_id           text        NOT NULL,
    run_key             text        NOT NULL,           -- the Airflow run_id, or cli-<uuid>
    dag_id              text,
    data_interval_start timestamptz,
    data_interval_end   timestamptz,
    status              text        NOT NULL DEFAULT 'running'
                        CHECK (status IN ('running', 'success', 'failed', 'skipped')),
    step                text        NOT NULL DEFAULT 'discover',
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    requests            integer     NOT NULL DEFAULT 0,
    bytes_fetched       bigint      NOT NULL DEFAULT 0,
    rows_in             integer,                          -- parsed, canonical rows
    rows_out            integer,                          -- rows now in raw for the replaced slices
    rows_quarantined    integer     NOT NULL DEFAULT 0,
    periods             text[],
    upstream_updated    timestamptz,                      -- e.g. PxWebApi metadata "updated"
    upstream_version    text,                             -- ETag, lastmod or content hash
    error               text,
    details             jsonb       NOT NULL DEFAULT '{}'::jsonb,
    UNIQUE (source_id, run_key)
);
CREATE INDEX IF NOT EXISTS ingest_runs_source_status_idx
    ON raw.ingest_runs (source_id, status, finished_at DESC);

-- Records a parser could not turn into canonical rows, with the reason; never silently dropped.
CREATE TABLE IF NOT EXISTS raw.quarantine (
    quarantine_id  bigserial PRIMARY KEY,
    source_id      text        NOT NULL,
    ingest_run_id  bigint      REFERENCES raw.ingest_runs (ingest_run_id) ON DELETE SET NULL,
    locator        text        NOT NULL,        -- URL, file/sheet/row, or JSON-stat cell index
    reason         text        NOT NULL,
    payload        jsonb,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS quarantine_source_idx ON raw.quarantine (source_id, ingest_run_id);

-- Long format for every statistical source. Replaced per (source_id, period_id) in one transaction.
CREATE TABLE IF NOT EXISTS raw.observations (
    source_id      text        NOT NULL,
    table_id       text        NOT NULL,
    region_code    text        NOT NULL,        -- as published
    region_level   text        NOT NULL,
    period_id      text        NOT NULL,        -- canonical period id (atlas_ingest.periods)
    contents_code  text        NOT NULL,
    dimensions     jsonb       NOT NULL DEFAULT '{}'::jsonb,   -- the cube's other dimensions
    value          numeric,                     -- NULL when suppressed or missing
    status         text,                        -- the upstream marker: '..', '.', ':', '-', …
    ingest_run_id  bigint      NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS observations_cell_uidx
    ON raw.observations (source_id, table_id, region_code, period_id, contents_code, dimensions);
CREATE INDEX IF NOT EXISTS observations_slice_idx ON raw.observations (source_id, period_id);

-- What each contents code means, from the upstream metadata (labels, unit, stock/flow).
CREATE TABLE IF NOT EXISTS raw.indicator_catalog (
    source_id       text NOT NULL,
    table_id        text NOT NULL,
    contents_code   text NOT NULL,
    label           text NOT NULL,
    unit            text,
    decimals        integer,
    measuring_type  text,      -- SSB: Stock | Flow | Average …; drives the annual roll-up rule
    reference_time  text,      -- SSB refperiod, e.g. '01.01'
    table_title     text,
    table_updated   timestamptz,
    ingest_run_id   bigint NOT NULL,
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, table_id, contents_code)
);
