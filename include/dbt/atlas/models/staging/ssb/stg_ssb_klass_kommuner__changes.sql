-- Klass 131 change table: old code -> new code on a date (renames, renumbers, merges, splits).
select
    old_code          as old_kommune_nr,
    old_name          as old_kommune_name,
    new_code          as new_kommune_nr,
    new_name          as new_kommune_name,
    change_occurred
from {{ source('raw', 'klass_changes') }}
where source_id = 'ssb-klass-kommuner'
