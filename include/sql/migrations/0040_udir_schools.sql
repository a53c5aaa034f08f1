-- Udir (issue 10): the school roster. Every Udir source writes the schools of its reports'
-- enhet trees (Udir's EnhetID filter: Hele landet › fylke › kommune › school, a school keyed by
-- its organisasjonsnummer), replaced whole per source on each load. dim_school and
-- crosswalk_school_to_kommune are built from it; the schools' figures are rows of
-- raw.observations with region_level 'school' and region_code = orgnr.
CREATE TABLE IF NOT EXISTS raw.udir_schools (
    source_id        text        NOT NULL,
    orgnr            text        NOT NULL,   -- 9 digits, mod-11 checked by the parser
    school_name      text        NOT NULL,   -- NFC, spaces collapsed (Udir pads some names)
    kommune_nr       text        NOT NULL,   -- the registered kommune: the school's parent in the tree
    kommune_name     text,
    fylke_nr         text,
    udir_enhet_id    bigint,                 -- Udir's internal EnhetID of the school in this report
    report_codes     text[]      NOT NULL,   -- the Rapportside codes that list the school
    school_type      text        NOT NULL,   -- grunnskole | videregaende | grunnskole+videregaende
    owner            text,                   -- offentlig | privat, when a report splits by owner
    school_years     text[]      NOT NULL DEFAULT '{}',   -- school years with figures in this load
    record_hash      text        NOT NULL,
    ingest_run_id    bigint      NOT NULL,
    loaded_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, orgnr)
);
CREATE INDEX IF NOT EXISTS udir_schools_orgnr_idx ON raw.udir_schools (orgnr);
