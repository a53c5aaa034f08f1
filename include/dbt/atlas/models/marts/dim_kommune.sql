-- Kommuner as a slowly changing dimension: one row per kommune code per unbroken validity
-- range with one name (consecutive Klass versions with the same name are merged), so a
-- historical code resolves to its own name in its own period. `is_current` marks the
-- geography valid today (357 kommuner since 2024).
with versions as (
    select kommune_nr, kommune_name, valid_from, valid_to
    from {{ ref('stg_ssb_klass_kommuner__codes') }}
    where not is_unknown_code
),
flagged as (
    select
        *,
        case
            when lag(kommune_name) over w is distinct from kommune_name
              or lag(valid_to) over w is distinct from valid_from then 1 else 0
        end as starts_range
    from versions
    window w as (partition by kommune_nr order by valid_from)
),
numbered as (
    select *, sum(starts_range) over (partition by kommune_nr order by valid_from) as range_no
    from flagged
),
ranges as (
    select
        kommune_nr,
        kommune_name,
        min(valid_from)                                              as valid_from,
        case when bool_or(valid_to is null) then null else max(valid_to) end as valid_to
    from numbered
    group by kommune_nr, kommune_name, range_no
),
fylke_names as (
    -- the fylke name valid when the kommune range began (NULL before the earliest Klass 104 date)
    select r.kommune_nr, r.valid_from, f.fylke_name
    from ranges r
    join lateral (
        select fylke_name
        from {{ ref('stg_ssb_klass_fylker__codes') }} f
        where f.fylke_nr = left(r.kommune_nr, 2) and f.valid_from <= greatest(r.valid_from, coalesce(r.valid_to - 1, r.valid_from))
        order by f.valid_from desc
        limit 1
    ) f on true
),
sentralitet as (
    select distinct on (kommune_nr) kommune_nr, sentralitet_class, sentralitet_name
    from {{ ref('stg_ssb_klass_sentralitet__kommuner') }}
    where valid_to is null or valid_to > current_date
    order by kommune_nr, valid_from desc
)
select
    r.kommune_nr || '@' || r.valid_from::text                      as kommune_key,
    r.kommune_nr,
    r.kommune_name,
    split_part(r.kommune_name, ' - ', 1)                           as kommune_name_short,
    left(r.kommune_nr, 2)                                          as fylke_nr,
    fn.fylke_name,
    case when r.valid_to is null then s.sentralitet_class end      as sentralitet_class,
    case when r.valid_to is null then s.sentralitet_name end       as sentralitet_name,
    r.valid_from,
    r.valid_to,
    (r.valid_to is null or r.valid_to > current_date)              as is_current
from ranges r
left join fylke_names fn using (kommune_nr, valid_from)
left join sentralitet s using (kommune_nr)
