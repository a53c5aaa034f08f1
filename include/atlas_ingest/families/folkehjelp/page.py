"""Pure parsers of folkehjelp.no pages: a chapter page (`parse`) and the index page (`parse_index`).

A chapter page (`https://folkehjelp.no/lokallag/<slug>`, Craft CMS, semantic HTML with no
classes on the section, research 002 appendix B):

    <h1>Norsk Folkehjelp Asker og Bærum</h1>
    …
    <h3>Aktivitetsområder</h3>
    <h4>Førstehjelp og redningstjeneste</h4><p>…</p>
    <h4>Sanitetsungdom</h4><p>…</p>
    <h2>…the next section…</h2>

`parse(html, url)` finds the <h3> whose text is "Aktivitetsområder", walks its following
siblings until the next <h2>/<h3> and collects the <h4> texts (also <h4>s wrapped in a sibling
<div>). Heading present with no <h4> → `empty` (zero activities; the chapter is still active).
Heading missing → `missing` and a warning (a template change): the loader keeps the chapter's
previous activities. A label outside Norsk Folkehjelp's six activity areas is a warning naming
the label and the chapter; it is kept (`is_known_bin` false) and lands unmapped.

Every string is NFC-normalised here, at the boundary (a page served in NFD would otherwise flip
the record hash between runs), and whitespace is collapsed. `record_hash` is the sha256 of the
canonical JSON of the extracted record — never of the HTML, which changes with every token.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

HEADING = "Aktivitetsområder"
# Norsk Folkehjelp's six activity areas, verbatim (research 002 C.2); mapped 1:1 to Atlas service
# categories by the dbt seed folkehjelp_activity_category.
KNOWN_BINS = (
    "Førstehjelp og redningstjeneste",
    "Sanitetsungdom",
    "Samfunnsarbeid",
    "Flyktning og inkludering",
    "Internasjonale spørsmål",
    "Solidaritetsungdom",
)
SECTION_LISTED, SECTION_EMPTY, SECTION_MISSING = "listed", "empty", "missing"
_TITLE_SUFFIX = re.compile(r"\s*[|–-]\s*Norsk Folkehjelp\s*$", re.I)


class PageError(ValueError):
    pass


def text_of(value: str | None) -> str:
    """NFC, whitespace (incl. no-break spaces) collapsed, stripped."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value or "")).strip()


def slug_of(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    slug = path.rsplit("/", 1)[-1]
    if not re.fullmatch(r"[a-z0-9-]+", slug):
        raise PageError(f"{url}: no chapter slug in the URL")
    return slug


@dataclass(frozen=True)
class ChapterRecord:
    """What a chapter page says, canonically: the unit of change detection."""

    slug: str
    url: str
    display_name: str
    activities_section: str  # listed | empty | missing
    activities: tuple[str, ...] = ()

    def canonical(self) -> dict[str, Any]:
        return {"slug": self.slug, "url": self.url, "display_name": self.display_name,
                "activities_section": self.activities_section, "activities": list(self.activities)}

    @property
    def record_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ParsedPage:
    record: ChapterRecord
    unknown_labels: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The golden-fixture form (tests/resources/folkehjelp/*.expected.json)."""
        return {**self.record.canonical(), "record_hash": self.record.record_hash,
                "unknown_labels": list(self.unknown_labels), "warnings": list(self.warnings)}


def _soup(html: str | bytes):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "lxml")


def _display_name(soup, slug: str) -> tuple[str, list[str]]:
    h1 = soup.find("h1")
    if h1 is not None and text_of(h1.get_text(" ")):
        return text_of(h1.get_text(" ")), []
    title = soup.find("title")
    if title is not None and text_of(title.get_text(" ")):
        return _TITLE_SUFFIX.sub("", text_of(title.get_text(" "))) or slug, []
    return slug, [f"no <h1> or <title>: the display name falls back to the slug {slug!r}"]


def _activity_heading(soup):
    for h3 in soup.find_all("h3"):
        if text_of(h3.get_text(" ")) == HEADING:
            return h3
    return None


def _labels_after(heading) -> list[str]:
    from bs4 import Tag

    labels: list[str] = []
    for sibling in heading.next_siblings:
        if not isinstance(sibling, Tag):
            continue
        if sibling.name in ("h2", "h3"):
            break
        if sibling.name == "h4":
            labels.append(text_of(sibling.get_text(" ")))
            continue
        stop = False
        for inner in sibling.find_all(["h2", "h3", "h4"]):
            if inner.name != "h4":
                stop = True
                break
            labels.append(text_of(inner.get_text(" ")))
        if stop:
            break
    return labels


def parse(html: str | bytes, url: str) -> ParsedPage:
    """A chapter page → its record (pure: no network, no database)."""
    url = text_of(url)
    slug = slug_of(url)
    soup = _soup(html)
    display_name, warnings = _display_name(soup, slug)
    heading = _activity_heading(soup)
    if heading is None:
        warnings.append(f"{url}: no <h3>{HEADING}</h3> on the page of chapter {slug!r} (template change?); "
                        "the chapter keeps its previous activities")
        return ParsedPage(ChapterRecord(slug, url, display_name, SECTION_MISSING), (), tuple(warnings))
    labels: list[str] = []
    for label in _labels_after(heading):
        if label and label not in labels:
            labels.append(label)
    unknown = tuple(label for label in labels if label not in KNOWN_BINS)
    for label in unknown:
        warnings.append(f"{url}: unknown activity label {label!r} on chapter {slug!r} (not one of Norsk "
                        "Folkehjelp's six activity areas): loaded unmapped; review it and add it to the "
                        "folkehjelp_activity_category seed")
    section = SECTION_LISTED if labels else SECTION_EMPTY
    return ParsedPage(ChapterRecord(slug, url, display_name, section, tuple(labels)), unknown, tuple(warnings))


# ------------------------------------------------------------------------------------ the index page
@dataclass
class IndexParse:
    groups: dict[str, str | None] = field(default_factory=dict)  # slug → the heading it is listed under
    names: dict[str, str] = field(default_factory=dict)  # slug → link text
    headings: list[str] = field(default_factory=list)


def parse_index(html: str | bytes, page_url: str, url_pattern: str, heading: str = "h2") -> IndexParse:
    """The /lokallag page → which heading (a fylke, for Norsk Folkehjelp) lists each chapter.

    Walks the document in order: the latest `heading` element seen is the group of every chapter
    link after it. A chapter listed twice keeps its first group. Raises PageError when the page
    links to no chapter at all (a changed template; the caller degrades)."""
    from bs4 import Tag

    pattern = re.compile(url_pattern)
    soup = _soup(html)
    out = IndexParse()
    current: str | None = None
    for element in soup.descendants:
        if not isinstance(element, Tag):
            continue
        if element.name == heading:
            current = text_of(element.get_text(" ")) or None
            if current:
                out.headings.append(current)
        elif element.name == "a" and element.get("href"):
            href = urljoin(page_url, element["href"].strip()).split("#", 1)[0].split("?", 1)[0].rstrip("/")
            if not pattern.fullmatch(href):
                continue
            slug = slug_of(href)
            if slug not in out.groups:
                out.groups[slug] = current
                out.names[slug] = text_of(element.get_text(" "))
    if not out.groups:
        raise PageError(f"{page_url}: the index page links to no chapter matching {url_pattern!r}")
    return out
