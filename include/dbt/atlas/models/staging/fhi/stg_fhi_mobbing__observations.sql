{{ stg_observations('fhi-mobbing') }}
