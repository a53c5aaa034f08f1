{{ stg_observations('udir-elevundersokelsen') }}
