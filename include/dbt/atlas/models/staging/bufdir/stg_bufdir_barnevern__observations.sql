{{ stg_observations('bufdir-barnevern') }}
