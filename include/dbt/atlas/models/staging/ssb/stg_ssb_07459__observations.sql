{{ stg_observations('ssb-07459') }}
