{{ stg_observations('ssb-06947') }}
