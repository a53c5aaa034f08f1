"""Sitemaps (sitemaps.org protocol 0.9): the index and its url sets, parsed without I/O.

    <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://host/sitemaps-1-section-news-1-sitemap.xml</loc><lastmod>…</lastmod></sitemap>
    </sitemapindex>

    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://host/page</loc><lastmod>2026-03-15T10:11:12+01:00</lastmod></url>
    </urlset>

`lastmod` is a W3C datetime (a date, or a date and time with a zone); it is returned as an aware
UTC datetime (a bare date is midnight UTC) or None when absent. A malformed `lastmod` is None
too and is counted in `SitemapParse.bad_lastmod`, so a caller can say so instead of guessing.

The parser never resolves entities or reaches the network (lxml with `resolve_entities=False`,
`no_network=True`): a sitemap is untrusted input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


class SitemapError(ValueError):
    """The body is not a sitemap (or not the kind expected); the message names the locator."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None


@dataclass
class SitemapParse:
    kind: str  # "index" | "urlset"
    entries: list[SitemapEntry] = field(default_factory=list)
    bad_lastmod: list[str] = field(default_factory=list)  # locs whose lastmod did not parse


_W3C = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def parse_lastmod(text: str | None) -> datetime | None:
    """`2026-03-15`, `2026-03-15T10:11:12+01:00`, `…Z`, `…+0100` → aware UTC datetime; else None."""
    if not text:
        return None
    match = _W3C.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                         tzinfo=timezone.utc)
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        value = value - timedelta(minutes=offset)
    return value


def parse_sitemap(body: bytes, locator: str) -> SitemapParse:
    """A sitemap index or a url set → its entries in document order."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"{locator}: not well-formed XML ({exc})") from None
    tag = etree.QName(root).localname
    if tag == "sitemapindex":
        kind, item = "index", "sitemap"
    elif tag == "urlset":
        kind, item = "urlset", "url"
    else:
        raise SitemapError(f"{locator}: root element <{tag}> is neither <sitemapindex> nor <urlset>")
    out = SitemapParse(kind)
    for node in root:
        if not isinstance(node.tag, str) or etree.QName(node).localname != item:
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        raw_lastmod = _child_text(node, "lastmod")
        lastmod = parse_lastmod(raw_lastmod)
        if raw_lastmod and lastmod is None:
            out.bad_lastmod.append(loc)
        out.entries.append(SitemapEntry(loc, lastmod))
    return out


def _child_text(node, name: str) -> str | None:
    for child in node:
        if isinstance(child.tag, str) and child.tag in (f"{{{NS}}}{name}", name):
            return (child.text or "").strip() or None
    return None


def expect(parsed: SitemapParse, kind: str, locator: str) -> SitemapParse:
    if parsed.kind != kind:
        wanted = "<sitemapindex>" if kind == "index" else "<urlset>"
        raise SitemapError(f"{locator}: expected a {wanted}, got a {parsed.kind}")
    return parsed
