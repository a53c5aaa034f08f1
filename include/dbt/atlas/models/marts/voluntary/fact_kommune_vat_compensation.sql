-- VAT compensation per current kommune and grant year: the recipients registered there (their
-- Frivillighetsregisteret kommune on today's geography) and what they received. Recipients without
-- a placed kommune are not here (fact_vat_compensation has them). Amounts follow each year's
-- amount_basis: compare years with it in mind.
select
    grant_year,
    kommune_nr,
    min(amount_basis)                                   as amount_basis,
    count(*)                                            as recipients,
    count(amount_nok)                                   as recipients_with_amount,
    sum(amount_nok)                                     as amount_nok
from {{ ref('fact_vat_compensation') }}
where kommune_nr is not null
group by grant_year, kommune_nr
