{{ stg_observations('udir-fravar') }}
