{{ stg_observations('ssb-12292') }}
