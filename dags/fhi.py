"""FHI — Folkehelseinstituttet: Folkehelsestatistikk through FHI's open statistics API.

Public-health indicators per kommune, bydel, fylke and Norway: the Ungdata youth-survey
indicators (quality of life, depressive symptoms, loneliness, alcohol and cannabis use, a
confiding friend, painkillers, screen time, gaming and social media), bullying in 7th and 10th
grade, upper-secondary completion, NEET, overcrowded housing, immigrants by category and country
background, and primary-care contacts for psychological problems (KPR). Each source asks FHI for
its table's `modifiedAt` first and skips the run when the table has not changed; FHI's
anonymised and missing cells land as NULL with their marker, never as 0. Ungdata-based sources
are `sensitive`: sample estimates for minors, not a ranking of kommuner.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("fhi", intro=__doc__)
