"""Manifest options of the scraped NGO sources (pydantic only: imported at DAG-parse time).

`sitemap_scrape` — a polite, incremental scraper of pages a site lists in its sitemap
(`families/ngo_scrape/sitemap_scrape.py`): robots.txt first (a Disallow stops the run), then the
sitemap index and the sub-sitemap(s) matching `sub_sitemap`, keeping the `<loc>` URLs that match
`url_pattern` with their `<lastmod>`; fewer than `min_discovered_urls` fails the run before
anything is written. A page is fetched only when it has no record yet or its lastmod moved
(raw.sitemap_log); an optional `index_page` is fetched once per run and may fail without failing
the run. The parser of the source decides what the pages mean.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from atlas_ingest.manifest import register_fetch_kind


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


@register_fetch_kind("sitemap_scrape", "atlas_ingest.families.ngo_scrape.sitemap_scrape:SitemapScrapeAdapter")
class SitemapScrapeOptions(_Options):
    # Paths are relative to the manifest's `fetch.endpoint` (the site's origin).
    sitemap_index: str = Field(pattern=r"^/\S*$", description="Path of the sitemap index, e.g. /sitemaps-1-sitemap.xml")
    sub_sitemap: str = Field(description="Regex (search) for the sub-sitemap <loc>s to read")
    url_pattern: str = Field(description="Regex (full match) a page URL must satisfy to be scraped")
    index_page: str | None = Field(default=None, pattern=r"^/\S*$",
                                   description="A listing page fetched once per run (e.g. fylke grouping)")
    # A broken sitemap must never orphan the whole organisation: fewer URLs fail the run first.
    min_discovered_urls: int = Field(ge=1)
    # The source's record table (with source_id, url, is_active): a URL without a row is fetched.
    records_table: str = Field(pattern=r"^raw\.[a-z_]+$")
    # Files in the source folder whose content changes what a run loads (overrides): a change
    # means the run is not skipped even when no page moved.
    config_files: list[str] = Field(default_factory=list)
    # Sources whose data the parser joins (Brreg): a new successful run of one means no skip.
    depends_on: list[str] = Field(default_factory=list)
    # So many page failures in a row means the site is down, not one page: the run fails.
    max_consecutive_failures: int = Field(default=5, ge=1)

    _check_regexes = field_validator("sub_sitemap", "url_pattern")(_regex)
