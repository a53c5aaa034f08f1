"""Who is who: Enhetsregister entities named "Norsk Folkehjelp…" ↔ folkehjelp.no chapter slugs.

Both sides are normalised the same way (research 002 B.4): lower case, the "Norsk Folkehjelp"
prefix stripped, å/ä → a, ø/ö → o, æ → ae, other letters folded to ASCII, punctuation dropped
(a hyphen or slash separates words), kebab-case. Then, in order:

1. overrides.json `brreg_to_slug` (the escape hatch wins; `null` = Brreg-only on purpose);
2. exact: an entity whose key equals a slug's key;
3. fuzzy: Levenshtein distance <= 2 (rapidfuzz) between the still unmatched entities and slugs,
   with the same first letter (transliteration never changes it: Ø→o/oe, Å→a/aa, Æ→ae, so this
   keeps `moss` from meeting `voss`); a tie between two slugs at the best distance is no match.
   Every fuzzy match is logged as a warning for review and recorded with its distance.

A slug is claimed by one entity at most; the rest stay unmatched and become Brreg-only chapters
(inactive, no page, no activities). The site transliterates ø as "oe" and å as "aa"
(`loerenskog`, `aalesund-og-omegn`) while the rule folds them to one letter, so most real pairs
differ by one or two letters: that is what the distance is for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from atlas_ingest.families.folkehjelp.overrides import Overrides

PREFIX = re.compile(r"^norsk\s+folkehjelp\b[\s,:–-]*")
_TRANSLIT = str.maketrans({"å": "a", "ä": "a", "ø": "o", "ö": "o", "æ": "ae"})
MAX_DISTANCE = 2


def name_key(name: str) -> str:
    """`NORSK FOLKEHJELP SØR-VARANGER` → `sor-varanger`; the slug `soer-varanger` → itself."""
    text = unicodedata.normalize("NFC", name).lower().strip()
    text = PREFIX.sub("", text)
    text = text.translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[-/_]+", " ", text)
    text = re.sub(r"[^a-z0-9 ]", "", text)
    return "-".join(text.split())


@dataclass(frozen=True)
class BrregEntity:
    orgnr: str
    navn: str
    kommunenummer: str | None = None  # forretningsadresse, as registered


@dataclass(frozen=True)
class Match:
    orgnr: str
    navn: str
    name_key: str
    slug: str | None
    method: str  # override | exact | fuzzy | override_brreg_only | unmatched
    distance: int | None = None
    note: str | None = None
    kommunenummer: str | None = None


def match_entities(entities: Iterable[BrregEntity], slugs: Iterable[str], overrides: Overrides,
                   max_distance: int = MAX_DISTANCE) -> tuple[list[Match], list[str]]:
    """(one Match per entity in orgnr order, warnings). Pure."""
    from rapidfuzz.distance import Levenshtein

    entities = sorted({e.orgnr: e for e in entities}.values(), key=lambda e: e.orgnr)
    slug_keys: dict[str, str] = {}
    for slug in sorted(set(slugs)):
        slug_keys.setdefault(name_key(slug), slug)
    warnings: list[str] = []
    result: dict[str, Match] = {}
    claimed: set[str] = set()

    for e in entities:
        if e.orgnr in overrides.brreg_to_slug:
            slug = overrides.brreg_to_slug[e.orgnr]
            if slug is None:
                result[e.orgnr] = Match(e.orgnr, e.navn, name_key(e.navn), None, "override_brreg_only",
                                        note="overrides.json: Brreg-only on purpose", kommunenummer=e.kommunenummer)
                continue
            if slug in claimed:
                warnings.append(f"overrides.json maps {e.orgnr} ({e.navn}) to {slug!r}, which another override "
                                "already claims; left unmatched")
                result[e.orgnr] = Match(e.orgnr, e.navn, name_key(e.navn), None, "unmatched",
                                        note=f"override target {slug} already claimed", kommunenummer=e.kommunenummer)
                continue
            note = None
            if slug not in set(slug_keys.values()):
                note = f"the override's slug {slug!r} is not among the chapters the site lists"
                warnings.append(f"overrides.json maps {e.orgnr} ({e.navn}) to {slug!r}, which the sitemap does "
                                "not list")
            claimed.add(slug)
            result[e.orgnr] = Match(e.orgnr, e.navn, name_key(e.navn), slug, "override", note=note,
                                    kommunenummer=e.kommunenummer)

    pending = [e for e in entities if e.orgnr not in result]
    for e in list(pending):
        key = name_key(e.navn)
        slug = slug_keys.get(key)
        if slug and slug not in claimed:
            claimed.add(slug)
            result[e.orgnr] = Match(e.orgnr, e.navn, key, slug, "exact", kommunenummer=e.kommunenummer)
            pending.remove(e)

    # fuzzy, closest pairs first so a near-exact pair is never taken by a looser one
    candidates = []
    for e in pending:
        key = name_key(e.navn)
        if not key:
            continue
        for skey, slug in slug_keys.items():
            if slug in claimed or not skey or skey[0] != key[0]:
                continue
            distance = Levenshtein.distance(key, skey, score_cutoff=max_distance)
            if distance <= max_distance:
                candidates.append((distance, e.orgnr, slug))
    by_entity: dict[str, list[tuple[int, str]]] = {}
    for distance, orgnr, slug in candidates:
        by_entity.setdefault(orgnr, []).append((distance, slug))
    for distance, orgnr, slug in sorted(candidates):
        if orgnr in result or slug in claimed:
            continue
        e = next(x for x in pending if x.orgnr == orgnr)
        best = [s for d, s in by_entity[orgnr] if d == distance and s not in claimed]
        if len(best) > 1:
            result[orgnr] = Match(orgnr, e.navn, name_key(e.navn), None, "unmatched",
                                  note=f"ambiguous: {', '.join(sorted(best))} are all at distance {distance}",
                                  kommunenummer=e.kommunenummer)
            warnings.append(f"Brreg {orgnr} ({e.navn}) is {distance} edit(s) from several slugs "
                            f"({', '.join(sorted(best))}): left unmatched; add it to overrides.json")
            continue
        claimed.add(slug)
        result[orgnr] = Match(orgnr, e.navn, name_key(e.navn), slug, "fuzzy", distance=distance,
                              kommunenummer=e.kommunenummer)
        warnings.append(f"fuzzy match for review: Brreg {orgnr} {e.navn!r} ({name_key(e.navn)}) -> slug {slug!r} "
                        f"(Levenshtein {distance})")

    for e in pending:
        if e.orgnr not in result:
            result[e.orgnr] = Match(e.orgnr, e.navn, name_key(e.navn), None, "unmatched",
                                    note="no chapter page matches this name", kommunenummer=e.kommunenummer)
    return [result[e.orgnr] for e in entities], warnings


def orgnr_by_slug(matches: Iterable[Match]) -> Mapping[str, str]:
    return {m.slug: m.orgnr for m in matches if m.slug}
