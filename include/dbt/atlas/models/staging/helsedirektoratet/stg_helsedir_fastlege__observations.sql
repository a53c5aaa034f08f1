{{ stg_observations('helsedir-fastlege') }}
