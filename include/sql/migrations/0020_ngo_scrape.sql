-- Scraped NGO sources (issue 5): the shared sitemap log and Norsk Folkehjelp's chapters
-- (folkehjelp-chapters, scraped from folkehjelp.no). Nothing here is ever deleted by a load:
-- a chapter that leaves the sitemap becomes is_active = false and keeps its history.

-- One row per (source, URL) a scraped source's sitemap has listed, shared by every scraped
-- source. `lastmod` is what the sitemap said when the URL was last seen; `processed_lastmod` is
-- the lastmod of the version the source last loaded from the page (it advances only when the
-- page was fetched and understood, so a failed page is fetched again next run). A page is
-- fetched when it has no row in its source's table, or its lastmod moved past
-- processed_lastmod. `source_slug` is the research's name for the source id (same value).
CREATE TABLE IF NOT EXISTS raw.sitemap_log (
    source_id          text        NOT NULL,
    source_slug        text        GENERATED ALWAYS AS (source_id) STORED,
    url                text        NOT NULL,   -- verbatim as the sitemap published it
    lastmod            timestamptz,            -- NULL when the sitemap gives none
    processed_lastmod  timestamptz,
    first_seen_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at       timestamptz NOT NULL DEFAULT now(),
    ingest_run_id      bigint      NOT NULL,   -- the run that last saw the URL
    PRIMARY KEY (source_id, url)
);

-- Norsk Folkehjelp chapters as their pages on folkehjelp.no say (`/lokallag/<slug>`).
-- `record_hash` is the sha256 of the canonical JSON of what the parser extracted from the page
-- (slug, url, name, the Aktivitetsområder section): an unchanged hash means no write.
-- `html_raw_hash` is the body's sha256, for audit only (it changes with every CSRF token).
-- `fylke_group_name` (the index page's heading) and `brreg_orgnr` (identity matching) come
-- from elsewhere and are updated in place when they change, without touching the activities.
CREATE TABLE IF NOT EXISTS raw.folkehjelp_chapters (
    slug                text        PRIMARY KEY,
    source_id           text        NOT NULL,
    display_name        text        NOT NULL,
    fylke_group_name    text,                   -- NULL until an index page listing it was read
    brreg_orgnr         text,                   -- NULL until a Brreg entity is matched
    url                 text        NOT NULL UNIQUE,
    record_hash         text        NOT NULL,
    html_raw_hash       text,
    is_active           boolean     NOT NULL DEFAULT true,
    activities_section  text        NOT NULL
                        CHECK (activities_section IN ('listed', 'empty', 'missing')),
    page_lastmod        timestamptz,            -- the sitemap lastmod of the version loaded
    first_loaded_at     timestamptz NOT NULL DEFAULT now(),
    ingest_run_id       bigint      NOT NULL,   -- the run that last wrote the record
    loaded_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS folkehjelp_chapters_brreg_orgnr_idx
    ON raw.folkehjelp_chapters (brreg_orgnr) WHERE brreg_orgnr IS NOT NULL;

-- The labels under a chapter's "Aktivitetsområder" heading, NFC, in page order. Owned by the
-- parent: deleted and re-inserted only when the parent's record_hash changed.
CREATE TABLE IF NOT EXISTS raw.folkehjelp_chapter_activities (
    slug            text        NOT NULL REFERENCES raw.folkehjelp_chapters (slug) ON DELETE CASCADE,
    activity_label  text        NOT NULL,
    activity_slug   text        NOT NULL,       -- atlas_ingest.families.ngo.text.slugify(label)
    display_order   integer     NOT NULL CHECK (display_order >= 1),
    is_known_bin    boolean     NOT NULL,       -- one of Norsk Folkehjelp's six activity areas
    source_id       text        NOT NULL,
    ingest_run_id   bigint      NOT NULL,
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (slug, activity_label)
);

-- Where each chapter is: its level (national umbrella, regional, local), subtype, and the
-- kommune(s) its slug names (resolve_kommune on the slug, overrides.json winning). Computed for
-- every slug the sitemap lists, every run; a slug that left the sitemap keeps its last row.
CREATE TABLE IF NOT EXISTS raw.folkehjelp_chapter_placement (
    slug              text        PRIMARY KEY,
    source_id         text        NOT NULL,
    fylke_group_name  text,
    chapter_level     text        NOT NULL CHECK (chapter_level IN ('national', 'regional', 'local')),
    chapter_subtype   text        NOT NULL,
    kommune_scope     text        NOT NULL CHECK (kommune_scope IN ('kommune', 'multi_kommune', 'region', 'none')),
    kommune_nrs       text[]      NOT NULL DEFAULT '{}',   -- today's codes
    kommune_source    text        CHECK (kommune_source IN ('direct', 'override')),
    resolution        text        NOT NULL,   -- name | name+fylke | override | fylke | unresolved | none
    resolution_note   text,
    fylke_nr          text,                   -- the fylke a regional chapter is named after
    ingest_run_id     bigint      NOT NULL,
    loaded_at         timestamptz NOT NULL DEFAULT now()
);

-- Every Enhetsregister entity named "Norsk Folkehjelp…" (raw.brreg_enheter) and the web slug it
-- was matched to: overrides.json first, then the exact normalised name, then Levenshtein <= 2.
-- An entity with no slug is a Brreg-only chapter (dim_chapter: inactive, no page). Replaced
-- whole every run.
CREATE TABLE IF NOT EXISTS raw.folkehjelp_brreg_matches (
    orgnr          text        PRIMARY KEY,
    source_id      text        NOT NULL,
    navn           text        NOT NULL,
    name_key       text,                      -- the normalised name compared with the slugs (NULL: only the prefix)
    slug           text,
    method         text        NOT NULL
                   CHECK (method IN ('override', 'exact', 'fuzzy', 'override_brreg_only', 'unmatched')),
    distance       integer,                   -- Levenshtein distance of a fuzzy match
    note           text,
    forretningsadresse_kommunenummer text,
    ingest_run_id  bigint      NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);
