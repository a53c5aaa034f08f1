-- School → kommune. v1 uses the REGISTERED kommune (the school's parent in Udir's enhet tree),
-- not the pupils' catchment: boarding and special-needs schools serve pupils from elsewhere, and
-- catchment is a methodology decision of its own. `kommune_nr` is today's code (Klass 131 1:1
-- renumberings and mergers applied); a registered code that was split keeps its published code
-- (`kommune_mapping` split-unresolved).
with reform as (
    select kommune_nr, change_kind, n_current
    from {{ ref('stg_ssb_klass_kommuner__crosswalk') }}
    group by kommune_nr, change_kind, n_current
)
select
    d.orgnr,
    d.kommune_nr,
    d.kommune_nr_registered,
    'registered'                                                           as basis,
    case
        when x.kommune_nr is null then 'unknown_code'
        when x.change_kind in ('unchanged', 'renamed') then 'exact'
        when x.n_current = 1 then x.change_kind
        when x.change_kind = 'split' then 'split-unresolved'
        else 'ambiguous'
    end                                                                    as kommune_mapping,
    d.valid_from,
    d.valid_to,
    d.is_active
from {{ ref('dim_school') }} d
left join reform x on x.kommune_nr = d.kommune_nr_registered
