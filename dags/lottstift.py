"""Lotteri- og stiftelsestilsynet — momskompensasjon, the yearly VAT-compensation lists (`lottstift-momskompensasjon`).

One workbook per grant year (2019–2024), each read by the reader of its own layout; recipients are
joined to organisations (Frivillighetsregisteret, the NGO landscape) by organisation number.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("lottstift", intro=__doc__)
