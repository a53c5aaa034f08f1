"""NAV — Arbeids- og velferdsetaten: welfare, labour-market and sickness-absence statistics.

Four of NAV's aggregate tables, each published on nav.no as one xlsx report per year that grows a
column with every release: uføretrygd recipients (PST302, kommune and bydel), arbeidsavklaringspenger
recipients (AAP155), registered fully unemployed (HL060) — monthly — and legemeldt sykefravær by
bostedskommune, quarterly. The DAG runs on the 20th of each month, after NAV's releases: a run
loads the month that ended in its data interval (the quarter two months later for sykefravær), so
a backfill of a past month fetches that month's file from NAV's archive page and replaces only
that month. A manual run without `periods` loads every month of the newest file and is skipped
when the file has not changed. The readers find each report's header row and month columns by
name; a renamed or missing column fails the run with the file, sheet and the columns found, and
the last good data stays. NAV's `*` (fewer than 4 persons) lands as NULL with its marker, never 0;
`Ukjent` and `2100 Svalbard` rows are quarantined. Uføretrygd and helt ledige are `sensitive`.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("nav", intro=__doc__)
