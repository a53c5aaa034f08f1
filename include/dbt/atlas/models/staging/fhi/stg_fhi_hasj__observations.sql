{{ stg_observations('fhi-hasj') }}
