"""Manifest options of `folkehjelp-chapters`' parser (pydantic only: imported at DAG-parse time).

Parser `folkehjelp_chapters`: folkehjelp.no chapter pages, the /lokallag index and the sitemap →
raw.sitemap_log, raw.folkehjelp_chapters (+ activities), raw.folkehjelp_chapter_placement and
raw.folkehjelp_brreg_matches, merged by `families/folkehjelp/load.py` (never replaced whole).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from atlas_ingest.manifest import register_parser


@register_parser("folkehjelp_chapters", "atlas_ingest.families.folkehjelp.parse:parse")
class FolkehjelpChaptersParseOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Where resolve_kommune gets Klass 131 and the postnummer register (see redcross-branches):
    # the warehouse (production, the DAG) or the repository's recorded snapshots.
    gazetteer: Literal["warehouse", "snapshots"] = "warehouse"
    # The hand-curated escape hatch, relative to the source folder.
    overrides: str = Field(default="overrides.json", pattern=r"^[\w.-]+\.json$")
    # raw.brreg_enheter rows of this source whose navn starts with the prefix are matched to slugs.
    brreg_source_id: str = "brreg-enheter"
    brreg_name_prefix: str = Field(default="Norsk Folkehjelp", min_length=3)
    max_fuzzy_distance: int = Field(default=2, ge=0, le=3)
    # The element of the index page whose text is the group (a fylke) of the links after it.
    index_group_heading: Literal["h2", "h3", "h4"] = "h2"
