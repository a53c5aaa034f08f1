{{ stg_observations('husbanken-statistikkbank') }}
