"""Udir — Utdanningsdirektoratet: school statistics from statistikkportalen, per school and kommune.

Five sources from Udir's statistics portal (the API behind statistikkbanken.udir.no): the
Grunnskolens informasjonssystem roster and pupil counts (udir-gsi), the pupil survey's bullying
shares (udir-elevundersokelsen), national tests (udir-nasjonale-prover), absence in 10th grade and
upper secondary (udir-fravar) and upper-secondary dropout within the school year
(udir-sluttet-vgs). Figures land per school (organisasjonsnummer, region_level `school`) as well
as per kommune and fylke; the schools seed `dim_school` and `crosswalk_school_to_kommune`, and the
marts aggregate additive school figures to kommuner. Periods are school years (`2025-2026`).
Udir's `*` (a group too small to show) lands as NULL with the marker `*` and is never
recomputed from totals or other years. Each source reads its reports' descriptors first and
skips the run when their versions and school years are unchanged.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("udir", intro=__doc__)
