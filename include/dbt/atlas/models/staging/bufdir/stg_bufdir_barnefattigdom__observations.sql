{{ stg_observations('bufdir-barnefattigdom') }}
