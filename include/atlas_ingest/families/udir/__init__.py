"""Udir — Utdanningsdirektoratet's school statistics (statistikkportalen, the API behind statistikkbanken).

`options.py` registers the `udir_api` fetch kind and the `udir_pivot` parser (pydantic only);
`api.py` reads each report's descriptor and filter tree and plans the pivot requests; `parse.py`
reads the pivots (decimal commas, thousands spaces, `*` suppression, fylke/kommune/school rows)
into raw.observations and the school roster raw.udir_schools.
"""
