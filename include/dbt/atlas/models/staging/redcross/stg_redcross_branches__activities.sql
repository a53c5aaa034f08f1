-- Each Red Cross branch's activity list, in export order. `activity_id` is the canonical
-- activity: 'redcross-' + the slug of globalActivityName (`redcross-besokstjeneste`).
select
    'redcross-' || branch_id                      as chapter_id,
    branch_id,
    activity_seq,
    'redcross-' || global_activity_slug           as activity_id,
    global_activity_name,
    local_activity_name,
    source_id,
    loaded_at
from {{ source('raw_ngo', 'redcross_branch_activities') }}
where source_id = 'redcross-branches'
