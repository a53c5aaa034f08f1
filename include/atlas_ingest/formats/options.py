"""Options of the generic parsers (validated strictly from each manifest's `parse.options`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from atlas_ingest.manifest import register_fetch_kind, register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@register_parser("jsonstat2", "atlas_ingest.formats.jsonstat_observations:parse")
class JsonStatOptions(_Options):
    """JSON-stat 2 cubes into raw.observations.

    Dimension roles default to the dataset's `role` block and then to SSB's names (`Region`,
    `Tid`, `ContentsCode`); FHI leaves `role.time`/`role.geo` null, so its manifests name them.
    """

    region_dimension: str | None = None
    time_dimension: str | None = None
    contents_dimension: str | None = None
    # A fixed contents code for cubes without a metric dimension.
    contents_code: str | None = None
    # A fixed region for cubes without a geography dimension (SSB's national tables: "0").
    region_code: str | None = None
    table_id: str | None = None


@register_fetch_kind("csv", "atlas_ingest.formats.download:FileDownloadAdapter")
class DownloadOptions(_Options):
    """Files fetched whole; `urls` defaults to the manifest's endpoint."""

    urls: list[str] = []
