"""Bufdir — Barne-, ungdoms- og familiedirektoratet: the kommune monitors' open data.

Bufdir's monitors (barnefattigdom, barnevern) are single-page apps over its open data; the whole
dataset of an edition is one ZIP of xlsx workbooks, one per indicator, linked from the monitor
page. `options.py` registers the `bufdir_zip` fetch kind and the `bufdir_xlsx` parser (pydantic
only); `monitor.py` finds and downloads the edition's ZIP; `workbooks.py` opens the ZIP safely and
reads each workbook's table by its header names; `parse.py` turns the rows into raw.observations.
"""
