"""Find and download the NAV report file a run needs (`fetch.kind: nav_xlsx`).

NAV publishes each table as one xlsx per year, replaced in place as the year goes on (a new month
column each release), linked from the table's statistics page as an nav.no attachment
(`/_/attachment/download/<uuid>:<hash>/202608_HL060 ….xlsx`; the hash changes with every
release, so the link is found again on every run). Earlier years' files are linked from an
archive page. The manifest lists the pages in the order they are searched.

discover:
* which periods: the run's (`ctx.periods`: the `periods` param, or the periods of a backfill's or
  a scheduled run's data interval — never "today"); without any, the latest file and every
  period in it;
* reads the pages (only as far as needed), takes the links matching the report's pattern, and
  tells each file's year from its file name (`202608_HL060…` → 2026, `…2025.xlsx` → 2025) or
  its link text;
* downloads the file(s) for the years asked, reads the header rows to see which of the asked
  periods NAV has published yet (a period not yet out is skipped with a note, not an error),
  and — for a latest run — skips the run when the file is byte-identical to the last good one.
The bodies discover downloaded go to the landing store with the plan; fetch has nothing left to do.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from atlas_ingest.kinds import Fetched, Plan, RunContext, store_response

log = logging.getLogger("atlas_ingest.families.nav")

YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d{2})(?:0[1-9]|1[0-2])?(?!\d)")


class NavReportError(RuntimeError):
    """The statistics pages do not link the report as the manifest describes."""


@dataclass(frozen=True)
class ReportLink:
    url: str
    text: str
    page: str
    year: int | None

    @property
    def filename(self) -> str:
        return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])


def year_of_link(href: str, text: str) -> int | None:
    """The year a report file covers, from its file name first, then its link text."""
    name = unquote(urlsplit(href).path.rsplit("/", 1)[-1])
    for candidate in (name, text):
        years = {int(m) for m in YEAR_IN_NAME.findall(candidate or "")}
        if len(years) == 1:
            return years.pop()
    return None


def report_links(html: str, page_url: str, pattern: re.Pattern[str]) -> list[ReportLink]:
    """Every link on a page whose URL matches the report's pattern, absolute, in page order."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    out: list[ReportLink] = []
    seen: set[str] = set()
    for anchor in soup.find_all("a", href=True):
        href = urljoin(page_url, anchor["href"].strip())
        if href in seen or not pattern.search(urlsplit(href).path):
            continue
        seen.add(href)
        text = " ".join(anchor.get_text(" ").split())
        out.append(ReportLink(url=href, text=text, page=page_url, year=year_of_link(href, text)))
    return out


def choose_files(links_by_page: list[list[ReportLink]], years: list[int] | None) -> tuple[list[ReportLink], list[int]]:
    """The file for each year asked (the first page that links it wins), or the newest file on the
    first page that has any; returns (files, years no page links)."""
    if years is None:
        for links in links_by_page:
            dated = [link for link in links if link.year is not None]
            if dated:
                newest = max(link.year for link in dated)
                return [next(link for link in dated if link.year == newest)], []
        return [], []
    chosen: list[ReportLink] = []
    missing = []
    for year in years:
        hit = next((link for links in links_by_page for link in links if link.year == year), None)
        if hit is None:
            missing.append(year)
        else:
            chosen.append(hit)
    return chosen, missing


def _years_of(periods: list[str]) -> list[int]:
    return sorted({int(p[:4]) for p in periods})


class NavReportAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        from atlas_ingest.families.nav.layouts import LAYOUTS, published_periods

        m = ctx.manifest
        fetch_opts = m.fetch_options()
        parse_opts = m.parse_options()
        layout = LAYOUTS[parse_opts.layout]
        pattern = fetch_opts.link_regex()
        if ctx.periods is not None and not ctx.periods:
            return Plan([], skip_reason="no period of this source ended in the run's data interval "
                                        f"({ctx.data_interval_start} – {ctx.data_interval_end}); nothing to load",
                        notes={"nav_report": fetch_opts.report})
        asked = list(ctx.periods) if ctx.periods else None
        years = _years_of(asked) if asked else None

        fetched: list[Fetched] = []
        links_by_page: list[list[ReportLink]] = []
        for page in fetch_opts.pages:
            response = ctx.client.get(page)
            fetched.append(store_response(ctx.landing, response, "page", {"page": page}))
            links = report_links(response.text, page, pattern)
            links_by_page.append(links)
            files, missing = choose_files(links_by_page, years)
            if files and not missing:
                break
        all_links = [link for links in links_by_page for link in links]
        if not all_links:
            raise NavReportError(
                f"{m.id}: no link to a {fetch_opts.report} xlsx on {', '.join(fetch_opts.pages)} "
                f"(pattern {pattern.pattern!r}); NAV may have moved or renamed the report — check the pages")
        undated = [link.url for link in all_links if link.year is None]
        if undated:
            log.warning("%s: %d %s link(s) name no year and were not considered: %s", m.id, len(undated),
                        fetch_opts.report, ", ".join(undated[:5]))
        files, missing_years = choose_files(links_by_page, years)
        notes: dict[str, Any] = {"nav_report": fetch_opts.report,
                                 "links": [{"year": link.year, "url": link.url} for link in all_links][:20]}
        if missing_years:
            log.warning("%s: NAV links no %s file for %s on %s", m.id, fetch_opts.report,
                        ", ".join(map(str, missing_years)), ", ".join(fetch_opts.pages))
        if not files:
            return Plan([], skip_reason=f"NAV has published no {fetch_opts.report} file for "
                                        f"{', '.join(map(str, missing_years or []))} yet (periods asked: "
                                        f"{', '.join(asked or [])})", fetched=fetched, notes=notes)

        digest = hashlib.sha256()
        planned: list[str] = []
        not_yet: list[str] = []
        for link in files:
            response = ctx.client.get(link.url)
            if len(response.body) > fetch_opts.max_file_bytes:
                raise NavReportError(f"{m.id}: {link.url} is {len(response.body):,} bytes, over the "
                                     f"manifest's max_file_bytes {fetch_opts.max_file_bytes:,}")
            digest.update(response.body)
            where = f"{m.id}: {link.filename} ({link.url})"
            published = published_periods(response.body, layout, list(parse_opts.sheets), where)
            wanted = [p for p in asked if p.startswith(str(link.year))] if asked else sorted(published)
            planned += [p for p in wanted if p in published]
            not_yet += [p for p in wanted if p not in published]
            fetched.append(store_response(ctx.landing, response, "file",
                                          {"year": link.year, "url": link.url, "page": link.page,
                                           "filename": link.filename, "published": sorted(published)}))
        version = f"sha256:{digest.hexdigest()}"
        notes.update(files=[{"year": link.year, "url": link.url} for link in files], periods=sorted(planned))
        if not_yet:
            notes["not_published_yet"] = sorted(not_yet)
            log.warning("%s: NAV has not published %s in %s yet", m.id, ", ".join(sorted(not_yet)),
                        ", ".join(link.filename for link in files))
        if not planned:
            return Plan([], skip_reason=f"the {fetch_opts.report} file(s) do not have period(s) "
                                        f"{', '.join(sorted(not_yet))} yet", upstream_version=version,
                        fetched=fetched, notes=notes)
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = None
        if asked is None and previous == version:
            skip = f"the latest {fetch_opts.report} file is byte-identical to the last successful run ({version[:19]}…)"
        return Plan([], skip_reason=skip, upstream_version=version, fetched=fetched, notes=notes)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        return []
