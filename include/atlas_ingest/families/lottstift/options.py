"""Manifest options of the Lottstift family (pydantic only: imported at DAG-parse time).

Parser `lottstift_momskompensasjon`: Lotteri- og stiftelsestilsynet's yearly VAT-compensation
workbooks (fetched whole by the generic `excel` kind, one file per grant year) →
raw.lottstift_momskompensasjon, one row per (year, recipient orgnr). Each yearly layout has its own
reader in `families/lottstift/layouts.py`, chosen by detecting the workbook's header.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from atlas_ingest.manifest import register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@register_parser("lottstift_momskompensasjon", "atlas_ingest.families.lottstift.parse:parse")
class MomskompensasjonOptions(_Options):
    """No options: the layouts are code (a new year's layout is a new reader), the files are fetch options."""
