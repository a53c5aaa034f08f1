{{ stg_observations('fhi-livskvalitet') }}
