-- Registered voluntary organisations (Frivillighetsregisteret) per kommune and ICNPO main group, on
-- today's geography: every current kommune x every ICNPO main group, plus a row with a NULL group
-- for organisations that gave no category — zeros included, so a kommune without any organisation
-- of a group says so.
--   organisations_primary        organisations whose first-ranked category is in the group; summed
--                                over a kommune's rows (NULL group included) = organisations_total
--   organisations_any_category   organisations with any of their (up to three) categories in the
--                                group; these overlap and do not add up
-- Organisations whose registered kommune does not lead to exactly one current kommune (a split
-- code, no Norwegian address) are not counted here; dim_voluntary_organisation has them.
with orgs as (
    select * from {{ ref('dim_voluntary_organisation') }}
    where kommune_nr is not null
),
kommuner as (
    select kommune_nr, kommune_name, fylke_nr from {{ ref('dim_kommune') }} where is_current
),
groups as (
    select code as icnpo_group_code, label_no as icnpo_group_label, sort_order
    from {{ ref('ref_brreg_icnpo') }}
    where parent_code is null
    union all
    select null, 'Ingen ICNPO-kategori oppgitt', 9999
),
primary_counts as (
    select kommune_nr, icnpo_group_1 as icnpo_group_code, count(*) as n
    from orgs
    group by 1, 2
),
any_counts as (
    select kommune_nr, icnpo_group_code, count(distinct orgnr) as n
    from orgs
    cross join lateral unnest(array[icnpo_group_1, icnpo_group_2, icnpo_group_3]) as icnpo_group_code
    where icnpo_group_code is not null
    group by 1, 2
),
totals as (
    select kommune_nr, count(*) as n from orgs group by 1
)
select
    k.kommune_nr,
    k.kommune_name,
    k.fylke_nr,
    g.icnpo_group_code,
    g.icnpo_group_label,
    g.sort_order                                                        as icnpo_group_sort_order,
    coalesce(p.n, 0)                                                    as organisations_primary,
    case when g.icnpo_group_code is null then coalesce(p.n, 0) else coalesce(a.n, 0) end
                                                                        as organisations_any_category,
    coalesce(t.n, 0)                                                    as organisations_total,
    (select max(as_of) from {{ ref('dim_voluntary_organisation') }})    as as_of
from kommuner k
cross join groups g
left join primary_counts p on p.kommune_nr = k.kommune_nr and p.icnpo_group_code is not distinct from g.icnpo_group_code
left join any_counts a on a.kommune_nr = k.kommune_nr and a.icnpo_group_code = g.icnpo_group_code
left join totals t on t.kommune_nr = k.kommune_nr
