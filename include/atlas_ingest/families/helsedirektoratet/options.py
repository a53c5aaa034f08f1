"""Manifest options of the Helsedirektoratet family (pydantic only: imported at DAG-parse time).

`json_api` / `api: helsedir_fastlege` — Helfo's fastlege statistics through Helsedirektoratet's
developer-portal API (Azure API Management at api.helsedirektoratet.no; a subscription key in the
`Ocp-Apim-Subscription-Key` header, read from the Airflow connection `fetch.auth_conn_id`). The
variant is part of `families/ngo/options.py`'s `JsonApiOptions` union (the documented extension
point of the `json_api` kind). Parser `helsedir_fastlege` → raw.observations + raw.indicator_catalog.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.manifest import register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HelsedirFastlegeApi(_Options):
    """Where the fastlege statistics product lives and how a month is asked for.

    The paths and the period parameter are configuration because Helsedirektoratet has not
    published this product's reference yet (see include/sources/helsedir-fastlege/README.md):
    adopting the real ones is a manifest edit and a recorded snapshot, not code.
    """

    api: Literal["helsedir_fastlege"]
    # The months upstream has published: `{"perioder": [{"periode": "YYYY-MM-01", "publisert": …}]}`.
    periods_path: str = Field(pattern=r"^/[A-Za-z0-9/_.-]*$")
    # One month's statistics for every level: `{"periode", "rader": [...]}`.
    data_path: str = Field(pattern=r"^/[A-Za-z0-9/_.-]*$")
    period_param: str = Field(default="periode", pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    # Scheduled runs load the latest this many published months (Helfo revises recent months).
    latest_months: int = Field(default=3, ge=1, le=24)
    key_header: str = Field(default="Ocp-Apim-Subscription-Key", pattern=r"^[A-Za-z0-9-]+$")


class MeasureDefinition(_Options):
    """One measure as Helfo defines it (pinned here so a definition change is a reviewed edit)."""

    field: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", description="The row field carrying it")
    label: str = Field(min_length=3)
    definition: str = Field(min_length=20)
    unit: str = "antall"


@register_parser("helsedir_fastlege", "atlas_ingest.families.helsedirektoratet.parse:parse")
class HelsedirFastlegeParseOptions(_Options):
    """Monthly first-of-month snapshots per region → raw.observations (P1M)."""

    rows_field: str = "rader"
    period_field: str = "periode"
    level_field: str = "nivaa"
    region_field: str = "regionkode"
    # contents code → the row field and Helfo's own definition.
    measures: dict[str, MeasureDefinition] = Field(min_length=1)
    # Where the definitions were read, and when (re-verified at each methodology_version bump).
    definitions_source: str = Field(min_length=10)
    # Pairs (part, whole) that must satisfy part <= whole in every row, e.g. vacant lists are a
    # subset of lists without a fixed GP; a row breaking one is quarantined whole.
    subset_of: dict[str, str] = Field(default_factory=dict)
    table_title: str = "Fastlegestatistikk (Helfo)"

    @field_validator("measures")
    @classmethod
    def _codes(cls, value: dict[str, MeasureDefinition]) -> dict[str, MeasureDefinition]:
        bad = [c for c in value if not re.fullmatch(r"[a-z][a-z0-9_]*", c)]
        if bad:
            raise ValueError(f"contents codes are lower_snake_case: {bad}")
        return value

    @model_validator(mode="after")
    def _subsets_name_measures(self) -> HelsedirFastlegeParseOptions:
        unknown = {c for pair in self.subset_of.items() for c in pair} - set(self.measures)
        if unknown:
            raise ValueError(f"subset_of names codes that are not measures: {sorted(unknown)}")
        return self
