{{ stg_observations('fhi-mediebruk-spill') }}
