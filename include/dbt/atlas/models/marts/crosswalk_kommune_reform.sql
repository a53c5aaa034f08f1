-- Every kommune code valid since 2018 -> the code(s) valid today, with the change kind and
-- dates. Provenance: Klass 131 versions and change table (ssb-klass-kommuner), derived by
-- atlas_ingest.geo in the run `ingest_run_id`.
select
    x.kommune_nr,
    x.kommune_name,
    x.valid_from,
    x.valid_to,
    x.current_kommune_nr,
    cur.kommune_name                                   as current_kommune_name,
    x.n_current,
    x.change_kind,
    x.change_dates,
    case x.change_kind
        when 'unchanged' then 'exact'
        when 'renamed' then 'exact'
        when 'renumbered' then 'renumbered'
        when 'merged' then 'merged'
        when 'split' then 'split'
        else 'ambiguous'
    end                                                as mapping,
    'Klass 131 change table'                           as provenance,
    x.ingest_run_id
from {{ ref('stg_ssb_klass_kommuner__crosswalk') }} x
left join {{ ref('dim_kommune') }} cur on cur.kommune_nr = x.current_kommune_nr and cur.is_current
