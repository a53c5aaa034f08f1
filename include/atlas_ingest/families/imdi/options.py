"""Manifest options for IMDi's key-figure pages (`fetch.kind: html`, `parse.parser: imdi_tables`).

Imported at DAG-parse time through `manifest._register_kinds()`: pydantic only, no network.

IMDi has no open API. Each statistic is a yearly page on www.imdi.no with one HTML table per
fylke (kommune NAMES, no codes), sometimes an Excel download of the same figures. The fetch
options say where the yearly pages are; the parse options say how to read their tables — by
header text, never by position, because IMDi's column set changes from year to year.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.manifest import register_fetch_kind, register_parser

CONTENTS_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(value: str, what: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{what}: {value!r} is not a regular expression: {exc}") from None
    return value


@register_fetch_kind("html", "atlas_ingest.families.imdi.pages:ImdiPagesAdapter")
class ImdiPagesOptions(_Options):
    """Where the yearly pages are: listed on an index page, or built from a URL template."""

    # The page linking the yearly pages (discover reads it to find the newest years).
    index_url: str = Field(pattern=r"^https://")
    # A link on the index page is a yearly page when its absolute URL matches this; group `year`.
    page_pattern: str
    # For a backfill (the run's periods): the yearly page's URL, `{year}` filled in.
    page_url: str = Field(pattern=r"^https://.*\{year\}")
    years: int = Field(default=2, ge=1, le=10)
    # Prefer the page's Excel download when it links one (IMDi's own file of the same figures).
    prefer_excel: bool = True
    # A link is the Excel download when its href ends with one of these.
    excel_suffixes: list[str] = Field(default_factory=lambda: [".xlsx"])

    @field_validator("page_pattern")
    @classmethod
    def _year_group(cls, value: str) -> str:
        _regex(value, "page_pattern")
        if "(?P<year>" not in value:
            raise ValueError("page_pattern needs a named group `year`")
        return value


class ColumnRule(_Options):
    """A table column, recognised by its header text (case-insensitive regex search, spaces
    collapsed). Named groups in the pattern become `dimensions` of the cells under it."""

    pattern: str
    code: str = Field(pattern=CONTENTS_CODE.pattern)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        return _regex(value, "pattern")


class ExcelLayout(_Options):
    """A long-format sheet: one row per kommune × breakdown, columns found by header text."""

    sheet: str | None = None  # None: the first sheet whose header row is found
    label_column: str = "^kommune$"
    fylke_column: str | None = "^fylke$"
    code_column: str | None = None  # a kommunenummer column, when the file has one
    dimension_columns: dict[str, str] = Field(default_factory=dict)
    value_column: ColumnRule


@register_parser("imdi_tables", "atlas_ingest.families.imdi.parse:parse")
class ImdiTablesOptions(_Options):
    # The header of the column naming the row: `Kommune` in kommune tables, `Fylke` in the fylke one.
    kommune_label: str = "^kommune$"
    fylke_label: str = "^fylke$"
    columns: list[ColumnRule] = Field(min_length=1)
    # Contents codes every yearly page must have; a page without one fails the parse, naming the
    # headers it found (a renamed column must never load as nothing).
    required_codes: list[str] = Field(default_factory=list)
    excel: ExcelLayout | None = None
    # Rows whose label matches this are totals, not places (skipped, counted in the warnings).
    total_rows: str = r"^(sum|totalt?|i alt|hele landet|landet)\b"
    # `resolve_kommune`'s reference data: the warehouse (Klass 131 as the ssb DAG loaded it) or
    # the repository's recorded Klass snapshots (tests, machines without a warehouse).
    gazetteer: Literal["warehouse", "snapshots"] = "warehouse"
    # Small cells: IMDi hides person counts under 5 with `:`. A count of these codes published
    # below `small_cell_below` (IMDi's rule slipped) is stored as NULL `:` like IMDi's own.
    small_cell_codes: list[str] = Field(default_factory=list)
    small_cell_below: int = Field(default=5, ge=1)
    table_id: str | None = None

    @field_validator("kommune_label", "fylke_label", "total_rows")
    @classmethod
    def _compiles(cls, value: str, info) -> str:
        return _regex(value, info.field_name)

    @model_validator(mode="after")
    def _codes_known(self) -> ImdiTablesOptions:
        codes = {c.code for c in self.columns} | ({self.excel.value_column.code} if self.excel else set())
        unknown = sorted(set(self.required_codes) - codes) + sorted(set(self.small_cell_codes) - codes)
        if unknown:
            raise ValueError(f"required_codes / small_cell_codes name codes no column rule yields: {unknown}")
        return self
