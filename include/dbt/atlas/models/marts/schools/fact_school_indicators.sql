-- Every Udir figure published for a school (raw.observations rows with region_level 'school'),
-- with the school's kommune (crosswalk_school_to_kommune: registered kommune, today's code). A
-- suppressed cell stays NULL with Udir's marker `*`: nothing here fills it in.
with observations as (
    select o.*, r.period_grain
    from {{ ref('int_observations__unioned') }} o
    join {{ ref('stg_atlas__source_registry') }} r using (source_id)
    where o.region_level = 'school'
)
select
    o.indicator_id,
    o.source_id,
    o.table_id,
    o.contents_code,
    o.region_code                                   as orgnr,
    d.school_name,
    c.kommune_nr,
    c.kommune_nr_registered,
    o.period_id,
    o.period_grain,
    p.start_date                                    as period_start,
    p.end_date                                      as period_end,
    o.dimensions,
    o.dimensions_key,
    o.value,
    o.status,
    {{ decode_status('o.status') }}                 as status_meaning,
    o.value is null                                 as is_missing,
    i.measure_kind,
    i.is_additive,
    o.ingest_run_id,
    o.loaded_at
from observations o
join {{ ref('crosswalk_school_to_kommune') }} c on c.orgnr = o.region_code
join {{ ref('dim_school') }} d on d.orgnr = o.region_code
join {{ ref('dim_indicator') }} i on i.indicator_id = o.indicator_id
join {{ ref('dim_period') }} p on p.period_id = o.period_id and p.period_grain = o.period_grain
