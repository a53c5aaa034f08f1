"""Manifest options of the NGO supply sources (pydantic only: imported at DAG-parse time).

Fetch kinds
* `static_dump` — one JSON/CSV export handed over as a file: a local `path` (absolute or relative
  to the project root) or the manifest's `endpoint` URL (an object store in production; replay
  serves it from the snapshots). Unchanged bytes skip the run.
* `json_api` — a paged or keyed JSON API. The `api` field picks the planner, so each API keeps a
  strict option model of its own:
    - `brreg_enheter`: Enhetsregisteret searches, one per NGO in landscape.json with a
      `brreg_query`, all pages, plus a re-check by orgnr of the entities a search stopped
      returning (`families/brreg/api.py`);
    - `redcross_organizations`: the live Red Cross Organizations API (`getOrganizations`) with the
      key from an Airflow connection named in the manifest's `fetch.auth_conn_id`
      (`families/redcross/api.py`). Its answer has the export's shape, so the same parser reads
      a live answer and a dump.
    - `brreg_frivillighetsregisteret`: Frivillighetsregisteret walked whole by `searchAfter`, each
      page's organisations enriched from Enhetsregisteret (`families/brreg/frivillighetsregisteret.py`).
    - `helsedir_fastlege`: Helfo's fastlege statistics from Helsedirektoratet's API, key from the
      Airflow connection `fetch.auth_conn_id` (`families/helsedirektoratet/`; its option model
      lives there and is imported into the union below).
  Another JSON API adds a variant to `JsonApiOptions` and an implementation to `JSON_APIS`.

Parsers: `brreg_enheter` → raw.brreg_enheter; `brreg_frivillighetsregisteret` →
raw.brreg_frivillige_organisasjoner; `redcross_organizations` → raw.redcross_branches +
raw.redcross_branch_activities.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

# a JSON API of another family sharing this kind keeps its option model in its own family
from atlas_ingest.families.helsedirektoratet.options import HelsedirFastlegeApi
from atlas_ingest.manifest import register_fetch_kind, register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@register_fetch_kind("static_dump", "atlas_ingest.families.ngo.dump:StaticDumpAdapter")
class StaticDumpOptions(_Options):
    """A file handed over whole. `path` wins over the endpoint URL when set."""

    path: str | None = Field(default=None, min_length=1,
                             description="Local file (absolute, or relative to the project root)")
    # Reject a file smaller than this: a truncated or empty export must not replace good data.
    min_bytes: int = Field(default=2, ge=0)


class BrregEnheterApi(_Options):
    api: Literal["brreg_enheter"]
    # Enhetsregisteret pages: `size` per page; Brreg answers at most 10 000 hits per search
    # (page × size), a query over that fails the run and must be narrowed in landscape.json.
    page_size: int = Field(default=100, ge=1, le=1000)
    max_hits_per_query: int = Field(default=10_000, ge=1, le=10_000)
    landscape: str = Field(default="include/sources/ngo-landscape/landscape.json",
                           description="landscape.json, relative to the project root")
    # Re-read entities the searches stopped returning (`GET /enheter/{orgnr}`), so a deletion is
    # recorded (slettedato) instead of the row silently going stale.
    recheck_missing: bool = True


class RedcrossOrganizationsApi(_Options):
    api: Literal["redcross_organizations"]
    method: Literal["GET", "POST"] = "GET"
    # Path appended to the endpoint, and an optional JSON body (a POST/GraphQL-style API).
    path: str = ""
    body: dict | None = None
    # The header carrying the key; the key itself is the Airflow connection's password.
    key_header: str = Field(default="Ocp-Apim-Subscription-Key", pattern=r"^[A-Za-z0-9-]+$")


class BrregFrivillighetsregisteretApi(_Options):
    """Frivillighetsregisteret walked whole, each page's organisations enriched from Enhetsregisteret
    (`families/brreg/frivillighetsregisteret.py`; endpoint https://data.brreg.no)."""

    api: Literal["brreg_frivillighetsregisteret"]
    # The register answers 400 to `size` above 100 and to any `page` parameter: it is walked by
    # `searchAfter` only, `page_size` organisations at a time.
    page_size: int = Field(default=100, ge=1, le=100)
    # A walk longer than this fails instead of looping on a next link that never ends.
    max_pages: int = Field(default=2000, ge=1)
    # The load replaces the whole register: a walk returning fewer organisations than this share
    # of the last successful load fails rather than deleting the rest.
    min_share_of_previous: float = Field(default=0.9, ge=0, le=1)


@register_fetch_kind("json_api", "atlas_ingest.families.ngo.json_api:JsonApiAdapter")
class JsonApiOptions(RootModel[Annotated[BrregEnheterApi | RedcrossOrganizationsApi | BrregFrivillighetsregisteretApi
                                          | HelsedirFastlegeApi, Field(discriminator="api")]]):
    model_config = ConfigDict(frozen=True)


JSON_APIS = {
    "brreg_enheter": "atlas_ingest.families.brreg.api:BrregEnheterAdapter",
    "redcross_organizations": "atlas_ingest.families.redcross.api:RedcrossApiAdapter",
    "brreg_frivillighetsregisteret": "atlas_ingest.families.brreg.frivillighetsregisteret:FrivillighetsregisterAdapter",
    "helsedir_fastlege": "atlas_ingest.families.helsedirektoratet.api:HelsedirFastlegeAdapter",
}


@register_parser("brreg_enheter", "atlas_ingest.families.brreg.parse:parse")
class BrregEnheterParseOptions(_Options):
    """Enhetsregister search pages and detail answers → raw.brreg_enheter (one row per orgnr)."""


@register_parser("brreg_frivillighetsregisteret", "atlas_ingest.families.brreg.frivillighetsregisteret:parse")
class BrregFrivillighetsregisteretParseOptions(_Options):
    """Register pages + Enhetsregister batches → raw.brreg_frivillige_organisasjoner (one row per orgnr)."""


@register_parser("redcross_organizations", "atlas_ingest.families.redcross.parse:parse")
class RedcrossParseOptions(_Options):
    """getOrganizations (export or live answer) → raw.redcross_branches + activities.

    `gazetteer` decides where `resolve_kommune` gets Klass 131 and the postnummer register:
    `warehouse` (production and the DAG: what the ssb and posten DAGs loaded; the parse fails
    with a clear message when they have not) or `snapshots` (the repository's recorded Klass and
    Bring snapshots; for machines without those loads).
    """

    gazetteer: Literal["warehouse", "snapshots"] = "warehouse"
    # Branch types that are chapters on the ground and therefore need a kommune; a branch of
    # these types whose kommune cannot be resolved is quarantined with the reason.
    local_types: list[str] = Field(default_factory=lambda: ["Lokalforening", "Ukjent"])

    @field_validator("local_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        known = {"Lokalforening", "Distrikt", "Nasjonalkontoret", "Ukjent"}
        if set(value) - known:
            raise ValueError(f"unknown branch types {sorted(set(value) - known)} (known: {sorted(known)})")
        return value
