"""IMDi — Integrerings- og mangfoldsdirektoratet: refugee settlement and immigrant population per kommune.

Three sources scraped politely from www.imdi.no, which has no open API: settled refugees per
kommune (imdi-bosetting: requested, decided, settled, with collective protection; the current
year's page is updated during the year), immigrants by reason for first immigration and sex
(imdi-innvandringsgrunn-kjonn, from the page's Excel download when it links one) and by country
background (imdi-landbakgrunn). The pages name kommuner without codes: every name is resolved
with `resolve_kommune`, the table's fylke as hint, and a name that does not resolve is
quarantined, never guessed. Columns are read by header text (IMDi's column set changes by year).
`:` (under five persons) stays NULL with its marker; `-` or "avventer vedtak" (no decision yet)
is NULL with `...`. All three sources are `sensitive`: per-kommune refugee and immigrant counts
are politically charged in small kommuner.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("imdi", intro=__doc__)
