{{ stg_observations('ssb-08484') }}
