"""Husbanken — the statistikkbank's bostøtte figures per kommune and Oslo bydel.

Husbanken's statistikkbank is a public Qlik Sense app (qlik.husbanken.no). The source asks the
app's REST metadata whether it has been reloaded since the last good run, and if so opens one Qlik
Engine API session (JSON-RPC over a WebSocket: OpenDoc, a session hypercube KommuneNr × År with
five bostøtte measures, GetLayout, GetHyperCubeData in 1,000-row pages). Husbanken's own 4-digit
codes for Oslo's bydeler (0311–0326) are mapped to Klass 103 codes by a named table in the
manifest; Svalbard's pseudo-codes, the discontinued bydel and the app's null-year bucket are
quarantined with their reasons. The Power BI Boligsosial monitor is never scraped. Annual; the
DAG checks monthly.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("husbanken", intro=__doc__)
