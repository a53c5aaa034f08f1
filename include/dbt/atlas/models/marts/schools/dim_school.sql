-- One row per school (organisasjonsnummer) any Udir source lists. Name and registered kommune come
-- from udir-gsi (the grunnskole roster) when it lists the school, else from the first other source
-- that does; the kommune is moved to today's code when Klass 131 renumbered or merged it (1:1).
-- `is_active`: the school has figures in the newest school year one of its sources published;
-- valid_from/valid_to: the first day of its first school year with figures, and (inactive schools
-- only) the last day of its last one.
with roster as (
    select * from {{ ref('stg_udir__schools') }}
),
preferred as (
    select distinct on (orgnr)
        orgnr, school_name, kommune_nr_registered, fylke_nr_registered, source_id as roster_source_id
    from roster
    order by orgnr, case when source_id = 'udir-gsi' then 0 else 1 end, source_id
),
school_facts as (
    select source_id, region_code as orgnr, min(period_id) as first_school_year, max(period_id) as last_school_year
    from {{ ref('int_observations__unioned') }}
    where region_level = 'school'
    group by source_id, region_code
),
source_latest as (
    select source_id, max(period_id) as latest_school_year
    from {{ ref('int_observations__unioned') }}
    where region_level = 'school'
    group by source_id
),
per_school as (
    select
        r.orgnr,
        array_agg(distinct r.source_id order by r.source_id)                  as source_ids,
        bool_or(r.school_type like '%grunnskole%')                            as is_grunnskole,
        bool_or(r.school_type like '%videregaende%')                          as is_videregaende,
        array_agg(distinct r.owner) filter (where r.owner is not null)        as owners,
        min(f.first_school_year)                                              as first_school_year,
        max(f.last_school_year)                                               as last_school_year,
        coalesce(bool_or(f.last_school_year = l.latest_school_year), false)   as is_active
    from roster r
    left join school_facts f on f.orgnr = r.orgnr and f.source_id = r.source_id
    left join source_latest l on l.source_id = r.source_id
    group by r.orgnr
),
reform as (
    select kommune_nr, case when n_current = 1 then max(current_kommune_nr) end as current_kommune_nr
    from {{ ref('stg_ssb_klass_kommuner__crosswalk') }}
    group by kommune_nr, n_current
)
select
    p.orgnr,
    p.school_name,
    case when s.is_grunnskole and s.is_videregaende then 'grunnskole+videregaende'
         when s.is_videregaende then 'videregaende'
         else 'grunnskole' end                                              as school_type,
    case when cardinality(s.owners) = 1 then s.owners[1] end                as owner,
    p.kommune_nr_registered,
    coalesce(x.current_kommune_nr, p.kommune_nr_registered)                  as kommune_nr,
    k.kommune_name,
    coalesce(k.fylke_nr, p.fylke_nr_registered)                              as fylke_nr,
    s.is_active,
    s.first_school_year,
    s.last_school_year,
    {{ period_start('s.first_school_year', "'SCHOOL_YEAR'") }}              as valid_from,
    case when not s.is_active then {{ period_end('s.last_school_year', "'SCHOOL_YEAR'") }} end as valid_to,
    s.source_ids,
    p.roster_source_id
from preferred p
join per_school s using (orgnr)
left join reform x on x.kommune_nr = p.kommune_nr_registered
left join {{ ref('dim_kommune') }} k
       on k.kommune_nr = coalesce(x.current_kommune_nr, p.kommune_nr_registered) and k.is_current
