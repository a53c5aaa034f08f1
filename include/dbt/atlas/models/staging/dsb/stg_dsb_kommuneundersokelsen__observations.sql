{{ stg_observations('dsb-kommuneundersokelsen') }}
