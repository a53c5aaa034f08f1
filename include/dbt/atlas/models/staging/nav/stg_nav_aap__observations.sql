{{ stg_observations('nav-aap') }}
