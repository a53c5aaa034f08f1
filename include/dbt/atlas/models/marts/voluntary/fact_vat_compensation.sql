-- Lottstift's VAT compensation (momskompensasjon) per grant year and recipient, joined to the
-- organisation by orgnr: its Frivillighetsregisteret entry (today's kommune, first-ranked ICNPO
-- category and group) and the landscape NGO whose orgnr it is. A recipient not in the register
-- (is_registered_voluntary = false) keeps its row with NULL kommune and category.
with grants as (
    select * from {{ ref('stg_lottstift_momskompensasjon__tildelinger') }}
),
orgs as (
    select * from {{ ref('dim_voluntary_organisation') }}
),
ngos as (
    select slug, orgnr from {{ ref('dim_ngo') }} where orgnr is not null
)
select
    g.grant_year,
    g.orgnr,
    coalesce(o.navn, g.recipient_name)                                  as organisation_name,
    g.recipient_name,
    g.amount_nok,
    g.amount_basis,
    g.amount_column,
    g.cases,
    g.cases_without_amount,
    o.orgnr is not null                                                 as is_registered_voluntary,
    o.kommune_nr,
    o.kommune_resolution,
    o.icnpo_code_1,
    o.icnpo_label_1,
    o.icnpo_group_1,
    o.icnpo_group_label_1,
    n.slug                                                              as ngo_slug,
    g.file_url
from grants g
left join orgs o on o.orgnr = g.orgnr
left join ngos n on n.orgnr = g.orgnr
