{{ stg_observations('imdi-bosetting') }}
