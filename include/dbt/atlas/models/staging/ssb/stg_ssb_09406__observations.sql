{{ stg_observations('ssb-09406') }}
