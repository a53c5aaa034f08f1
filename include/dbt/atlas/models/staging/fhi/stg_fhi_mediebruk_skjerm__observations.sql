{{ stg_observations('fhi-mediebruk-skjerm') }}
