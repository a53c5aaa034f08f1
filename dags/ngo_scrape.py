"""NGO scrape — NGOs without an API, read politely from their public web pages: Norsk Folkehjelp's lokallag (`folkehjelp-chapters`).

Each run reads robots.txt (a Disallow stops the run), the sitemap index and the chapter
sub-sitemap, and fetches only the chapter pages whose `lastmod` moved (raw.sitemap_log), one
request per second through the `scrape_polite` pool. A page's "Aktivitetsområder" section is
parsed into its activity areas; an unchanged record writes nothing; a chapter that leaves the
sitemap is marked inactive, never deleted — unless the sitemap lists fewer URLs than the source's
floor, which fails the run before anything is touched. Chapters are matched to their
Enhetsregister entities (run the `brreg` DAG first) and placed in kommuner from the slug (Klass,
from the `ssb` DAG), with `overrides.json` in the source folder as the escape hatch.
"""

from atlas_ingest.airflow.factory import build_family_dag

dag = build_family_dag("ngo_scrape", intro=__doc__)
