-- Lotteri- og stiftelsestilsynet's VAT compensation to voluntary organisations (issue 11, source
-- lottstift-momskompensasjon): one row per grant year and recipient organisation number, the
-- year's cases summed. The years' amounts are not the same measure (awarded after reduction, paid,
-- paid including the administration fee, awarded): amount_basis and amount_column say which.
CREATE TABLE IF NOT EXISTS raw.lottstift_momskompensasjon (
    source_id              text        NOT NULL,
    period_id              text        NOT NULL,   -- the grant year
    orgnr                  text        NOT NULL,   -- the recipient (2020: the applicant)
    recipient_name         text,                   -- as the file writes it
    amount_nok             numeric(14, 2),         -- NULL when no case of the year has an amount, never 0
    amount_basis           text        NOT NULL,   -- awarded_after_reduction | paid | paid_incl_admin_fee | awarded
    amount_column          text        NOT NULL,   -- the year's column title
    cases                  integer     NOT NULL,
    cases_without_amount   integer     NOT NULL,
    layout                 text        NOT NULL,   -- the reader that read the file (lottstift-<year>)
    file_url               text        NOT NULL,
    record_hash            text        NOT NULL,
    ingest_run_id          bigint      NOT NULL,
    loaded_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, period_id, orgnr)
);
CREATE INDEX IF NOT EXISTS lottstift_momskompensasjon_orgnr_idx ON raw.lottstift_momskompensasjon (orgnr);
