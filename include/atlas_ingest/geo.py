"""Norwegian geography: kommune/fylke reforms, names, postnummer, and `resolve_kommune`.

One implementation, used twice:
* the `ssb-klass-kommuner` parse derives the reform crosswalks and the name table from Klass
  (all 131 versions since 2018 + the change table) and loads them into raw.* for dbt
  (`crosswalk_kommune_reform`, `crosswalk_fylke_reform`, `crosswalk_kommune_name`);
* every NGO ingest resolves free-text places with `Gazetteer.resolve_kommune(...)`, built from the
  same Klass data in the warehouse (or from the recorded snapshots in tests).

Reform semantics (2020: 422 → 356 kommuner; 2024: 357, renumbered in the re-split fylker, 1507
Ålesund split into 1508 Ålesund and 1580 Haram). For every code valid since 2018:
* `unchanged` / `renamed` — still valid today (a rename keeps the code);
* `renumbered` — exactly one current code, and no other lineage flows into it (1:1);
* `merged` — exactly one current code that other codes also flow into (N:1);
* `split` — several current codes, and the code itself was not merged on the way (1:N);
* `ambiguous` — several current codes reached through a merge (e.g. 1504 Ålesund 2019 →
  merged into 1507 in 2020 → split in 2024): no honest single answer.

Administrative correspondence is not statistical comparability: the marts move counts only along
`renumbered`/`merged` and rates only along `renumbered`, and always say how a row was resolved.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from atlas_ingest.settings import REFERENCE_DIR, SOURCES_DIR

UNKNOWN_KOMMUNE = "9999"
UNKNOWN_FYLKE = "99"

# ------------------------------------------------------------------------------------ names
_TRANSLIT = str.maketrans({
    "æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "é": "e", "è": "e",
    # Sami and Kven letters, folded to their base letters for ASCII matching
    "á": "a", "č": "c", "đ": "d", "ŋ": "n", "š": "s", "ŧ": "t", "ž": "z", "ï": "i", "â": "a",
})
_SUFFIX = re.compile(r"\s+(kommune|kommun|suohkan|gielda|tjielte|kommuuni)$")
_QUALIFIER = re.compile(r"\s*\(([^)]*)\)\s*$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """The matching key of a place name: NFC, lower case, no qualifier or `kommune` suffix,
    transliterated to ASCII (æ→ae, ø→o, å→a, and `aa`→`a` so `Aalesund` meets `Ålesund`),
    punctuation and hyphens as single spaces."""
    text = nfc(text).strip().lower()
    text = _QUALIFIER.sub("", text)
    text = text.translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = _SUFFIX.sub("", text)
    return text.replace("aa", "a")


def qualifier(name: str) -> str | None:
    """`Våler (Østfold)` → `Østfold` (SSB's way of telling same-named kommuner apart)."""
    match = _QUALIFIER.search(nfc(name))
    return match.group(1).strip() if match else None


def name_parts(name: str) -> list[str]:
    """Official names with Sami/Kven parallel names: `Unjárga - Nesseby` → both parts."""
    base = _QUALIFIER.sub("", nfc(name)).strip()
    parts = [p.strip() for p in base.split(" - ") if p.strip()]
    return parts or [base]


def spellings(name: str) -> list[tuple[str, str]]:
    """Every spelling an analyst or a scraped page may use, with what kind it is."""
    out: list[tuple[str, str]] = [(nfc(name).strip(), "official")]
    parts = name_parts(name)
    for part in parts:
        kind = "name" if len(parts) == 1 else "parallel"
        out.append((part, kind))
        out.append((f"{part} kommune", "with_suffix"))
        ascii_a = part.translate(str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "a", "Å": "A"}))
        ascii_aa = part.translate(str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "aa", "Å": "Aa"}))
        out += [(ascii_a, "ascii"), (ascii_aa, "ascii_aa")]
    seen: set[str] = set()
    return [(s, k) for s, k in out if not (s in seen or seen.add(s))]


# ------------------------------------------------------------------------------------ data
@dataclass(frozen=True)
class CodeVersion:
    code: str
    name: str
    valid_from: date
    valid_to: date | None  # exclusive; None = valid today

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Change:
    old: str
    new: str
    on: date
    old_name: str | None = None
    new_name: str | None = None


@dataclass(frozen=True)
class CrosswalkRow:
    code: str
    name: str
    valid_from: date
    valid_to: date | None
    current_codes: tuple[str, ...]
    change_kind: str
    change_dates: tuple[date, ...]


@dataclass(frozen=True)
class Resolution:
    kommune_nr: str | None
    method: str  # postnummer | name | name+fylke | unresolved | ambiguous
    confidence: float
    reason: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kommune_nr is not None

    def quarantine_record(self, locator: str, payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The raw.quarantine record for an input that did not resolve (the parsers' format)."""
        return {"locator": locator, "reason": f"kommune not resolved ({self.method}): {self.reason}",
                "payload": {**dict(payload or {}), "candidates": list(self.candidates)}}


def _versions_from_klass(docs: Iterable[Mapping[str, Any]]) -> list[CodeVersion]:
    out = []
    for doc in docs:
        start = date.fromisoformat(doc["validFrom"])
        end = date.fromisoformat(doc["validTo"]) if doc.get("validTo") else None
        for item in doc["classificationItems"]:
            out.append(CodeVersion(item["code"], nfc(item["name"]), start, end))
    return out


def _merge_ranges(versions: Iterable[CodeVersion]) -> list[CodeVersion]:
    """Consecutive versions of a code with one name become one validity range."""
    by_code: dict[str, list[CodeVersion]] = defaultdict(list)
    for v in versions:
        by_code[v.code].append(v)
    merged = []
    for code, items in by_code.items():
        items.sort(key=lambda v: v.valid_from)
        current = items[0]
        for v in items[1:]:
            if v.name == current.name and current.valid_to == v.valid_from:
                current = CodeVersion(code, current.name, current.valid_from, v.valid_to)
            else:
                merged.append(current)
                current = v
        merged.append(current)
    return sorted(merged, key=lambda v: (v.code, v.valid_from))


class Gazetteer:
    """Kommuner and fylker over time, the reform graph, postnummer; answers "where is this?"."""

    def __init__(self, versions: Iterable[CodeVersion], changes: Iterable[Change],
                 postnummer: Mapping[str, tuple[str, str, str]] | None = None,
                 fylke_names: Iterable[tuple[str, str]] = (), today: date | None = None):
        self.today = today or date.today()
        self.versions = [v for v in _merge_ranges(versions) if v.code != UNKNOWN_KOMMUNE]
        self.changes = [c for c in changes if c.old != c.new or c.old_name != c.new_name]
        self.postnummer = dict(postnummer or {})
        self._successors: dict[str, list[Change]] = defaultdict(list)
        for c in self.changes:
            if c.old != c.new:
                self._successors[c.old].append(c)
        self._by_code: dict[str, list[CodeVersion]] = defaultdict(list)
        for v in self.versions:
            self._by_code[v.code].append(v)
        self.current = {v.code for v in self.versions if v.valid_on(self.today)}
        self._current_of: dict[str, tuple[str, ...]] = {}
        self._fylke_names: dict[str, set[str]] = defaultdict(set)
        for code, name in fylke_names:
            for part in name_parts(name):
                self._fylke_names[fold(part)].add(code)
        self._name_index = self._build_name_index()

    # ---------------------------------------------------------------- reform graph
    def current_codes(self, code: str) -> tuple[str, ...]:
        """The code(s) valid today that `code` became (itself when still valid)."""
        if code in self._current_of:
            return self._current_of[code]
        if code in self.current:
            result: tuple[str, ...] = (code,)
        else:
            found: set[str] = set()
            for change in self._successors.get(code, []):
                found.update(self.current_codes(change.new))
            result = tuple(sorted(found))
        self._current_of[code] = result
        return result

    def _merges_into(self, change: Change) -> bool:
        """True when other codes flowed into the same new code on the same day (an N:1 step)."""
        return sum(1 for c in self.changes
                   if c.new == change.new and c.on == change.on and c.old != c.new) > 1

    def crosswalk(self) -> list[CrosswalkRow]:
        """The code's own path forward decides its kind: data published on 3002 Moss (2020–2023)
        already covers the 2020 merger of Moss and Rygge, so 3002 → 3103 is a 1:1 renumbering,
        while 0104 Moss (2018–2019) → 3002 → 3103 went through a merge."""
        rows = []
        for code, versions in sorted(self._by_code.items()):
            currents = self.current_codes(code)
            steps = self._walk(code)
            dates = tuple(sorted({c.on for c in self.changes if c.old == code}))
            renamed = any(c.old == c.new == code for c in self.changes)
            merged = any(self._merges_into(step) for step in steps)
            if code in self.current:
                kind = "renamed" if renamed or len({v.name for v in versions}) > 1 else "unchanged"
            elif len(currents) == 1:
                kind = "merged" if merged else "renumbered"
            elif len(currents) > 1:
                kind = "ambiguous" if merged else "split"
            else:
                kind = "ambiguous"  # no successor recorded: Klass knows no current code for it
            first = min(versions, key=lambda v: v.valid_from)
            last = max(versions, key=lambda v: v.valid_from)
            rows.append(CrosswalkRow(code, last.name, first.valid_from, last.valid_to, currents, kind, dates))
        return rows

    def _walk(self, code: str) -> list[Change]:
        steps, frontier, seen = [], [code], {code}
        while frontier:
            c = frontier.pop()
            for ch in self._successors.get(c, []):
                steps.append(ch)
                if ch.new not in seen:
                    seen.add(ch.new)
                    frontier.append(ch.new)
        return steps

    def fylke_crosswalk(self) -> list[CrosswalkRow]:
        """Fylker (2-digit prefixes of kommune codes) → current fylker, by where their kommuner went."""
        members: dict[str, set[str]] = defaultdict(set)
        span: dict[str, list[CodeVersion]] = defaultdict(list)
        for v in self.versions:
            members[v.code[:2]].add(v.code)
            span[v.code[:2]].append(v)
        current_fylker = {c[:2] for c in self.current}
        targets = {f: tuple(sorted({cur[:2] for k in ks for cur in self.current_codes(k)})) for f, ks in members.items()}
        # a fylke's later stages (Hordaland → Vestland → …) are where its own kommuner went
        reach = {f: {step.new[:2] for k in ks for step in self._walk(k)} for f, ks in members.items()}
        rows = []
        for f in sorted(members):
            ts = targets[f]
            if f in current_fylker and ts == (f,):
                kind = "unchanged"
            elif len(ts) == 1:
                # merged when a fylke that is not one of its own later stages also flows into the target
                others = {g for g, gts in targets.items()
                          if g != f and g not in current_fylker and ts[0] in gts and g not in reach[f]}
                kind = "merged" if others else "renumbered"
            else:
                kind = "split"
            versions = span[f]
            end = None if f in current_fylker else max(v.valid_to for v in versions if v.valid_to)
            names = sorted(n for n, codes in self._fylke_names.items() if f in codes)
            rows.append(CrosswalkRow(f, names[0] if names else f, min(v.valid_from for v in versions), end, ts, kind, ()))
        return rows

    # ---------------------------------------------------------------- names
    def _build_name_index(self) -> dict[str, set[str]]:
        index: dict[str, set[str]] = defaultdict(set)
        for v in self.versions:
            for part in name_parts(v.name):
                index[fold(part)].add(v.code)
        return index

    def lineages(self, codes: Iterable[str]) -> list[set[str]]:
        """Group codes into lineages: codes whose current-code sets overlap are one kommune."""
        groups: list[tuple[set[str], set[str]]] = []
        for code in sorted(codes):
            cur = set(self.current_codes(code)) or {f"∅{code}"}
            hit = [g for g in groups if g[1] & cur]
            merged_codes, merged_cur = {code}, set(cur)
            for g in hit:
                merged_codes |= g[0]
                merged_cur |= g[1]
                groups.remove(g)
            groups.append((merged_codes, merged_cur))
        return [g[0] for g in groups]

    def ambiguous_names(self) -> dict[str, list[set[str]]]:
        """Folded names held (now or since 2018) by more than one kommune lineage."""
        return {key: lin for key, codes in self._name_index.items() if len(lin := self.lineages(codes)) > 1}

    def name_rows(self) -> list[dict[str, Any]]:
        """crosswalk_kommune_name: every spelling → kommune code, with validity and ambiguity."""
        ambiguous = self.ambiguous_names()
        rows = []
        for v in self.versions:
            for spelling, kind in spellings(v.name):
                key = fold(spelling)
                rows.append({"spelling": spelling, "name_key": key, "kommune_nr": v.code, "official_name": v.name,
                             "variant": kind, "valid_from": v.valid_from, "valid_to": v.valid_to,
                             "current_kommune_nrs": list(self.current_codes(v.code)),
                             "is_ambiguous": key in ambiguous})
        return rows

    def fylke_codes_named(self, name: str) -> set[str]:
        """Fylke codes (any era) whose own name is `name` — no successors (see fylker_matching)."""
        return set(self._fylke_names.get(fold(name), set()))

    def fylker_matching(self, hint: str) -> set[str]:
        """Fylke codes (any era) a hint names — by number or by name — plus their successors."""
        hint = hint.strip()
        codes = {hint} if re.fullmatch(r"\d{2}", hint) else set(self._fylke_names.get(fold(hint), set()))
        expanded = set(codes)
        for f in codes:
            for v in self.versions:
                if v.code[:2] == f:
                    expanded.update(c[:2] for c in self.current_codes(v.code))
        return expanded

    # ---------------------------------------------------------------- the resolver
    def resolve_kommune(self, *, postnummer: str | None = None, name: str | None = None,
                        fylke_hint: str | None = None, on_date: date | None = None) -> Resolution:
        """Postnummer first, then the name (+ optional fylke hint and date). Never a guess:
        an unknown or ambiguous input comes back unresolved with the reason."""
        reasons = []
        if postnummer:
            code = re.sub(r"\D", "", str(postnummer))
            if len(code) == 4 and code in self.postnummer:
                kommune, poststed, _category = self.postnummer[code]
                currents = self.current_codes(kommune)
                if len(currents) == 1:
                    return Resolution(currents[0], "postnummer", 1.0)
                reasons.append(f"postnummer {code} ({poststed}) lies in {kommune}, which maps to "
                               f"{len(currents)} current kommuner {list(currents)}")
            else:
                reasons.append(f"postnummer {postnummer!r} is not in the postnummer register")
        if name:
            result = self._resolve_name(name, fylke_hint, on_date)
            if result.ok:
                return result
            reasons.append(result.reason or "name not resolved")
            if result.method == "ambiguous":
                return Resolution(None, "ambiguous", 0.0, "; ".join(reasons), result.candidates)
        if not postnummer and not name:
            reasons.append("neither a postnummer nor a name was given")
        return Resolution(None, "unresolved", 0.0, "; ".join(reasons))

    def _resolve_name(self, name: str, fylke_hint: str | None, on_date: date | None) -> Resolution:
        key = fold(name)
        hint = fylke_hint or qualifier(name)
        codes = set(self._name_index.get(key, set()))
        if not codes:
            return Resolution(None, "unresolved", 0.0, f"no kommune has ever been called {name!r} (key {key!r})")
        if on_date is not None:
            dated = {c for c in codes if any(v.valid_on(on_date) and key in map(fold, name_parts(v.name))
                                             for v in self._by_code[c])}
            if dated:
                codes = dated
        if hint:
            fylker = self.fylker_matching(hint)
            if not fylker:
                return Resolution(None, "unresolved", 0.0, f"fylke hint {hint!r} names no known fylke")
            codes = {c for c in codes if c[:2] in fylker or any(cur[:2] in fylker for cur in self.current_codes(c))}
            if not codes:
                return Resolution(None, "unresolved", 0.0, f"no kommune called {name!r} in fylke {hint!r}")
        lineages = self.lineages(codes)
        if len(lineages) > 1:
            return Resolution(None, "ambiguous", 0.0,
                              f"{name!r} is (or was) the name of {len(lineages)} different kommuner "
                              f"({', '.join(sorted(min(lin) for lin in lineages))}); give a fylke hint",
                              tuple(sorted(c for lin in lineages for c in lin)))
        currents = sorted({cur for c in lineages[0] for cur in self.current_codes(c)})
        # a name can outlive a split (Ålesund): prefer the current code that carries the name today
        named_now = [c for c in currents if key in map(fold, name_parts(self.current_name(c) or ""))]
        if len(currents) == 1 or len(named_now) == 1:
            chosen = currents[0] if len(currents) == 1 else named_now[0]
            return Resolution(chosen, "name+fylke" if hint else "name", 0.95 if hint else 0.9)
        return Resolution(None, "ambiguous", 0.0,
                          f"{name!r} maps to several current kommuner {currents} after a split", tuple(currents))

    def current_name(self, code: str) -> str | None:
        for v in self._by_code.get(code, []):
            if v.valid_on(self.today):
                return v.name
        return None

    # ---------------------------------------------------------------- constructors
    @classmethod
    def from_klass_documents(cls, version_docs: Iterable[Mapping[str, Any]], changes_doc: Mapping[str, Any],
                             postnummer: Mapping[str, tuple[str, str, str]] | None = None,
                             fylke_names: Iterable[tuple[str, str]] = (), today: date | None = None) -> Gazetteer:
        changes = [Change(c["oldCode"], c["newCode"], date.fromisoformat(c["changeOccurred"]),
                          c.get("oldName"), c.get("newName")) for c in changes_doc["codeChanges"]]
        return cls(_versions_from_klass(version_docs), changes, postnummer, fylke_names, today)

    @classmethod
    def from_snapshots(cls, sources_dir: Path = SOURCES_DIR, today: date | None = None) -> Gazetteer:
        """From the recorded snapshots in the repository (tests, and machines without a warehouse)."""
        klass = sources_dir / "ssb-klass-kommuner" / "snapshots"
        versions = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(klass.glob("version-*.json"))]
        changes = json.loads((klass / "classifications-131-changes.json").read_text(encoding="utf-8"))
        postnummer_dir = sources_dir / "posten-postnummer" / "snapshots"
        register: dict[str, tuple[str, str, str]] = {}
        for path in sorted(postnummer_dir.glob("*.txt")):
            register.update(parse_postnummer_register(path.read_bytes()))
        return cls.from_klass_documents(versions, changes, register, reference_fylke_names(sources_dir), today)

    @classmethod
    def from_warehouse(cls, conn, today: date | None = None) -> Gazetteer:
        """From raw.klass_codes / raw.klass_changes / raw.postnummer (what the ssb and posten DAGs loaded)."""
        versions = [CodeVersion(code, nfc(name), vf, vt) for code, name, vf, vt in conn.execute(
            "SELECT code, name, valid_from, valid_to FROM raw.klass_codes WHERE source_id = 'ssb-klass-kommuner'")]
        if not versions:
            raise LookupError("raw.klass_codes holds no kommuner: run the ssb DAG (ssb-klass-kommuner) first")
        changes = [Change(o, n, d, on, nn) for o, n, d, on, nn in conn.execute(
            "SELECT old_code, new_code, change_occurred, old_name, new_name FROM raw.klass_changes "
            "WHERE source_id = 'ssb-klass-kommuner'")]
        register = {p: (k, s, c) for p, s, k, c in conn.execute(
            "SELECT postnummer, poststed, kommune_nr, category FROM raw.postnummer")} \
            if conn.execute("SELECT to_regclass('raw.postnummer')").fetchone()[0] else {}
        fylker = [(c, n) for c, n in conn.execute(
            "SELECT DISTINCT code, name FROM raw.klass_codes WHERE source_id = 'ssb-klass-fylker'")]
        conn.commit()
        return cls(versions, changes, register, fylker + list(historical_fylke_names()), today)


# ------------------------------------------------------------------------------------ postnummer
def parse_postnummer_register(body: bytes) -> dict[str, tuple[str, str, str]]:
    """Bring's register (windows-1252, TAB, no header): postnummer → (kommune_nr, poststed, category)."""
    text = body.decode("cp1252")
    out = {}
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) >= 5 and re.fullmatch(r"\d{4}", cols[0].strip()):
            out[cols[0].strip()] = (cols[2].strip(), cols[1].strip(), cols[4].strip())
    return out


# ------------------------------------------------------------------------------------ fylker
def historical_fylke_names() -> list[tuple[str, str]]:
    """Fylker of 2018–2019 (before the 2020 reform), vendored in include/reference."""
    path = REFERENCE_DIR / "fylker_2018_2019.csv"
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return [tuple(r.split(",", 1)) for r in rows if r.strip()]  # type: ignore[misc]


def reference_fylke_names(sources_dir: Path = SOURCES_DIR) -> list[tuple[str, str]]:
    names = list(historical_fylke_names())
    folder = sources_dir / "ssb-klass-fylker" / "snapshots"
    for path in sorted(folder.glob("*codesat*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")).get("codes", []):
            names.append((item["code"], item["name"]))
    return names
