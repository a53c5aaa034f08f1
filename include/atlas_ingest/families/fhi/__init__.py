"""FHI — Folkehelseinstituttet's open statistics API (Folkehelsestatistikk, source `nokkel`).

`options.py` registers the `fhi_api` fetch kind and the `fhi_jsonstat2` parser (pydantic only);
`api.py` is the request planner and the adapter; `parse.py` maps FHI's flags to status markers
and hands the cube to the shared JSON-stat decoder (one decoder for SSB and FHI).
"""
