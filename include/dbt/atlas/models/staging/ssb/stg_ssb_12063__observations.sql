{{ stg_observations('ssb-12063') }}
