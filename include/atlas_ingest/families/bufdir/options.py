"""Manifest options for Bufdir's monitor downloads (`fetch.kind: bufdir_zip`, `parse.parser: bufdir_xlsx`).

Imported at DAG-parse time through `manifest._register_kinds()`: pydantic only, no network.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.manifest import register_fetch_kind, register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@register_fetch_kind("bufdir_zip", "atlas_ingest.families.bufdir.monitor:BufdirMonitorAdapter")
class BufdirZipFetchOptions(_Options):
    """The monitor page that links the edition's ZIP ("last ned hele datasettet")."""

    page: str = Field(pattern=r"^https://[^\s/]+/")
    # which .zip link on the page is the monitor's; more than one match is an error, never a guess
    zip_pattern: str
    max_zip_bytes: int = Field(default=100 * 1024 * 1024, gt=0)

    @field_validator("zip_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class IndicatorSpec(_Options):
    """One workbook of the ZIP: what it is and which methodology it rests on."""

    title: str = Field(min_length=3)
    # The data-quality / methodology kind of the indicator (Bufdir merges sources: KOSTRA, NUDB,
    # SSB's income statistics, EU-SILC…): carried into dim_indicator.methodology_kind.
    methodology_kind: str = Field(min_length=3)
    # unit per Tallformat value (antall → personer, prosent → prosent, andel → kroner per barn …)
    units: dict[str, str] = Field(default_factory=dict)


@register_parser("bufdir_xlsx", "atlas_ingest.families.bufdir.parse:parse")
class BufdirParseOptions(_Options):
    sheet: str  # `Data` (barnefattigdom) or `Sheet1` (barnevern)
    # the columns the sheet must have besides the year columns, by their header names
    columns: list[str] = Field(min_length=2)
    # the workbook's indicator code from its file name (one group), and the table id it becomes
    file_code: str
    table_prefix: str = Field(default="", pattern=r"^[a-z]*$")
    # table id → indicator; a listed one missing from the ZIP fails the run, an unlisted workbook is
    # skipped with a warning (a new indicator needs its methodology kind in the manifest first)
    indicators: dict[str, IndicatorSpec] = Field(min_length=1)
    # Tallformat / Enhet values the parser accepts (lower-case)
    formats: list[str] = Field(min_length=1)
    units: list[str] = Field(default_factory=list)
    # years before this are not loaded (Klass geography starts in 2018)
    first_year: int = Field(default=2018, ge=1990, le=2100)
    # ZIP safety: members, per-member and total uncompressed bytes, compression ratio
    max_members: int = Field(default=200, gt=0)
    max_member_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_total_bytes: int = Field(default=500 * 1024 * 1024, gt=0)
    max_ratio: int = Field(default=200, gt=1)

    @field_validator("file_code")
    @classmethod
    def _one_group(cls, value: str) -> str:
        if re.compile(value).groups != 1:
            raise ValueError("file_code must have exactly one capturing group (the indicator code)")
        return value

    @model_validator(mode="after")
    def _required_columns(self) -> BufdirParseOptions:
        needed = {"Region", "Tallformat"}
        if not needed <= set(self.columns):
            raise ValueError(f"columns must include {sorted(needed)}")
        if ("Enhet" in self.columns) != bool(self.units):
            raise ValueError("list `units` (Enhet values) exactly when the sheet has an Enhet column")
        return self
