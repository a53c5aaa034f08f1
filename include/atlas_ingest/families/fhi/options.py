"""Manifest options for FHI's open statistics API (`fetch.kind: fhi_api`, `parse.parser: fhi_jsonstat2`).

Imported at DAG-parse time through `manifest._register_kinds()`: pydantic only, no network.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.formats.options import JsonStatOptions
from atlas_ingest.manifest import register_fetch_kind, register_parser

# A selection token: `*` (every category), `A*` (FHI's wildcard: categories starting with A),
# `top(n)` (the first n categories in FHI's order), `bottom(n)` (the last n — for AAR the latest
# periods), or an explicit category code.
TOKEN = re.compile(r"^(\*|[^*\s]+\*|top\(\d+\)|bottom\(\d+\)|[^*\s()]+)$", re.I)

# Kommuner divided into bydeler, including the pre-reform numbers of Bergen (1201, until 2019)
# and Trondheim (1601, until 2017). A 6-digit GEO code under any other kommune cannot resolve
# through the bydel classification (Klass 103).
BYDEL_KOMMUNER = ["0301", "1103", "1201", "1601", "4601", "5001"]


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@register_fetch_kind("fhi_api", "atlas_ingest.families.fhi.api:FhiApiAdapter")
class FhiApiOptions(_Options):
    """One table of FHI's open API: which table, and a filter for every one of its dimensions."""

    # FHI's own ids: the statistics bank (`GET /Common/source` → `id`), the table
    # (`GET /{source}/table` → `tableId`) and the indicator's production name (the "kube").
    source: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="FHI SourceId, e.g. `nokkel`")
    table: int | None = Field(default=None, gt=0,
                              description="FHI tableId; omit to resolve the table by `table_title`")
    table_title: str = Field(min_length=3, description="The table's title in FHI's table list")
    indicator: str = Field(pattern=r"^[A-Z0-9_]+$", description="FHI's indicator (kube) name")
    # Every dimension of the table needs a filter (FHI: "all dimensions must have one and only one
    # specified filter type"); tokens are expanded against `/dimension` and sent as `item` lists.
    dimensions: dict[str, list[str]]
    time_dimension: str = "AAR"
    measure_dimension: str = "MEASURE_TYPE"
    # FHI's data endpoint fails a request that would return more rows than `maxRowCount`; the
    # planner splits a larger selection (never along time or measure) so no piece exceeds it.
    max_row_count: int = Field(default=50_000, gt=0)

    @field_validator("dimensions")
    @classmethod
    def _tokens(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for dim, tokens in value.items():
            if not tokens:
                raise ValueError(f"{dim}: give at least one value (use ['*'] for all)")
            bad = [t for t in tokens if not TOKEN.match(str(t).strip())]
            if bad:
                raise ValueError(f"{dim}: not a selection token: {bad} (codes, *, A*, top(n), bottom(n))")
        return {dim: [str(t).strip() for t in tokens] for dim, tokens in value.items()}

    @model_validator(mode="after")
    def _time_and_measure_named(self) -> FhiApiOptions:
        for dim in (self.time_dimension, self.measure_dimension):
            if dim not in self.dimensions:
                raise ValueError(f"dimensions: no filter for {dim!r} (time/measure dimension)")
        return self


@register_parser("fhi_jsonstat2", "atlas_ingest.families.fhi.parse:parse")
class FhiJsonStatOptions(JsonStatOptions):
    """The shared `jsonstat2` parser with FHI's defaults and FHI's flags.

    FHI leaves `role.geo`/`role.time` null, so the dimensions are named here (GEO, AAR,
    MEASURE_TYPE: each measure type becomes its own contents code).
    """

    region_dimension: str | None = "GEO"
    time_dimension: str | None = "AAR"
    contents_dimension: str | None = "MEASURE_TYPE"
    # FHI flag symbol → Atlas status marker, when the `/flag` legend's wording does not say it
    # (checked against the manifest's suppression_markers at parse time).
    flag_markers: dict[str, str] = Field(default_factory=dict)
    bydel_kommuner: list[str] = Field(default_factory=lambda: list(BYDEL_KOMMUNER))

    @field_validator("bydel_kommuner")
    @classmethod
    def _four_digits(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"\d{4}", v)]
        if bad:
            raise ValueError(f"bydel_kommuner must be 4-digit kommune codes: {bad}")
        return value


def option_summary(options: FhiApiOptions) -> dict[str, Any]:
    """The ids a reader needs to find the table at FHI (for notes and READMEs)."""
    return {"fhi_source": options.source, "fhi_table": options.table, "fhi_table_title": options.table_title,
            "fhi_indicator": options.indicator}
