-- Every NGO chapter at every level of its organisation: national office, regional (district),
-- local. One block per NGO source, UNION ALL (Red Cross; Norsk Folkehjelp's web chapters and its
-- Brreg-only entities).
--
-- Red Cross hierarchy rules (getOrganizations branchType):
--   Nasjonalkontoret -> national, no parent
--   Distrikt         -> regional, parent = the national office
--   Lokalforening    -> local, parent = its branchParent when that is a Distrikt in the export
--   Ukjent           -> local, NULL parent (unclassified: not placed under a district)
-- `kommune_nr` is the chapter's kommune for local chapters only (postal code first, then the
-- municipality name; see redcross-branches/README.md). Regional and national chapters span many
-- kommuner: kommune_nr is NULL and `office_kommune_nr` says where the office is. Supply queries
-- filter chapter_level = 'local' and is_active (research 003, Q44/Q48).
--
-- Norsk Folkehjelp (folkehjelp-chapters; placement computed at ingest from the slug):
--   the umbrella page (sentralt)      -> national, no parent
--   a chapter named after a fylke     -> regional, parent = the national chapter
--   every other page (lokallag)       -> local, parent = the regional chapter of the same fylke
--                                        heading on the /lokallag index (NULL when none)
--   a Brreg entity no page matched    -> local, inactive, no source_url (registered but dormant)
-- `kommune_scope` says how to read kommune_nr: kommune (its one kommune), multi_kommune (several:
-- kommune_nr NULL, see chapter_kommune_coverage), region (regional/national) or none (no kommune:
-- Svalbard, an unresolved slug). Coverage per kommune is chapter_kommune_coverage.
with ngo as (
    select slug, orgnr from {{ ref('dim_ngo') }}
),
kommuner as (
    select kommune_nr, kommune_name, fylke_nr, fylke_name from {{ ref('dim_kommune') }} where is_current
),
redcross_branches as (
    select * from {{ ref('stg_redcross_branches__branches') }}
),
redcross_hq as (
    select min(chapter_id) as chapter_id
    from redcross_branches
    where branch_type = 'Nasjonalkontoret'
),
redcross as (
    select
        b.chapter_id,
        'redcross'                                                     as ngo_slug,
        case b.branch_type
            when 'Nasjonalkontoret' then 'national'
            when 'Distrikt' then 'regional'
            else 'local'
        end                                                            as chapter_level,
        case b.branch_type
            when 'Nasjonalkontoret' then null
            when 'Distrikt' then hq.chapter_id
            when 'Lokalforening' then district.chapter_id
        end                                                            as parent_chapter_id,
        b.chapter_orgnr,
        b.branch_name                                                  as name,
        case when b.branch_type in ('Lokalforening', 'Ukjent') then b.kommune_nr end as kommune_nr,
        b.kommune_nr                                                   as office_kommune_nr,
        case when b.branch_type in ('Lokalforening', 'Ukjent') then 'kommune' else 'region' end as kommune_scope,
        b.kommune_resolution,
        b.web_url                                                      as source_url,
        b.branch_type                                                  as chapter_subtype,
        b.is_active,
        b.is_terminated,
        b.founded_on,
        b.postal_code,
        b.post_office,
        b.municipality_published,
        b.county_published,
        b.source_id,
        b.loaded_at
    from redcross_branches b
    cross join redcross_hq hq
    left join redcross_branches district
        on district.chapter_id = b.parent_chapter_id_published and district.branch_type = 'Distrikt'
),
folkehjelp_web as (
    select * from {{ ref('supply__folkehjelp_chapters') }}
),
folkehjelp_national as (
    select min(chapter_id) as chapter_id from folkehjelp_web where chapter_level = 'national'
),
folkehjelp_regions as (
    select fylke_group_name, min(chapter_id) as chapter_id
    from folkehjelp_web
    where chapter_level = 'regional' and fylke_group_name is not null
    group by fylke_group_name
),
folkehjelp as (
    select
        w.chapter_id,
        'folkehjelp'                                                   as ngo_slug,
        w.chapter_level,
        case w.chapter_level
            when 'national' then null
            when 'regional' then nat.chapter_id
            else reg.chapter_id
        end                                                            as parent_chapter_id,
        w.chapter_orgnr,
        w.display_name                                                 as name,
        w.kommune_nr,
        w.kommune_nr                                                   as office_kommune_nr,
        w.kommune_scope,
        w.kommune_resolution,
        w.source_url,
        w.chapter_subtype,
        w.is_active,
        null::boolean                                                  as is_terminated,
        null::date                                                     as founded_on,
        null::text                                                     as postal_code,
        null::text                                                     as post_office,
        null::text                                                     as municipality_published,
        w.fylke_group_name                                             as county_published,
        w.source_id,
        w.loaded_at
    from folkehjelp_web w
    cross join folkehjelp_national nat
    left join folkehjelp_regions reg on reg.fylke_group_name = w.fylke_group_name and w.chapter_level = 'local'
),
folkehjelp_brreg_only as (
    select
        b.chapter_id,
        'folkehjelp'                                                   as ngo_slug,
        'local'                                                        as chapter_level,
        null::text                                                     as parent_chapter_id,
        b.chapter_orgnr,
        b.name,
        b.kommune_nr,
        b.kommune_nr                                                   as office_kommune_nr,
        case when b.kommune_nr is not null then 'kommune' else 'none' end as kommune_scope,
        'brreg_address'                                                as kommune_resolution,
        null::text                                                     as source_url,
        'brreg_only'                                                   as chapter_subtype,
        false                                                          as is_active,
        null::boolean                                                  as is_terminated,
        null::date                                                     as founded_on,
        null::text                                                     as postal_code,
        null::text                                                     as post_office,
        null::text                                                     as municipality_published,
        null::text                                                     as county_published,
        b.source_id,
        b.loaded_at
    from {{ ref('supply__folkehjelp_brreg_only') }} b
),
chapters as (
    select * from redcross
    union all
    select * from folkehjelp
    union all
    select * from folkehjelp_brreg_only
)
select
    c.chapter_id,
    c.ngo_slug,
    ngo.orgnr                                                          as ngo_orgnr,
    c.chapter_level,
    c.parent_chapter_id,
    c.chapter_orgnr,
    c.name,
    c.kommune_nr,
    k.kommune_name,
    k.fylke_nr,
    k.fylke_name,
    c.office_kommune_nr,
    c.kommune_scope,
    c.kommune_resolution,
    c.source_url,
    c.chapter_subtype,
    c.is_active,
    c.is_terminated,
    c.founded_on,
    c.postal_code,
    c.post_office,
    c.municipality_published,
    c.county_published,
    c.source_id,
    c.loaded_at
from chapters c
join ngo on ngo.slug = c.ngo_slug
left join kommuner k on k.kommune_nr = c.kommune_nr
