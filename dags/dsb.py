"""DSB — Kommuneundersøkelsen, the annual municipal-preparedness survey (`dsb-kommuneundersokelsen`).

One raw-data workbook per edition; each edition's layout is detected and read by its own reader,
an unknown layout fails the run naming the file. Whether a kommune answered (`is_response`) is kept
apart from what it answered, so "did not answer" never reads as a low score.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("dsb", intro=__doc__)
