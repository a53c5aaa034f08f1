-- Every fylke code valid since 2018 -> the fylke(r) valid today, by where its kommuner went.
select
    x.fylke_nr,
    x.valid_from,
    x.valid_to,
    x.current_fylke_nr,
    f.fylke_name                    as current_fylke_name,
    x.n_current,
    x.change_kind,
    'Klass 131 change table (kommune prefixes)' as provenance,
    x.ingest_run_id
from {{ ref('stg_ssb_klass_kommuner__fylke_crosswalk') }} x
left join {{ ref('dim_fylke') }} f on f.fylke_nr = x.current_fylke_nr
