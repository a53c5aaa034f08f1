{{ stg_observations('fhi-depresjon') }}
