"""The NGO landscape: `include/sources/ngo-landscape/landscape.json`, the human-edited source of truth.

One entry per NGO (slug, orgnr, names, tier, chapter data shape, ICNPO codes, and the
Enhetsregister query that finds its registered entities). Three things read it:

* `dim_ngo` — through the dbt seed `ngo_landscape.csv`, which `write_seed()` generates from the
  JSON (`python -m atlas_ingest.families.ngo.landscape --write-seed`); a unit test fails when the
  seed is stale, so the JSON stays the only place anyone edits;
* the `brreg-enheter` source — one paged Enhetsregister search per entry with a `brreg_query`
  (adding an NGO to Brreg is an edit here, no code);
* the tests — the schema below rejects a malformed entry with the entry's slug and field.

The schema is strict (pydantic, like the manifests): unknown keys, bad enums, a malformed or
check-digit-invalid organisation number, an ICNPO code that is not in Frivillighetsregisteret's
list, or a null `orgnr` without an `orgnr_note` are errors.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from atlas_ingest.settings import DBT_PROJECT_DIR, SOURCES_DIR

LANDSCAPE_PATH = SOURCES_DIR / "ngo-landscape" / "landscape.json"
SEED_PATH = DBT_PROJECT_DIR / "seeds" / "ngo_landscape.csv"
ICNPO_SEED_PATH = DBT_PROJECT_DIR / "seeds" / "ref_brreg_icnpo.csv"

ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def orgnr_is_valid(orgnr: str) -> bool:
    """Nine digits with Brønnøysund's modulus-11 check digit (weights 3 2 7 6 5 4 3 2)."""
    if not re.fullmatch(r"\d{9}", orgnr or ""):
        return False
    remainder = sum(int(d) * w for d, w in zip(orgnr[:8], ORGNR_WEIGHTS)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(orgnr[8])


@lru_cache(maxsize=1)
def icnpo_codes() -> frozenset[str]:
    """Codes of Frivillighetsregisteret's ICNPO list (the `ref_brreg_icnpo` seed)."""
    with ICNPO_SEED_PATH.open(encoding="utf-8") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


class Tier(StrEnum):
    A = "A"  # dense-chapter federations: Atlas's primary subjects
    B = "B"
    C = "C"  # thin or no local footprint (donor organisations)


class ChapterDataShape(StrEnum):
    api_canonical = "api_canonical"  # an API with canonical activity ids per chapter (Red Cross)
    cms_bins = "cms_bins"  # chapter pages with a fixed set of CMS activity bins (Folkehjelp)
    programme_only = "programme_only"  # national programmes, no per-chapter activity list
    no_structure = "no_structure"  # no chapters at all


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class BrregQuery(_Strict):
    """One Enhetsregister search (`GET /enhetsregisteret/api/enheter`), then a name-prefix filter.

    `navn` is Brreg's free-text name search (it matches words anywhere in the name, so it finds
    more than the NGO); `organisasjonsform` narrows it upstream (FLI forening/lag/innretning, STI
    stiftelse, …); `nameStartsWith` keeps only entities whose registered name starts with it
    (case- and diacritics-preserving, whitespace-insensitive), which is what ties a hit to the NGO.
    """

    navn: str = Field(min_length=2)
    organisasjonsform: list[str] = Field(default_factory=list)
    nameStartsWith: str | None = Field(default=None, min_length=2)

    @field_validator("organisasjonsform")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"[A-Z]{2,5}", v)]
        if bad:
            raise ValueError(f"organisasjonsform codes are 2-5 capital letters (FLI, STI, ORGL…): {bad}")
        if "ENK" in value:
            raise ValueError("ENK (enkeltpersonforetak) is named after a person: never query it")
        return sorted(set(value))


class Ngo(_Strict):
    slug: str = Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
    orgnr: str | None = None
    orgnr_note: str | None = None
    name: str = Field(min_length=2)
    brand_name: str = Field(min_length=2)
    website_url: str = Field(pattern=r"^https://[^\s/]+\.[a-z]{2,}(/[^\s]*)?$")
    tier: Tier
    chapter_data_shape: ChapterDataShape
    has_chapters: bool
    primary_focus: str = Field(min_length=3)
    icnpo_codes: list[str] = Field(default_factory=list, max_length=3)
    brreg_query: BrregQuery | None = None
    # The Atlas source that ingests this NGO's chapters, when there is one.
    chapter_source_id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
    notes: str | None = None

    @field_validator("orgnr")
    @classmethod
    def _orgnr(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.replace(" ", "")
        if not orgnr_is_valid(value):
            raise ValueError(f"{value!r} is not a valid organisasjonsnummer (9 digits, modulus-11 check digit)")
        return value

    @field_validator("icnpo_codes")
    @classmethod
    def _icnpo(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in icnpo_codes()]
        if unknown:
            raise ValueError(f"not in the ICNPO list (seeds/ref_brreg_icnpo.csv): {unknown}")
        if len(set(value)) != len(value):
            raise ValueError("ICNPO codes repeat")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Ngo:
        if self.orgnr is None and not (self.orgnr_note or "").strip():
            raise ValueError("orgnr is null: say why in orgnr_note (and how it will be confirmed)")
        if self.chapter_data_shape is ChapterDataShape.no_structure and self.has_chapters:
            raise ValueError("chapter_data_shape no_structure means has_chapters: false")
        if self.chapter_data_shape in (ChapterDataShape.api_canonical, ChapterDataShape.cms_bins) \
                and not self.has_chapters:
            raise ValueError(f"chapter_data_shape {self.chapter_data_shape.value} needs has_chapters: true")
        if self.chapter_source_id and not self.has_chapters:
            raise ValueError("chapter_source_id given for an NGO without chapters")
        return self


class Landscape(_Strict):
    version: int = Field(ge=1)
    updated: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    about: str | None = None
    ngos: list[Ngo] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Landscape:
        for attr in ("slug", "orgnr"):
            values = [getattr(n, attr) for n in self.ngos if getattr(n, attr) is not None]
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{attr} repeats: {dupes}")
        return self

    def by_slug(self, slug: str) -> Ngo:
        for ngo in self.ngos:
            if ngo.slug == slug:
                return ngo
        raise KeyError(f"no NGO {slug!r} in the landscape")


class LandscapeError(ValueError):
    """A landscape.json that does not validate; the message names the entry and the field."""


def validate_landscape(data: Any, where: str = "landscape.json") -> Landscape:
    try:
        return Landscape.model_validate(data)
    except ValidationError as exc:
        lines = [f"{where}: invalid NGO landscape"]
        ngos = data.get("ngos") if isinstance(data, dict) else None
        for e in exc.errors():
            loc = list(e["loc"])
            if len(loc) >= 2 and loc[0] == "ngos" and isinstance(loc[1], int) and isinstance(ngos, list) \
                    and loc[1] < len(ngos) and isinstance(ngos[loc[1]], dict):
                loc[1] = f"{loc[1]}({ngos[loc[1]].get('slug', '?')})"
            lines.append(f"  - `{'.'.join(str(p) for p in loc) or '(top level)'}`: {e['msg']}")
        raise LandscapeError("\n".join(lines)) from None


def load_landscape(path: Path | None = None) -> Landscape:
    path = Path(path or LANDSCAPE_PATH)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LandscapeError(f"{path}: not valid JSON: {exc}") from None
    return validate_landscape(data, str(path))


# ------------------------------------------------------------------------------------ the dbt seed
SEED_COLUMNS = (
    "slug", "orgnr", "orgnr_note", "name", "brand_name", "website_url", "tier", "chapter_data_shape",
    "has_chapters", "primary_focus", "icnpo_code_1", "icnpo_code_2", "icnpo_code_3", "chapter_source_id",
    "brreg_navn", "brreg_organisasjonsform", "brreg_name_starts_with", "notes",
)


def seed_csv(landscape: Landscape) -> str:
    """The `ngo_landscape` seed, one row per NGO in landscape order (what dim_ngo reads)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SEED_COLUMNS)
    for n in landscape.ngos:
        codes = (n.icnpo_codes + [None, None, None])[:3]
        q = n.brreg_query
        writer.writerow(["" if v is None else v for v in (
            n.slug, n.orgnr, n.orgnr_note, n.name, n.brand_name, n.website_url, n.tier.value,
            n.chapter_data_shape.value, "true" if n.has_chapters else "false", n.primary_focus, *codes,
            n.chapter_source_id, q.navn if q else None, ",".join(q.organisasjonsform) if q else None,
            q.nameStartsWith if q else None, n.notes)])
    return buffer.getvalue()


def write_seed(landscape: Landscape | None = None, path: Path = SEED_PATH) -> Path:
    path.write_text(seed_csv(landscape or load_landscape()), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    landscape = load_landscape()
    if "--write-seed" in args:
        print(f"wrote {write_seed(landscape)} ({len(landscape.ngos)} NGOs)")
    elif "--check" in args:
        if SEED_PATH.read_text(encoding="utf-8") != seed_csv(landscape):
            print(f"{SEED_PATH} is stale: run python -m atlas_ingest.families.ngo.landscape --write-seed")
            return 1
        print(f"{LANDSCAPE_PATH}: {len(landscape.ngos)} NGOs, valid; seed current")
    else:
        print(json.dumps([n.slug for n in landscape.ngos]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
