{{ stg_observations('ssb-06083') }}
