{{ stg_observations('imdi-innvandringsgrunn-kjonn') }}
