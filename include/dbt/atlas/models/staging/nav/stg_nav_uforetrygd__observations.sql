{{ stg_observations('nav-uforetrygd') }}
