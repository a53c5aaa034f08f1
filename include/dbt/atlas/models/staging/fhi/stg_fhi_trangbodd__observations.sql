{{ stg_observations('fhi-trangbodd') }}
