{{ stg_observations('ssb-06944') }}
