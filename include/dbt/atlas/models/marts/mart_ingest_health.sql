-- One row per registered source: its last run, last success, what it holds, and whether it is
-- fresh against its cadence's budget (manifest cadence -> freshness_budget_days):
--   ok    the last good check (a success, or a run that found upstream unchanged) is within budget
--   warn  older than the budget but within 1.5x (a release may simply be late)
--   stale older than 1.5x the budget, or never loaded
-- A skipped run counts as a good check: it asked upstream and upstream had nothing new.
with runs as (
    select * from {{ ref('stg_atlas__ingest_runs') }}
),
last_run as (
    select distinct on (source_id) source_id, ingest_run_id, run_key, dag_id, status, step, started_at,
           finished_at, error, rows_quarantined
    from runs
    order by source_id, started_at desc
),
last_success as (
    select distinct on (source_id) source_id, ingest_run_id, run_key, dag_id, finished_at, rows_out, upstream_version
    from runs
    where status = 'success'
    order by source_id, finished_at desc
),
last_good_check as (
    select source_id, max(finished_at) as checked_at
    from runs
    where status in ('success', 'skipped')
    group by source_id
),
raw_rows as (
    -- what each source holds in raw now, and when it last changed (dbt source freshness of raw.*)
    select source_id, count(*) as raw_rows, max(loaded_at) as raw_loaded_at from {{ source('raw', 'observations') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw', 'klass_codes') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw', 'klass_correspondences') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw', 'postnummer') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw_ngo', 'brreg_enheter') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw_ngo', 'redcross_branches') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw_scrape', 'folkehjelp_chapters') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw_brreg', 'brreg_frivillige_organisasjoner') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw_lottstift', 'lottstift_momskompensasjon') }} group by 1
    union all
    select source_id, count(*), max(loaded_at) from {{ source('raw_udir', 'udir_schools') }} group by 1
    -- a new raw table: add its line here (tests/unit/test_dbt_project.py checks every one is)
),
quarantine as (
    select source_id, count(*) as quarantined_total from {{ source('raw', 'quarantine') }} group by 1
)
select
    r.source_id,
    r.provider,
    r.family,
    r.title,
    r.cadence,
    r.freshness_budget_days,
    lr.status                                                       as last_run_status,
    lr.step                                                         as last_run_step,
    lr.started_at                                                   as last_run_started_at,
    lr.finished_at                                                  as last_run_finished_at,
    lr.dag_id                                                       as last_run_dag_id,
    lr.run_key                                                      as last_run_id,
    split_part(lr.error, E'\n', 1)                                  as last_error,
    coalesce(lr.rows_quarantined, 0)                                as last_run_quarantined,
    ls.finished_at                                                  as last_success_at,
    ls.dag_id                                                       as last_success_dag_id,
    ls.run_key                                                      as last_success_run_id,
    ls.rows_out                                                     as last_success_rows,
    ls.upstream_version,
    coalesce(rr.raw_rows, 0)                                        as raw_rows,
    rr.raw_loaded_at,
    coalesce(q.quarantined_total, 0)                                as quarantined_total,
    gc.checked_at                                                   as last_good_check_at,
    round((extract(epoch from (now() - gc.checked_at)) / 86400)::numeric, 1) as age_days,
    case
        when gc.checked_at is null then 'stale'
        when now() - gc.checked_at <= make_interval(days => r.freshness_budget_days) then 'ok'
        when now() - gc.checked_at <= make_interval(days => (r.freshness_budget_days * 1.5)::int) then 'warn'
        else 'stale'
    end                                                             as freshness_status
from {{ ref('stg_atlas__source_registry') }} r
left join last_run lr using (source_id)
left join last_success ls using (source_id)
left join last_good_check gc using (source_id)
left join (select source_id, sum(raw_rows) as raw_rows, max(raw_loaded_at) as raw_loaded_at
             from raw_rows group by 1) rr using (source_id)
left join quarantine q using (source_id)
