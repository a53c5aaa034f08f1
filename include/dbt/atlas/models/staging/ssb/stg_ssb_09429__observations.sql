{{ stg_observations('ssb-09429') }}
