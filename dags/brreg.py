"""Brønnøysund — the NGOs' Enhetsregister entities (`brreg-enheter`) and Frivillighetsregisteret
(`brreg-frivillighetsregisteret`).

brreg-enheter: one paged, name-filtered search per NGO in include/sources/ngo-landscape/landscape.json,
upserted by organisation number; entities that stop appearing are re-read to record deletions.
brreg-frivillighetsregisteret: every registered voluntary organisation, walked whole by searchAfter,
with its ICNPO categories and its registered kommune from Enhetsregisteret; replaced per run.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("brreg", intro=__doc__)
