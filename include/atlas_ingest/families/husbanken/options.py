"""Manifest options for Husbanken's statistikkbank (`fetch.kind: qlik`, `parse.parser: qlik_hypercube`).

Imported at DAG-parse time through `manifest._register_kinds()`: pydantic only, no network.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.manifest import register_fetch_kind, register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@register_fetch_kind("qlik", "atlas_ingest.families.husbanken.qlik:QlikHypercubeAdapter")
class QlikFetchOptions(_Options):
    """One hypercube of a public Qlik Sense app, asked through the Engine API (JSON-RPC over a
    WebSocket) and read in pages."""

    host: str = Field(pattern=r"^[a-z0-9.-]+$")
    virtual_proxy: str = Field(default="", pattern=r"^(/[a-z0-9_-]+)?$")
    app_id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    # the cube's dimensions, by field name, in order (region first, then year)
    dimensions: list[str] = Field(min_length=2)
    # measure label → Qlik expression; the label comes back as the measure's title (`qLabel`)
    measures: dict[str, str] = Field(min_length=1)
    page_rows: int = Field(default=1000, gt=0)
    # Qlik refuses pages above 10,000 cells
    max_page_cells: int = Field(default=10_000, gt=0)

    @model_validator(mode="after")
    def _page_fits(self) -> QlikFetchOptions:
        width = len(self.dimensions) + len(self.measures)
        if width * self.page_rows > self.max_page_cells:
            raise ValueError(f"page_rows {self.page_rows} × {width} columns exceeds Qlik's {self.max_page_cells} "
                             "cells per page")
        return self

    @property
    def engine_url(self) -> str:
        return f"wss://{self.host}{self.virtual_proxy}/app/{self.app_id}"

    @property
    def app_url(self) -> str:
        # the REST metadata is served without the virtual proxy prefix (as observed live, 2026)
        return f"https://{self.host}/api/v1/apps/{self.app_id}"


class BydelCode(_Options):
    bydel: str | None = Field(default=None, pattern=r"^\d{6}$")  # the Klass 103 code, None = no current bydel
    name: str
    note: str | None = None


@register_parser("qlik_hypercube", "atlas_ingest.families.husbanken.parse:parse")
class QlikHypercubeParseOptions(_Options):
    region_dimension: str
    year_dimension: str
    # optional: a name dimension; when present every mapped bydel pseudo-code's name is checked
    name_dimension: str | None = None
    first_year: int = Field(default=2020, ge=1990, le=2100)
    # the app's own 4-digit codes for bydeler (Husbanken: Oslo 0311–0326) → Klass 103 codes
    bydel_codes: dict[str, BydelCode] = Field(default_factory=dict)
    # codes that are no region Atlas can place: quarantined with the reason
    not_regions: dict[str, str] = Field(default_factory=dict)

    @field_validator("bydel_codes", "not_regions")
    @classmethod
    def _four_digit_keys(cls, value: dict) -> dict:
        bad = [k for k in value if not re.fullmatch(r"\d{4}", k)]
        if bad:
            raise ValueError(f"keys must be the app's 4-digit codes: {bad}")
        return value
