"""`include/sources/folkehjelp-chapters/overrides.json`: the hand-curated escape hatch.

    {
      "brreg_to_slug":        {"<orgnr>": "<slug>" | null},      null = Brreg-only on purpose
      "slug_to_kommune_nr":   {"<slug>": "4601" | ["3201", "3203"] | null},   null = no kommune
      "slug_to_chapter_subtype": {"<slug or pattern-*>": "<subtype>"}
    }

Overrides win over the algorithms (matching, resolve_kommune). A subtype key may end in `*`
(`solidaritetsungdom-*`): the longest matching key wins, and for a chapter without a kommune
override the part of the slug after the pattern's prefix is resolved as a place
(`solidaritetsungdom-bergen` → Bergen). The subtype `umbrella` makes a chapter national, and
`regional` a regional one. Every key starting with `_` is a comment. The schema is strict: a
malformed orgnr or kommune number, or an unknown key, is an error naming the file and the entry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SUBTYPES = ("lokallag", "regional", "umbrella", "youth-political", "student", "hospital")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(-\*)?$")


class OverridesError(ValueError):
    pass


class Overrides(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    brreg_to_slug: dict[str, str | None] = Field(default_factory=dict)
    slug_to_kommune_nr: dict[str, str | list[str] | None] = Field(default_factory=dict)
    slug_to_chapter_subtype: dict[str, str] = Field(default_factory=dict)

    @field_validator("brreg_to_slug")
    @classmethod
    def _orgnrs(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        for orgnr, slug in value.items():
            if not re.fullmatch(r"\d{9}", orgnr):
                raise ValueError(f"{orgnr!r} is not a nine-digit organisasjonsnummer")
            if slug is not None and not SLUG.match(slug):
                raise ValueError(f"{orgnr}: {slug!r} is not a chapter slug")
        return value

    @field_validator("slug_to_kommune_nr")
    @classmethod
    def _kommuner(cls, value: dict[str, Any]) -> dict[str, Any]:
        for slug, codes in value.items():
            if not SLUG.match(slug):
                raise ValueError(f"{slug!r} is not a chapter slug")
            for code in ([codes] if isinstance(codes, str) else codes or []):
                if not re.fullmatch(r"\d{4}", code):
                    raise ValueError(f"{slug}: {code!r} is not a four-digit kommune number")
        return value

    @field_validator("slug_to_chapter_subtype")
    @classmethod
    def _subtypes(cls, value: dict[str, str]) -> dict[str, str]:
        for key, subtype in value.items():
            if not SLUG_PATTERN.match(key):
                raise ValueError(f"{key!r} is neither a slug nor a `prefix-*` pattern")
            if subtype not in SUBTYPES:
                raise ValueError(f"{key}: unknown subtype {subtype!r} (known: {', '.join(SUBTYPES)})")
        return value

    # ---------------------------------------------------------------- lookups
    def subtype_rule(self, slug: str) -> tuple[str, str] | None:
        """(the key that applies, subtype): the slug itself, else the longest matching pattern."""
        if slug in self.slug_to_chapter_subtype:
            return slug, self.slug_to_chapter_subtype[slug]
        patterns = [k for k in self.slug_to_chapter_subtype if k.endswith("-*") and slug.startswith(k[:-1])]
        if not patterns:
            return None
        key = max(patterns, key=len)
        return key, self.slug_to_chapter_subtype[key]

    def kommune_override(self, slug: str) -> tuple[bool, list[str]]:
        """(is there an override, its kommune numbers — empty for an explicit null)."""
        if slug not in self.slug_to_kommune_nr:
            return False, []
        codes = self.slug_to_kommune_nr[slug]
        return True, [codes] if isinstance(codes, str) else list(codes or [])


def validate_overrides(data: Any, where: str) -> Overrides:
    if not isinstance(data, dict):
        raise OverridesError(f"{where}: expected a JSON object")

    def strip_comments(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        return {k: strip_comments(v) for k, v in node.items() if not k.startswith("_")}

    try:
        return Overrides.model_validate(strip_comments(data))
    except ValidationError as exc:
        lines = [f"{where}: invalid overrides"]
        lines += [f"  - `{'.'.join(str(p) for p in e['loc'])}`: {e['msg']}" for e in exc.errors()]
        raise OverridesError("\n".join(lines)) from None


def load_overrides(path: Path) -> Overrides:
    if not path.exists():
        return Overrides()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise OverridesError(f"{path}: not valid JSON: {exc}") from None
    return validate_overrides(data, str(path))
