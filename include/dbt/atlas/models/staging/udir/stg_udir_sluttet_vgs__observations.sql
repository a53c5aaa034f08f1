{{ stg_observations('udir-sluttet-vgs') }}
