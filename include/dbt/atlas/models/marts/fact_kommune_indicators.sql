-- Long format: one row per indicator x kommune x period x breakdown (`dimensions`), on today's
-- geography wherever the move is sound, and saying how each row was resolved:
--
--   geo_resolution       kommune_nr                     when
--   exact                the published code             the code is valid today
--   renumbered           its one current code           1:1 renumber (counts and rates alike)
--   merged-summed        the merged current code        additive measures (counts, amounts) of all
--                                                       the codes merged into it, summed per period
--   merged-not-additive  the published code             rates, shares, medians of a merged code:
--                                                       never averaged, kept where published
--   split-unresolved     the published code             the code split into several kommuner
--   ambiguous            the published code             merged, then split (no single answer)
--
-- A summed row is NULL with the first component's marker when any component is suppressed or
-- missing, and NULL with '..' when a component kommune did not publish; a row published on the
-- current code wins over a computed one. Cells upstream marks '.' (did not exist) are left out.
with observations as (
    select o.*, r.period_grain, i.is_additive
    from {{ ref('int_observations__unioned') }} o
    join {{ ref('stg_atlas__source_registry') }} r using (source_id)
    join {{ ref('dim_indicator') }} i using (indicator_id)
    where o.region_level = 'kommune'
      and o.status is distinct from '.'
),
crosswalk as (
    select kommune_nr, change_kind, n_current,
           case when n_current = 1 then max(current_kommune_nr) end as current_kommune_nr
    from {{ ref('stg_ssb_klass_kommuner__crosswalk') }}
    group by kommune_nr, change_kind, n_current
),
mapped as (
    select
        o.*,
        x.change_kind,
        case
            when x.kommune_nr is null then 'unknown_code'
            when x.change_kind in ('unchanged', 'renamed') then 'exact'
            when x.change_kind = 'renumbered' then 'renumbered'
            when x.change_kind = 'merged' and o.is_additive then 'merged-summed'
            when x.change_kind = 'merged' then 'merged-not-additive'
            when x.change_kind = 'split' then 'split-unresolved'
            else 'ambiguous'
        end as geo_resolution,
        x.current_kommune_nr
    from observations o
    left join crosswalk x on x.kommune_nr = o.region_code
),
one_to_one as (
    select
        indicator_id, source_id, table_id, contents_code, period_id, period_grain, dimensions, dimensions_key,
        region_code                                                      as kommune_nr_published,
        case when geo_resolution = 'renumbered' then current_kommune_nr else region_code end as kommune_nr,
        geo_resolution, value, status, ingest_run_id, loaded_at, 1 as components, 1 as components_expected
    from mapped
    where geo_resolution <> 'merged-summed'
),
-- which codes flowed into each current kommune, and when they were valid: what a sum must hold
predecessors as (
    select x.current_kommune_nr, x.kommune_nr, x.valid_from, x.valid_to
    from {{ ref('stg_ssb_klass_kommuner__crosswalk') }} x
    where x.change_kind = 'merged'
),
summed as (
    select
        m.indicator_id, m.source_id, m.table_id, m.contents_code, m.period_id, m.period_grain, m.dimensions,
        m.dimensions_key,
        string_agg(m.region_code, '+' order by m.region_code)            as kommune_nr_published,
        m.current_kommune_nr                                             as kommune_nr,
        'merged-summed'                                                  as geo_resolution,
        case when bool_and(m.value is not null) then sum(m.value) end    as value,
        case when bool_and(m.value is not null) then null
             else (array_agg(m.status order by m.region_code) filter (where m.status is not null))[1] end as status,
        max(m.ingest_run_id)                                             as ingest_run_id,
        max(m.loaded_at)                                                 as loaded_at,
        count(*)::int                                                    as components,
        (select count(*) from predecessors p
          where p.current_kommune_nr = m.current_kommune_nr
            and p.valid_from <= {{ period_end('m.period_id', 'm.period_grain') }}
            and (p.valid_to is null or p.valid_to > {{ period_start('m.period_id', 'm.period_grain') }}))::int
                                                                         as components_expected
    from mapped m
    where m.geo_resolution = 'merged-summed'
    group by m.indicator_id, m.source_id, m.table_id, m.contents_code, m.period_id, m.period_grain, m.dimensions,
             m.dimensions_key, m.current_kommune_nr
),
candidates as (
    select * from one_to_one
    union all
    select
        indicator_id, source_id, table_id, contents_code, period_id, period_grain, dimensions, dimensions_key,
        kommune_nr_published, kommune_nr, geo_resolution,
        case when components >= components_expected then value end      as value,
        case when components >= components_expected then status else coalesce(status, '..') end as status,
        ingest_run_id, loaded_at, components, components_expected
    from summed
),
ranked as (
    select
        c.*,
        row_number() over (
            partition by indicator_id, kommune_nr, period_id, dimensions_key
            order by case geo_resolution when 'exact' then 1 when 'renumbered' then 2 when 'merged-summed' then 3 else 4 end,
                     kommune_nr_published
        ) as preference
    from candidates c
)
select
    r.indicator_id,
    r.source_id,
    r.table_id,
    r.contents_code,
    r.kommune_nr_published,
    r.kommune_nr,
    r.geo_resolution,
    r.geo_resolution in ('exact', 'renumbered', 'merged-summed') as is_current_geography,
    r.components                                                 as components_summed,
    r.period_id,
    r.period_grain,
    p.start_date                                                 as period_start,
    p.end_date                                                   as period_end,
    r.dimensions,
    r.dimensions_key,
    r.value,
    r.status,
    {{ decode_status('r.status') }}                              as status_meaning,
    r.value is null                                              as is_missing,
    r.ingest_run_id,
    r.loaded_at
from ranked r
join {{ ref('dim_period') }} p using (period_id, period_grain)
-- a computed row never duplicates one published on the current code; unresolved rows keep their
-- own published code, so they never compete with current-geography rows
where r.preference = 1 or r.geo_resolution not in ('exact', 'renumbered', 'merged-summed')
