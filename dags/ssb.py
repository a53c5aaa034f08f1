"""SSB — Statistics Norway: Statistikkbanken tables (PxWebApi v2) and Klass classifications.

Population, income, low income, family composition, education, KOSTRA care and social
assistance, voluntary organisations and reported crime per kommune, plus the classifications
(kommuner, fylker, bydeler, sentralitet) that every other source's geography is checked against.
All requests share the `ssb_api` pool and one rate limiter (SSB: ~30 queries/minute per IP).
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("ssb", intro=__doc__)
