-- Bydel-level rows of every source (Oslo, Bergen, Stavanger, Trondheim), on today's bydel codes
-- through crosswalk_bydel; codes that do not resolve keep their published code, flagged.
select
    o.indicator_id,
    o.source_id,
    o.contents_code,
    o.region_code                                         as bydel_nr_published,
    coalesce(x.bydel_nr, o.region_code)                   as bydel_nr,
    coalesce(x.kommune_nr, left(o.region_code, 4))        as kommune_nr,
    coalesce(x.geo_resolution, 'unresolved')              as geo_resolution,
    o.period_id,
    r.period_grain,
    o.dimensions,
    o.dimensions_key,
    o.value,
    o.status,
    o.status_meaning,
    o.ingest_run_id
from {{ ref('int_observations__unioned') }} o
join {{ ref('stg_atlas__source_registry') }} r using (source_id)
left join {{ ref('crosswalk_bydel') }} x on x.bydel_code = o.region_code
where o.region_level = 'bydel'
  and o.status is distinct from '.'
