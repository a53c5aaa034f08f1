"""Posten/Bring: the postnummer register."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from atlas_ingest.manifest import register_parser


@register_parser("postnummer_register", "atlas_ingest.families.posten.register:parse")
class PostnummerOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    encoding: str = "cp1252"
