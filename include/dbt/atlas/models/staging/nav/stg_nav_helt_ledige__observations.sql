{{ stg_observations('nav-helt-ledige') }}
