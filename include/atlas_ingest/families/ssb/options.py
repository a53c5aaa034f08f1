"""Manifest options for SSB's two APIs: Statistikkbanken (PxWebApi v2) and Klass."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.manifest import register_fetch_kind, register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PxSelection(_Options):
    """Values of one dimension: codes, `*` (all), `top(n)` (the n latest), `from(code)`."""

    values: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    codelist: str | None = None


@register_fetch_kind("pxweb_v2", "atlas_ingest.families.ssb.pxweb:PxWebAdapter")
class PxWebOptions(_Options):
    table: str = Field(pattern=r"^\d{5}$")
    lang: Literal["no", "en"] = "no"
    selection: dict[str, PxSelection]
    # SSB's published limits: 800,000 cells per query (empty cells count) and URLs that fail
    # (with 404, not 414) somewhere past ~2,100 characters.
    max_cells: int = Field(default=800_000, gt=0)
    max_url_length: int = Field(default=2_000, gt=100)

    @field_validator("selection", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `Kjonn: ["1", "2"]` is shorthand for `Kjonn: {values: ["1", "2"]}`.
        if isinstance(value, dict):
            return {k: ({"values": v} if isinstance(v, list) else v) for k, v in value.items()}
        return value


@register_fetch_kind("klass", "atlas_ingest.families.ssb.klass:KlassAdapter")
class KlassOptions(_Options):
    classification: int = Field(gt=0)
    # versions: every version valid since `since` (GET /versions/{id});
    # codesAt: the codes valid at each date; correspondsAt: a correspondence at each date;
    # corresponds: a correspondence over the range since `since`, with validity per row.
    method: Literal["versions", "codesAt", "correspondsAt", "corresponds"]
    since: date = date(2018, 1, 1)
    dates: list[date] = Field(default_factory=list)
    target_classification: int | None = None
    include_changes: bool = False
    language: Literal["nb", "nn", "en"] = "nb"

    @model_validator(mode="after")
    def _method_needs(self) -> KlassOptions:
        if self.method in ("codesAt", "correspondsAt") and not self.dates:
            raise ValueError(f"method {self.method} needs `dates`")
        if self.method in ("correspondsAt", "corresponds") and self.target_classification is None:
            raise ValueError(f"method {self.method} needs `target_classification`")
        return self


@register_parser("klass", "atlas_ingest.families.ssb.klass:parse")
class KlassParseOptions(_Options):
    # Codes that are not places (e.g. 9999 "Uoppgitt") are kept but flagged by the marts.
    # derive_geography (Klass 131 only): also load the reform crosswalks and the name table that
    # atlas_ingest.geo derives from the versions and the change table.
    derive_geography: bool = False
