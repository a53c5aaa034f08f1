{{ stg_observations('ssb-12132') }}
