-- The postnummer register (Posten/Bring), replaced whole on each change.
CREATE TABLE IF NOT EXISTS raw.postnummer (
    source_id      text    NOT NULL,
    postnummer     text    NOT NULL,
    poststed       text    NOT NULL,
    kommune_nr     text    NOT NULL,      -- as the register publishes it
    kommune_name   text    NOT NULL,
    category       text    NOT NULL,      -- B, G, P, S
    ingest_run_id  bigint  NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, postnummer)
);

-- Derived from Klass 131 by atlas_ingest.geo during the ssb-klass-kommuner parse: every code
-- valid since 2018 → the code(s) valid today, and how (see geo.py for the change kinds).
CREATE TABLE IF NOT EXISTS raw.kommune_crosswalk (
    source_id        text    NOT NULL,
    kommune_nr       text    NOT NULL,
    kommune_name     text    NOT NULL,      -- its last name
    valid_from       date    NOT NULL,
    valid_to         date,
    current_kommune_nr text  NOT NULL,
    n_current        integer NOT NULL,      -- how many current codes it became (>1: split)
    change_kind      text    NOT NULL,
    change_dates     date[]  NOT NULL,
    ingest_run_id    bigint  NOT NULL,
    loaded_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, kommune_nr, current_kommune_nr)
);

CREATE TABLE IF NOT EXISTS raw.fylke_crosswalk (
    source_id        text    NOT NULL,
    fylke_nr         text    NOT NULL,
    valid_from       date    NOT NULL,
    valid_to         date,
    current_fylke_nr text    NOT NULL,
    n_current        integer NOT NULL,
    change_kind      text    NOT NULL,
    ingest_run_id    bigint  NOT NULL,
    loaded_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, fylke_nr, current_fylke_nr)
);

-- Every known spelling of every kommune name since 2018 → the code that carried it.
CREATE TABLE IF NOT EXISTS raw.kommune_names (
    source_id            text    NOT NULL,
    spelling             text    NOT NULL,
    name_key             text    NOT NULL,   -- atlas_ingest.geo.fold(spelling)
    kommune_nr           text    NOT NULL,
    official_name        text    NOT NULL,
    variant              text    NOT NULL,   -- official | name | parallel | with_suffix | ascii | ascii_aa
    valid_from           date    NOT NULL,
    valid_to             date,
    current_kommune_nrs  text[]  NOT NULL,
    is_ambiguous         boolean NOT NULL,
    ingest_run_id        bigint  NOT NULL,
    loaded_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, spelling, kommune_nr, valid_from)
);
CREATE INDEX IF NOT EXISTS kommune_names_key_idx ON raw.kommune_names (name_key);
