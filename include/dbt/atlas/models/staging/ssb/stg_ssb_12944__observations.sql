{{ stg_observations('ssb-12944') }}
