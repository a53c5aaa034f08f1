-- fact_kommune_preparedness: a kommune that did not answer has no answers and no score (never a
-- low one), and every kommune row in the survey's raw data is in the mart (none outside the
-- edition's geography).
select survey_year, kommune_nr, 'a non-respondent carries answers or a score' as problem
from {{ ref('fact_kommune_preparedness') }}
where not is_response
  and (grunnkrav_oppfylt_andel is not null or helhetlig_ros is not null or overordnet_beredskapsplan is not null
       or ovelse_siste_to_ar is not null or mal_samfunnssikkerhet is not null or plan_oppfolging is not null)
union all
select o.period_id, o.region_code, 'in the raw data but not a kommune of the edition''s geography'
from {{ ref('stg_dsb_kommuneundersokelsen__observations') }} o
left join {{ ref('fact_kommune_preparedness') }} f on f.survey_year = o.period_id and f.kommune_nr = o.region_code
where o.region_level = 'kommune' and f.kommune_nr is null
