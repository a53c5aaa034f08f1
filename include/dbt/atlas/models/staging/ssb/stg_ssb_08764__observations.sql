{{ stg_observations('ssb-08764') }}
