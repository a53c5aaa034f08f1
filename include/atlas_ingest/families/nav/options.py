"""Manifest options for NAV's xlsx reports (`fetch.kind: nav_xlsx`, `parse.parser: nav_xlsx`).

Imported at DAG-parse time through `manifest._register_kinds()`: pydantic only, no network.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from atlas_ingest.manifest import register_fetch_kind, register_parser

# The report layouts `layouts.py` knows (one reader each).
LAYOUTS = ("PST302", "AAP155", "HL060", "SYKEFRAVAER")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@register_fetch_kind("nav_xlsx", "atlas_ingest.families.nav.reports:NavReportAdapter")
class NavReportFetchOptions(_Options):
    """Where a report's files are linked: the statistics page first (the current year's file),
    then archive pages (earlier years), in the order they are searched."""

    report: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="NAV's table code, e.g. PST302, HL060")
    pages: list[str] = Field(min_length=1)
    # Which links on a page are this report's files; default: an nav.no attachment link whose
    # file name contains the report code and ends in .xlsx.
    link_pattern: str | None = None
    max_file_bytes: int = Field(default=50 * 1024 * 1024, gt=0)

    @field_validator("pages")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        bad = [u for u in value if not re.match(r"^https://[^\s/]+/", u)]
        if bad:
            raise ValueError(f"pages must be https URLs: {bad}")
        return value

    @field_validator("link_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    def link_regex(self) -> re.Pattern[str]:
        if self.link_pattern:
            return re.compile(self.link_pattern, re.I)
        return re.compile(r"/_/attachment/(?:download|inline)/[^\s\"'<>]*" + re.escape(self.report)
                          + r"[^\s\"'<>/]*\.xlsx$", re.I)


class SheetSpec(_Options):
    """One sheet of the report: the indicator it holds."""

    contents_code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=3)
    unit: str


@register_parser("nav_xlsx", "atlas_ingest.families.nav.parse:parse")
class NavReportParseOptions(_Options):
    layout: str
    # sheet name (exactly as NAV names it) → what it holds; a listed sheet the file lacks fails
    # the run with the sheets it has
    sheets: dict[str, SheetSpec] = Field(min_length=1)
    # Row labels that are no region Atlas can place: quarantined with this reason, never loaded
    # under a made-up code. Keys are the label's code or its whole text.
    not_regions: dict[str, str] = Field(default_factory=lambda: {
        "Ukjent": "NAV's 'Ukjent' row: persons whose bostedskommune NAV does not know; not a region",
        "2100": "2100 Svalbard is not a kommune (no Klass 131 code); NAV reports it as a pseudo-kommune",
    })
    # NAV-internal units (NAV-kontor, NAV-region) by the number their row label carries (4-digit
    # unit number, or a NAV region's 2 digits; a code-less `NAV Frogner` row is found by `name`):
    # mapped to a kommune only where the unit serves exactly one kommune, otherwise kept at its own
    # level. A 2-digit NAV region not listed here stays at nav_region (never read as a fylke).
    nav_units: dict[str, NavUnit] = Field(default_factory=dict)

    @field_validator("layout")
    @classmethod
    def _known_layout(cls, value: str) -> str:
        if value not in LAYOUTS:
            raise ValueError(f"unknown NAV report layout {value!r} (known: {', '.join(LAYOUTS)})")
        return value


class NavUnit(_Options):
    name: str
    level: str = Field(pattern=r"^(nav_kontor|nav_region)$")
    kommuner: list[str] = Field(default_factory=list)

    @field_validator("kommuner")
    @classmethod
    def _four_digits(cls, value: list[str]) -> list[str]:
        bad = [k for k in value if not re.fullmatch(r"\d{4}", k)]
        if bad:
            raise ValueError(f"kommuner must be 4-digit kommune numbers: {bad}")
        return value


NavReportParseOptions.model_rebuild()
