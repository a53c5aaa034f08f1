{{ stg_observations('fhi-neet') }}
