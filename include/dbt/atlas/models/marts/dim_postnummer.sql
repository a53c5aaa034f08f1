-- Postnummer -> poststed and today's kommune (the register's code mapped through the reform
-- crosswalk, so an older register still lands on current codes).
select
    p.postnummer,
    p.poststed,
    p.category,
    p.category_description,
    p.kommune_nr_published,
    p.kommune_name_published,
    case when x.n_current = 1 then x.current_kommune_nr end as kommune_nr,
    coalesce(x.mapping, 'unknown_code')                     as geo_resolution,
    p.loaded_at
from {{ ref('stg_posten_postnummer__register') }} p
left join (
    select distinct on (kommune_nr) kommune_nr, current_kommune_nr, n_current, mapping
    from {{ ref('crosswalk_kommune_reform') }}
    order by kommune_nr, current_kommune_nr
) x on x.kommune_nr = p.kommune_nr_published
