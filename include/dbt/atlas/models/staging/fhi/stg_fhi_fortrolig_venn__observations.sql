{{ stg_observations('fhi-fortrolig-venn') }}
