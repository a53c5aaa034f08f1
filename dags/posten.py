"""Posten/Bring — the postnummer register.

The first key `resolve_kommune` uses for NGO addresses, and the source of `dim_postnummer`.
Checked monthly; an unchanged file (same sha256) is skipped.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("posten", intro=__doc__)
