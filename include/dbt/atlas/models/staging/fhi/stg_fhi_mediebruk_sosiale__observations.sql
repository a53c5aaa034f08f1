{{ stg_observations('fhi-mediebruk-sosiale') }}
