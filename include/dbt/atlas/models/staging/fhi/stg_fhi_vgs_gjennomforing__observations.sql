{{ stg_observations('fhi-vgs-gjennomforing') }}
