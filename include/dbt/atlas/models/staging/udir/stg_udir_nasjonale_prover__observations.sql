{{ stg_observations('udir-nasjonale-prover') }}
