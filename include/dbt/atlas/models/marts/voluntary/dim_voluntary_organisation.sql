-- One row per organisation registered in Frivillighetsregisteret (brreg-frivillighetsregisteret):
-- its ICNPO categories as it ranked them (with labels and main groups), its registered kommune as
-- Enhetsregisteret has it and on today's geography, and the landscape NGO it is, if any.
--   kommune_nr           today's kommune: the registered code through the Klass 131 crosswalk when
--                        that leads to exactly one current kommune (unchanged, renamed,
--                        renumbered, merged); NULL otherwise
--   kommune_resolution   exact | renumbered | merged | split | ambiguous (NULL kommune_nr: a split
--                        code is never divided) | unknown (not a Klass 131 code) | none (no
--                        Norwegian kommunenummer registered, or no Enhetsregister answer)
with orgs as (
    select * from {{ ref('stg_brreg_frivillighetsregisteret__organisasjoner') }}
),
to_current as (
    select
        kommune_nr,
        case when max(n_current) = 1 then max(current_kommune_nr) end   as current_kommune_nr,
        max(mapping)                                                    as mapping
    from {{ ref('crosswalk_kommune_reform') }}
    group by kommune_nr
),
icnpo as (
    select code, label_no from {{ ref('ref_brreg_icnpo') }}
),
ngos as (
    select slug, orgnr from {{ ref('stg_ngo_landscape__ngos') }} where orgnr is not null
)
select
    o.orgnr,
    o.navn,
    o.organisasjonsform,
    o.frivillig_status,
    o.innfoert_dato,
    o.forste_gang_innfoert,
    o.icnpo_category_count,
    o.icnpo_code_1,
    l1.label_no                                                         as icnpo_label_1,
    o.icnpo_code_2,
    l2.label_no                                                         as icnpo_label_2,
    o.icnpo_code_3,
    l3.label_no                                                         as icnpo_label_3,
    o.icnpo_group_1,
    g1.label_no                                                         as icnpo_group_label_1,
    o.icnpo_group_2,
    o.icnpo_group_3,
    o.deltar_grasrotandel,
    o.kommune_nr_registered,
    o.kommune_basis,
    x.current_kommune_nr                                                as kommune_nr,
    case
        when o.kommune_nr_registered is null then 'none'
        when x.kommune_nr is null then 'unknown'
        else x.mapping
    end                                                                 as kommune_resolution,
    n.slug                                                              as ngo_slug,
    o.in_enhetsregisteret,
    o.loaded_at::date                                                   as as_of
from orgs o
left join to_current x on x.kommune_nr = o.kommune_nr_registered
left join icnpo l1 on l1.code = o.icnpo_code_1
left join icnpo l2 on l2.code = o.icnpo_code_2
left join icnpo l3 on l3.code = o.icnpo_code_3
left join icnpo g1 on g1.code = o.icnpo_group_1
left join ngos n on n.orgnr = o.orgnr
