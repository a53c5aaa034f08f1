"""Options of the generic parsers (validated strictly from each manifest's `parse.options`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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


class WorkbookFile(_Options):
    """One published workbook and the period it holds (e.g. a survey edition, a grant year)."""

    url: str = Field(pattern=r"^https?://\S+$")
    period: str = Field(min_length=4, description="The period the file holds, as the manifest's grain writes it")


@register_fetch_kind("excel", "atlas_ingest.formats.download:WorkbookDownloadAdapter")
class WorkbookDownloadOptions(_Options):
    """Workbooks fetched whole, one per period (each body's meta carries its `period` and `url`).

    A run for named periods (a backfill, the `periods` param) downloads only those files; a
    scheduled run downloads every file and is skipped when all are byte-identical to the last
    successful run.
    """

    files: list[WorkbookFile] = Field(min_length=1)
    # Reject a body smaller than this (an error page or an empty file must not replace good data).
    min_bytes: int = Field(default=512, ge=0)
