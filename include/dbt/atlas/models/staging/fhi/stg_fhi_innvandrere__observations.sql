{{ stg_observations('fhi-innvandrere') }}
