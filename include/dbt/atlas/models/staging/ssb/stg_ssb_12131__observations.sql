{{ stg_observations('ssb-12131') }}
