{{ stg_observations('imdi-landbakgrunn') }}
