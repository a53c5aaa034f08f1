{{ stg_observations('ssb-06913') }}
