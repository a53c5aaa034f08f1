"""Husbanken — the statistikkbank (a public Qlik Sense app at qlik.husbanken.no), not the Power BI
monitor: Power BI is never scraped.

`options.py` registers the `qlik` fetch kind and the `qlik_hypercube` parser (pydantic only);
`qlik.py` is a small Qlik Engine API client (JSON-RPC 2.0 over a WebSocket: OpenDoc,
CreateSessionObject, GetLayout, GetHyperCubeData in pages) whose calls replay and record through
the same snapshot store as every HTTP request; `parse.py` turns the hypercube's `qMatrix` cells
into raw.observations.
"""
