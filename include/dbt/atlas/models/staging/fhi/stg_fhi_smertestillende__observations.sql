{{ stg_observations('fhi-smertestillende') }}
