-- NGO supply (issue 4): Brønnøysund's Enhetsregister entities of the NGOs in the landscape, and
-- the Red Cross branches with their activities. Personal data is never stored: no contact
-- names, e-mails or phone numbers, no c/o address lines (see the parsers' docstrings).

-- Enhetsregister entities found by each NGO's `brreg_query` (include/sources/ngo-landscape).
-- Upserted per orgnr (the loader's slice column): a run replaces the rows of the entities it saw
-- and never deletes the others. An entity the queries no longer return is re-read by orgnr in
-- the same run (`seen_via = 'details'`): a deletion comes back with `slettedato`, a live entity
-- that no longer matches keeps its current data with no matched NGO. `ingest_run_id` and
-- `loaded_at` say when a row was last seen.
CREATE TABLE IF NOT EXISTS raw.brreg_enheter (
    orgnr                              text        PRIMARY KEY,
    source_id                          text        NOT NULL,
    navn                               text        NOT NULL,
    organisasjonsform                  text,
    organisasjonsform_beskrivelse      text,
    registrert_dato                    date,       -- registreringsdatoEnhetsregisteret
    stiftelsesdato                     date,
    i_frivillighetsreg                 boolean,    -- registrertIFrivillighetsregisteret
    antall_ansatte                     integer,
    konkurs                            boolean,
    under_avvikling                    boolean,
    under_tvangsavvikling              boolean,    -- underTvangsavviklingEllerTvangsopplosning
    forretningsadresse_kommunenummer   text,       -- as registered (may be a pre-2024 code)
    postadresse_kommunenummer          text,
    naeringskode1                      text,
    hjemmeside                         text,
    slettedato                         date,       -- set when Brreg reports the entity deleted
    matched_ngo_slugs                  text[]      NOT NULL DEFAULT '{}',
    seen_via                           text        NOT NULL,   -- search | details
    raw_payload                        jsonb       NOT NULL,   -- the entity, c/o lines removed
    record_hash                        text        NOT NULL,
    ingest_run_id                      bigint      NOT NULL,
    loaded_at                          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS brreg_enheter_source_idx ON raw.brreg_enheter (source_id);

-- Red Cross branches from the Organizations API export (getOrganizations), replaced whole per
-- load: the export is a complete snapshot, terminated branches included.
CREATE TABLE IF NOT EXISTS raw.redcross_branches (
    source_id              text        NOT NULL,
    branch_id              text        NOT NULL,   -- L###, D###, S###, RK##
    branch_number          text,
    organization_number    text,                   -- the branch's own orgnr, when present
    branch_type            text        NOT NULL,   -- Lokalforening | Distrikt | Nasjonalkontoret | Ukjent
    branch_name            text        NOT NULL,
    is_active              boolean,
    is_terminated          boolean,
    creation_date          date,
    parent_branch_id       text,
    parent_branch_number   text,
    parent_branch_name     text,
    parent_branch_type     text,
    organization_level     text,
    municipality           text,                   -- as published (a name, not a code)
    county                 text,
    region                 text,
    postal_code            text,
    post_office            text,
    web_url                text,
    kommune_nr             text,                   -- resolved: postnummer first, then the name
    kommune_resolution     text,                   -- postnummer | name | name+fylke | unresolved | ambiguous
    kommune_confidence     numeric(3, 2),
    kommune_note           text,                   -- why a branch without a kommune has none
    activity_count         integer     NOT NULL,
    dump_timestamp         timestamptz,            -- metadata.timestamp of the export
    raw_payload            jsonb       NOT NULL,   -- allow-listed fields only (no contacts)
    record_hash            text        NOT NULL,
    ingest_run_id          bigint      NOT NULL,
    loaded_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, branch_id)
);

CREATE TABLE IF NOT EXISTS raw.redcross_branch_activities (
    source_id              text        NOT NULL,
    branch_id              text        NOT NULL,
    activity_seq           integer     NOT NULL,   -- position in branchActivities (1-based)
    global_activity_name   text        NOT NULL,   -- verbatim
    global_activity_slug   text        NOT NULL,   -- atlas_ingest.families.ngo.text.slugify
    local_activity_name    text,
    ingest_run_id          bigint      NOT NULL,
    loaded_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, branch_id, activity_seq)
);
