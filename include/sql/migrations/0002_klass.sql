-- SSB Klass classifications (kommuner 131, fylker 104, bydeler 103, sentralitet 128):
-- one row per code per classification version (or per `codesAt` date), replaced per
-- (source_id, valid_from): valid_from is the version's first day, or the date asked for.
CREATE TABLE IF NOT EXISTS raw.klass_codes (
    source_id         text    NOT NULL,
    classification_id integer NOT NULL,
    version_id        integer,             -- NULL for codesAt answers (no version in the body)
    version_name      text    NOT NULL,
    valid_from        date    NOT NULL,
    valid_to          date,                -- exclusive; NULL = still valid
    code              text    NOT NULL,
    parent_code       text,
    level             text    NOT NULL,
    name              text    NOT NULL,
    short_name        text,
    notes             text,
    ingest_run_id     bigint  NOT NULL,
    loaded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, valid_from, code)
);

-- Klass change tables (/classifications/{id}/changes): old code -> new code on a date.
CREATE TABLE IF NOT EXISTS raw.klass_changes (
    source_id         text    NOT NULL,
    classification_id integer NOT NULL,
    old_code          text    NOT NULL,
    old_name          text,
    new_code          text    NOT NULL,
    new_name          text,
    change_occurred   date    NOT NULL,
    ingest_run_id     bigint  NOT NULL,
    loaded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, old_code, new_code, change_occurred)
);

-- Klass correspondence tables (e.g. sentralitet 128 -> kommune 131, bydel 103 -> kommune).
CREATE TABLE IF NOT EXISTS raw.klass_correspondences (
    source_id         text    NOT NULL,
    correspondence_id integer NOT NULL,
    source_code       text    NOT NULL,
    source_name       text,
    target_code       text    NOT NULL,
    target_name       text,
    valid_from        date,
    valid_to          date,
    ingest_run_id     bigint  NOT NULL,
    loaded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, correspondence_id, source_code, target_code)
);
