"""Helsedirektoratet — Helfo's fastlege statistics (`helsedir-fastlege`).

Monthly first-of-month snapshots per kommune, fylke and Norway from Helsedirektoratet's
developer-portal API (never the Power BI dashboard). Live runs need the subscription key in the
Airflow connection `helsedir_api` (its password); without it the run fails naming that connection.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("helsedirektoratet", intro=__doc__)
