{{ stg_observations('fhi-alkohol') }}
