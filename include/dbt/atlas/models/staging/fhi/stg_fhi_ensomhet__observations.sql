{{ stg_observations('fhi-ensomhet') }}
