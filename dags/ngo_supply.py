"""NGO supply — what each NGO offers, where: the Red Cross branches and activities (`redcross-branches`).

Reads the Red Cross Organizations API export (or the live API: same parser), resolves every
branch's kommune (postal code first, then the name) and never loads contacts. Needs the `ssb`
(Klass 131) and `posten` (postnummer) DAGs to have loaded first.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("ngo_supply", intro=__doc__)
