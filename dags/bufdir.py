"""Bufdir — Barne-, ungdoms- og familiedirektoratet: the child-poverty and child-welfare monitors.

Bufdir publishes each kommune monitor's whole dataset as one ZIP of xlsx workbooks (one per
indicator), linked from the monitor page. Each source reads the page, downloads the edition's ZIP
(skipped when byte-identical to the last good one), opens it with size, member and
compression-ratio limits, and reads every workbook the manifest lists by its header names
(`Region`, `Regionnavn`, `Enhet`, `Tallformat`, the years). Bufdir's bydel codes are SSB's 6-digit
Klass 103 codes and resolve through `crosswalk_bydel` as published; Oslo's 8-digit delbydeler are
not loaded. Each indicator keeps its methodology (KOSTRA, NUDB, SSB income statistics…) in the
manifest and in `dim_indicator.methodology_kind`. `..` is NULL `..`, a blank cell NULL `.`, never 0.
Barnevern is `sensitive`. Annual; the DAG checks monthly.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("bufdir", intro=__doc__)
