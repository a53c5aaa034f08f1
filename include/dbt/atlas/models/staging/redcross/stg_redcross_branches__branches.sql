-- Red Cross branches (redcross-branches), renamed to the chapter vocabulary; no joins.
-- `is_active`: the export's isActive and not isTerminated.
select
    'redcross-' || branch_id                                          as chapter_id,
    branch_id,
    branch_number,
    organization_number                                               as chapter_orgnr,
    branch_type,
    branch_name,
    coalesce(is_active, false) and not coalesce(is_terminated, false) as is_active,
    coalesce(is_terminated, false)                                    as is_terminated,
    creation_date                                                     as founded_on,
    case when parent_branch_id is not null then 'redcross-' || parent_branch_id end as parent_chapter_id_published,
    parent_branch_type,
    municipality                                                      as municipality_published,
    county                                                            as county_published,
    region                                                            as region_published,
    postal_code,
    post_office,
    web_url,
    kommune_nr,
    kommune_resolution,
    kommune_confidence,
    kommune_note,
    activity_count,
    dump_timestamp,
    source_id,
    loaded_at
from {{ source('raw_ngo', 'redcross_branches') }}
where source_id = 'redcross-branches'
