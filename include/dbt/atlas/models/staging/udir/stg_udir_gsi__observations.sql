{{ stg_observations('udir-gsi') }}
