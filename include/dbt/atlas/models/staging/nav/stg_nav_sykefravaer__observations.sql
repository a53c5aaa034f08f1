{{ stg_observations('nav-sykefravaer') }}
