"""NAV — Arbeids- og velferdsetaten: aggregate statistics published as xlsx reports on nav.no.

`options.py` registers the `nav_xlsx` fetch kind and parser (pydantic only); `reports.py` finds a
report's file for the periods a run asks for (the statistics page links the current year's file,
an archive page the earlier ones) and downloads it; `layouts.py` reads one report layout each
(PST302 uføretrygd, AAP155 arbeidsavklaringspenger, HL060 helt ledige, the quarterly sykefravær
table) by header names, never by position; `parse.py` turns the rows into raw.observations.
"""
