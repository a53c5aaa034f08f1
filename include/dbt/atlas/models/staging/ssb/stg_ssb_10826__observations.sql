{{ stg_observations('ssb-10826') }}
