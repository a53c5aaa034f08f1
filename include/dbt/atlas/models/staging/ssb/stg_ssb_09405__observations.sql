{{ stg_observations('ssb-09405') }}
