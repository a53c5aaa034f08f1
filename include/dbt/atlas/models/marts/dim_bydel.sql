-- Bydeler of Oslo, Bergen, Stavanger and Trondheim (latest Klass 103 answer) with their kommune.
with latest as (
    select max(valid_from) as valid_from from {{ ref('stg_ssb_klass_bydeler__codes') }}
)
select
    b.bydel_nr,
    b.bydel_name,
    b.kommune_nr,
    k.kommune_name,
    b.valid_from
from {{ ref('stg_ssb_klass_bydeler__codes') }} b
join latest using (valid_from)
left join {{ ref('dim_kommune') }} k on k.kommune_nr = b.kommune_nr and k.is_current
