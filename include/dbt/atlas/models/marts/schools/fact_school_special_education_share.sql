-- The special-education share of udir-gsi: pupils with individually adapted teaching /
-- spesialundervisning (ELEVER_SPESIALUNDERVISNING) over all pupils (ELEVER), both Udir's counts of
-- the same unit, school year and breakdown (1 October), in per cent. One row per
--   * school  (fact_school_indicators: the school's own two published counts), and
--   * kommune (fact_kommune_indicators: Udir's own kommune counts — never the schools' sum).
-- NULL whenever either count is NULL (hidden `*` or not published `..`: its marker is kept, the
-- special-education side's first), or when there are no pupils (`..`): never filled in from the
-- kommune total, the other schools or another school year. A ratio of two counts published for the
-- same unit invents nothing; shares are never summed or averaged further.
with counts as (
    select
        'school'                        as region_level,
        orgnr                           as region_code,
        orgnr,
        school_name,
        kommune_nr,
        kommune_nr_registered           as kommune_nr_published,
        cast(null as text)              as geo_resolution,
        period_id, period_grain, period_start, period_end, dimensions, dimensions_key,
        contents_code, value, status
    from {{ ref('fact_school_indicators') }}
    where source_id = 'udir-gsi' and contents_code in ('ELEVER', 'ELEVER_SPESIALUNDERVISNING')
    union all
    select
        'kommune',
        kommune_nr,
        cast(null as text),
        cast(null as text),
        kommune_nr,
        kommune_nr_published,
        geo_resolution,
        period_id, period_grain, period_start, period_end, dimensions, dimensions_key,
        contents_code, value, status
    from {{ ref('fact_kommune_indicators') }}
    where source_id = 'udir-gsi' and contents_code in ('ELEVER', 'ELEVER_SPESIALUNDERVISNING')
),
paired as (
    select
        region_level, region_code, orgnr, school_name, kommune_nr, kommune_nr_published, geo_resolution,
        period_id, period_grain, period_start, period_end, dimensions, dimensions_key,
        count(*) filter (where contents_code = 'ELEVER') > 0                          as has_elever,
        count(*) filter (where contents_code = 'ELEVER_SPESIALUNDERVISNING') > 0      as has_spes,
        max(value) filter (where contents_code = 'ELEVER')                             as elever,
        max(status) filter (where contents_code = 'ELEVER')                            as elever_status,
        max(value) filter (where contents_code = 'ELEVER_SPESIALUNDERVISNING')         as elever_spesialundervisning,
        max(status) filter (where contents_code = 'ELEVER_SPESIALUNDERVISNING')        as spesialundervisning_status
    from counts
    group by region_level, region_code, orgnr, school_name, kommune_nr, kommune_nr_published, geo_resolution,
             period_id, period_grain, period_start, period_end, dimensions, dimensions_key
),
shared as (
    select
        p.*,
        case when elever > 0 and elever_spesialundervisning is not null
             then 100.0 * elever_spesialundervisning / elever end                    as share_pct
    from paired p
),
marked as (
    select
        s.*,
        case when share_pct is not null then null
             else coalesce(case when has_spes then spesialundervisning_status else '..' end,
                           case when has_elever then elever_status else '..' end,
                           '..') end                                                 as status
    from shared s
)
select
    'udir-gsi'                                                                       as source_id,
    region_level,
    region_code,
    orgnr,
    school_name,
    kommune_nr,
    kommune_nr_published,
    geo_resolution,
    period_id,
    period_grain,
    period_start,
    period_end,
    dimensions,
    dimensions_key,
    elever,
    elever_spesialundervisning,
    share_pct,
    status,
    {{ decode_status('status') }}                                                    as status_meaning
from marked
