-- DSB's Kommuneundersøkelsen per survey year and kommune (in that year's geography), every kommune
-- that existed on 1 January of the survey year — respondents or not:
--   is_response      never NULL: true only when the kommune answered. response_basis says how we
--                    know: 'answered', 'listed as not answering' (the workbook lists it with
--                    Besvart = Nei), 'absent from the file' (a respondents-only edition)
--   <question>       true/false as answered; NULL when not asked in that edition, not answered,
--                    answered "vet ikke" — and always NULL for a kommune that did not answer
--   grunnkrav_oppfylt_andel  share (0-100) of the edition's core questions answered yes, over the
--                    ones answered; NULL for a kommune that did not answer — never 0
-- current_kommune_nr: today's kommune when the crosswalk leads to exactly one.
with obs as (
    select * from {{ ref('stg_dsb_kommuneundersokelsen__observations') }}
    where region_level = 'kommune'
),
editions as (
    select distinct period_id as survey_year, make_date(period_id::int, 1, 1) as survey_date from obs
),
universe as (
    select e.survey_year, k.kommune_nr, k.kommune_name
    from editions e
    join {{ ref('dim_kommune') }} k
      on k.valid_from <= e.survey_date and (k.valid_to is null or k.valid_to > e.survey_date)
),
answers as (
    select
        period_id                                                                   as survey_year,
        region_code                                                                 as kommune_nr,
        max(value) filter (where contents_code = 'is_response')                     as is_response_value,
        max(value) filter (where contents_code = 'helhetlig_ros')                   as helhetlig_ros,
        max(value) filter (where contents_code = 'overordnet_beredskapsplan')       as overordnet_beredskapsplan,
        max(value) filter (where contents_code = 'ovelse_siste_to_ar')              as ovelse_siste_to_ar,
        max(value) filter (where contents_code = 'mal_samfunnssikkerhet')           as mal_samfunnssikkerhet,
        max(value) filter (where contents_code = 'plan_oppfolging')                 as plan_oppfolging,
        max(value) filter (where contents_code = 'grunnkrav_oppfylt_andel')         as grunnkrav_oppfylt_andel,
        count(value) filter (where contents_code in ('helhetlig_ros', 'overordnet_beredskapsplan',
            'ovelse_siste_to_ar', 'mal_samfunnssikkerhet', 'plan_oppfolging'))      as core_questions_answered
    from obs
    group by 1, 2
),
to_current as (
    select kommune_nr, case when max(n_current) = 1 then max(current_kommune_nr) end as current_kommune_nr
    from {{ ref('crosswalk_kommune_reform') }}
    group by kommune_nr
)
select
    u.survey_year,
    u.kommune_nr,
    u.kommune_name,
    x.current_kommune_nr,
    coalesce(a.is_response_value = 1, false)                                        as is_response,
    case
        when a.is_response_value = 1 then 'answered'
        when a.is_response_value = 0 then 'listed as not answering'
        else 'absent from the file'
    end                                                                             as response_basis,
    a.helhetlig_ros = 1                                                             as helhetlig_ros,
    a.overordnet_beredskapsplan = 1                                                 as overordnet_beredskapsplan,
    a.ovelse_siste_to_ar = 1                                                        as ovelse_siste_to_ar,
    a.mal_samfunnssikkerhet = 1                                                     as mal_samfunnssikkerhet,
    a.plan_oppfolging = 1                                                           as plan_oppfolging,
    coalesce(a.core_questions_answered, 0)                                          as core_questions_answered,
    a.grunnkrav_oppfylt_andel
from universe u
left join answers a on a.survey_year = u.survey_year and a.kommune_nr = u.kommune_nr
left join to_current x on x.kommune_nr = u.kommune_nr
