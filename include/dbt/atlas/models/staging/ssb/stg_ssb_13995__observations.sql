{{ stg_observations('ssb-13995') }}
