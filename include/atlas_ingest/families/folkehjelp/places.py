"""Where a chapter is, from its slug: level, subtype and kommune(s). Pure (the gazetteer is passed in).

The slug is a kebab-cased place name transliterated the site's way (ø → oe, å → aa, æ → ae:
`loerenskog`, `soer-varanger`, `aalesund-og-omegn`). In order:

1. overrides.json: a subtype rule (`umbrella` → national, `regional` → regional, any other is a
   local chapter's subtype) and a kommune override (a code, a list, or null = no kommune) win;
2. the slug as one place name through `Gazetteer.resolve_kommune` (both `oe` → `ø` readings are
   tried, `aa` is folded by the gazetteer), with the index page's group (a fylke name) as the hint
   for the names several kommuner share (Herøy, Våler, Bø …); a hint that rules every candidate
   out is dropped rather than trusted over the slug;
3. `<a>-og-<b>` as several kommuner (`asker-og-baerum` → Asker and Bærum: multi-kommune, each a
   coverage row); a trailing "og omegn"/"omland" (and surroundings) names the main kommune only;
4. for a slug under a subtype pattern (`solidaritetsungdom-*`), the part after the prefix;
5. a slug that is no kommune but names a fylke is a regional chapter (coverage inferred in dbt
   from the lokallag the index lists under the same heading);
6. anything else stays unresolved, with the reason — never a guess (the chapter still loads,
   with no kommune, and the run warns so someone can add an override).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atlas_ingest.families.folkehjelp.overrides import Overrides

SURROUNDINGS = ("omegn", "omland", "distrikt")


@dataclass(frozen=True)
class Placement:
    slug: str
    fylke_group_name: str | None
    chapter_level: str  # national | regional | local
    chapter_subtype: str
    kommune_scope: str  # kommune | multi_kommune | region | none
    kommune_nrs: tuple[str, ...] = ()
    kommune_source: str | None = None  # direct | override
    resolution: str = "unresolved"  # name | name+fylke | override | fylke | unresolved | none
    resolution_note: str | None = None
    fylke_nr: str | None = None

    def row(self) -> dict:
        return {"slug": self.slug, "fylke_group_name": self.fylke_group_name, "chapter_level": self.chapter_level,
                "chapter_subtype": self.chapter_subtype, "kommune_scope": self.kommune_scope,
                "kommune_nrs": "{" + ",".join(self.kommune_nrs) + "}", "kommune_source": self.kommune_source,
                "resolution": self.resolution, "resolution_note": self.resolution_note, "fylke_nr": self.fylke_nr}


@dataclass
class _Resolved:
    codes: list[str] = field(default_factory=list)
    method: str | None = None
    note: str | None = None
    problem: str | None = None


def readings(words: list[str]) -> list[str]:
    """The place names a run of slug words can spell: as written, and with `oe` read as `ø`."""
    plain = " ".join(words)
    out = [plain]
    if "oe" in plain:
        out.append(plain.replace("oe", "ø"))
    return out


def _resolve_name(words: list[str], gazetteer, hint: str | None) -> _Resolved:
    found: dict[str, tuple[str, str | None]] = {}
    problems: list[str] = []
    for name in readings(words):
        hinted = None
        if hint and gazetteer.fylker_matching(hint):
            hinted = gazetteer.resolve_kommune(name=name, fylke_hint=hint)
            if hinted.ok:
                found.setdefault(hinted.kommune_nr, (hinted.method, None))
                continue
        plain = gazetteer.resolve_kommune(name=name)
        if plain.ok:
            note = (f"the index lists it under {hint!r}, which rules out {name!r}; resolved without the hint"
                    if hinted is not None else None)
            found.setdefault(plain.kommune_nr, (plain.method, note))
        elif plain.method == "ambiguous":
            problems.append(plain.reason or "ambiguous")
    if len(found) == 1:
        code, (method, note) = next(iter(found.items()))
        return _Resolved([code], method, note)
    if len(found) > 1:
        return _Resolved(problem=f"{' '.join(words)!r} reads as several kommuner {sorted(found)}")
    return _Resolved(problem="; ".join(problems) or f"no kommune is called {' '.join(words)!r}")


def _resolve_slug_words(words: list[str], gazetteer, hint: str | None) -> _Resolved:
    whole = _resolve_name(words, gazetteer, hint)
    if whole.codes or "og" not in words:
        return whole
    parts, current = [], []
    for word in words:
        if word == "og":
            parts.append(current)
            current = []
        else:
            current.append(word)
    parts.append(current)
    if any(not p for p in parts):
        return whole
    codes: list[str] = []
    notes: list[str] = []
    methods: set[str] = set()
    for part in parts:
        if len(part) == 1 and part[0] in SURROUNDINGS and codes:
            notes.append(f"'og {part[0]}' (and surroundings) names no kommune of its own")
            continue
        resolved = _resolve_name(part, gazetteer, hint)
        if not resolved.codes:
            return _Resolved(problem=f"{' '.join(part)!r} of {'-'.join(words)!r}: {resolved.problem}")
        codes += [c for c in resolved.codes if c not in codes]
        methods.add(resolved.method or "name")
        if resolved.note:
            notes.append(resolved.note)
    method = "name+fylke" if "name+fylke" in methods else "name"
    return _Resolved(codes, method, "; ".join(notes) or None)


def _current_fylke(words: list[str], gazetteer) -> str | None:
    """Today's fylke a name denotes: a current fylke of that name, else where its namesake went
    (Troms → 55 through 54); None when that is not one fylke."""
    current = {c[:2] for c in gazetteer.current}
    for name in readings(words):
        codes = sorted(gazetteer.fylke_codes_named(name) & current) or sorted(gazetteer.fylker_matching(name) & current)
        if len(codes) == 1:
            return codes[0]
    return None


def place(slug: str, *, gazetteer, overrides: Overrides, fylke_group_name: str | None = None) -> Placement:
    rule = overrides.subtype_rule(slug)
    subtype = rule[1] if rule else None
    has_override, override_codes = overrides.kommune_override(slug)
    words = slug.split("-")

    if subtype == "umbrella":
        return Placement(slug, fylke_group_name, "national", subtype, "region", tuple(override_codes),
                         "override" if override_codes else None, "override" if has_override else "none",
                         "overrides.json: the organisation's national umbrella")
    if has_override:
        level = "regional" if subtype == "regional" else "local"
        scope = "region" if level == "regional" else (
            "kommune" if len(override_codes) == 1 else "multi_kommune" if override_codes else "none")
        note = "overrides.json" + ("" if override_codes else ": no kommune (explicit null)")
        return Placement(slug, fylke_group_name, level, subtype or ("regional" if level == "regional" else "lokallag"),
                         scope, tuple(sorted(override_codes)), "override" if override_codes else None, "override", note)

    place_words = words
    prefix_note = None
    if rule and rule[0].endswith("-*"):
        prefix = rule[0][:-2].split("-")
        if words[:len(prefix)] == prefix and len(words) > len(prefix):
            place_words = words[len(prefix):]
            prefix_note = f"the place after {rule[0][:-2]}-"

    if subtype != "regional":
        resolved = _resolve_slug_words(place_words, gazetteer, fylke_group_name)
        if resolved.codes:
            note = "; ".join(n for n in (prefix_note, resolved.note) if n) or None
            scope = "kommune" if len(resolved.codes) == 1 else "multi_kommune"
            return Placement(slug, fylke_group_name, "local", subtype or "lokallag", scope, tuple(resolved.codes),
                             "direct", resolved.method or "name", note)
    else:
        resolved = _Resolved(problem="overrides.json: regional")

    fylke = _current_fylke(place_words, gazetteer)
    if fylke is None and subtype == "regional" and fylke_group_name:
        fylke = _current_fylke(fylke_group_name.lower().split(), gazetteer)
    if fylke is not None or subtype == "regional":
        return Placement(slug, fylke_group_name, "regional", "regional", "region", (), None, "fylke",
                         f"named after fylke {fylke}" if fylke else "overrides.json: regional", fylke)
    return Placement(slug, fylke_group_name, "local", subtype or "lokallag", "none", (), None, "unresolved",
                     resolved.problem)
