-- Frivillighetsregisteret (issue 11, source brreg-frivillighetsregisteret): every registered
-- voluntary organisation with its ICNPO categories (ranked as the organisation gave them) and its
-- registered kommune from Enhetsregisteret. The register is walked whole each run, so a load
-- replaces the source's rows. No personal data: no kontonummer, no c/o lines, no
-- enkeltpersonforetak.
CREATE TABLE IF NOT EXISTS raw.brreg_frivillige_organisasjoner (
    source_id              text        NOT NULL,
    orgnr                  text        NOT NULL,
    navn                   text,                   -- Enhetsregisteret; NULL when it had no answer
    organisasjonsform      text,                   -- FLI, STI, …
    frivillig_status       text,                   -- frivilligOrganisasjonsstatus, verbatim
    innfoert_dato          date,                   -- innfoertDato: registered in Frivillighetsregisteret
    forste_gang_innfoert   date,                   -- foersteGangInnfoert
    icnpo_codes            text[]      NOT NULL DEFAULT '{}',  -- icnpoNummer by rekkefoelge (1 first)
    icnpo_kategorier       jsonb       NOT NULL DEFAULT '[]',  -- [{icnpoNummer, kategori, rekkefoelge}]
    deltar_grasrotandel    boolean,
    kommune_nr             text,                   -- as registered (business address, else postal)
    kommune_basis          text,                   -- forretningsadresse | postadresse | NULL
    postnummer             text,
    in_enhetsregisteret    boolean     NOT NULL,   -- Enhetsregisteret answered for the orgnr
    raw_payload            jsonb       NOT NULL,   -- the register record without kontonummer/_links
    record_hash            text        NOT NULL,
    ingest_run_id          bigint      NOT NULL,
    loaded_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, orgnr)
);
CREATE INDEX IF NOT EXISTS brreg_frivillige_organisasjoner_kommune_idx
    ON raw.brreg_frivillige_organisasjoner (kommune_nr);
