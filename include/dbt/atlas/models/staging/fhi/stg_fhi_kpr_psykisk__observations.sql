{{ stg_observations('fhi-kpr-psykisk') }}
