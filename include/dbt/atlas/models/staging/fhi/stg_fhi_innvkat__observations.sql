{{ stg_observations('fhi-innvkat') }}
