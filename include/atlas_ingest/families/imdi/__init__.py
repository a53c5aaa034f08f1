"""IMDi — Integrerings- og mangfoldsdirektoratet: key figures scraped from www.imdi.no.

`options.py` registers the `html` fetch kind and the `imdi_tables` parser (pydantic only);
`pages.py` finds the yearly key-figure pages and their Excel downloads; `parse.py` reads the
tables by header text, resolves kommune names (no codes on the pages) through
`Gazetteer.resolve_kommune` with the table's fylke as hint, and keeps IMDi's markers.
"""
