{{ stg_observations('ssb-08487') }}
