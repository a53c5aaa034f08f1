"""Enhetsregisteret answers → raw.brreg_enheter (one row per organisation number).

Input bodies (see `api.py`):
* `search` — `GET /enhetsregisteret/api/enheter?navn=…&organisasjonsform=…&size=…&page=…`:
  `{"_embedded": {"enheter": [...]}, "_links": …, "page": {size, totalElements, totalPages,
  number}}`; a search without hits has no `_embedded`. Each body's `meta` carries the NGO slug
  and the landscape query it answers.
* `details` — `GET /enhetsregisteret/api/enheter/{orgnr}` for an entity the searches stopped
  returning: the entity itself (with `slettedato` when Brreg deleted it), or an empty body with
  status 404/410 (Brreg no longer serves it: nothing is written, the old row stays as it was).

Selection: Brreg's `navn` search matches words anywhere, so a hit counts for an NGO only when
its organisasjonsform is one the query asked for and its registered name starts with the
query's `nameStartsWith` (case- and whitespace-insensitive). Hits of several NGOs' queries are
one row with every matching slug in `matched_ngo_slugs`.

Personal data: an enkeltpersonforetak (ENK) is named after its owner and is never loaded (not
even into quarantine); address lines starting with `c/o` (a person's name) are removed from the
stored payload. Field names follow the API exactly; the bulk download (`/enheter/lastned`) uses
the same record shape with `links` instead of `_links` and is read by the same code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from atlas_ingest.families.ngo.text import clean, name_key
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CsvTable
from atlas_ingest.warehouse import TableLoad

BRREG_COLUMNS = (
    "source_id", "orgnr", "navn", "organisasjonsform", "organisasjonsform_beskrivelse", "registrert_dato",
    "stiftelsesdato", "i_frivillighetsreg", "antall_ansatte", "konkurs", "under_avvikling",
    "under_tvangsavvikling", "forretningsadresse_kommunenummer", "postadresse_kommunenummer", "naeringskode1",
    "hjemmeside", "slettedato", "matched_ngo_slugs", "seen_via", "raw_payload", "record_hash",
)
# Upsert by orgnr: the loader replaces the rows of the orgnrs in this run and leaves the others.
BRREG_LOAD = TableLoad("raw.brreg_enheter", BRREG_COLUMNS, "orgnr")

PERSON_NAMED_FORMS = {"ENK"}  # enkeltpersonforetak: the name is the owner's
_CO_LINE = re.compile(r"^\s*c\s*/\s*o\b", re.I)


class BrregParseError(ValueError):
    pass


# ------------------------------------------------------------------------------------ selection
def form_code(enhet: Mapping[str, Any]) -> str | None:
    form = enhet.get("organisasjonsform")
    return form.get("kode") if isinstance(form, Mapping) else None


def is_person_named(enhet: Mapping[str, Any]) -> bool:
    return form_code(enhet) in PERSON_NAMED_FORMS


def matches(enhet: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Does a search hit belong to the NGO whose landscape `brreg_query` this is?"""
    if is_person_named(enhet):
        return False
    forms = query.get("organisasjonsform") or []
    if forms and form_code(enhet) not in forms:
        return False
    prefix = query.get("nameStartsWith")
    name = enhet.get("navn") or ""
    return not prefix or name_key(name).startswith(name_key(prefix))


def search_hits(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((body.get("_embedded") or {}).get("enheter") or [])


def matched_orgnrs(bodies: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> set[str]:
    """orgnrs of the hits that belong to their query's NGO, over (body, query) pairs."""
    return {str(e.get("organisasjonsnummer")) for body, query in bodies for e in search_hits(body)
            if matches(e, query)}


# ------------------------------------------------------------------------------------ rows
def sanitised(enhet: Mapping[str, Any]) -> dict[str, Any]:
    """The entity as stored in raw_payload: links dropped, `c/o <person>` address lines removed."""
    out: dict[str, Any] = {}
    for key, value in enhet.items():
        if key in ("_links", "links"):
            continue
        if isinstance(value, Mapping) and "adresse" in value:
            value = {k: v for k, v in value.items() if k not in ("_links", "links")}
            value["adresse"] = [line for line in (value.get("adresse") or [])
                                if line and not _CO_LINE.match(str(line))]
        elif isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k not in ("_links", "links")}
        out[key] = value
    return out


def _date(value: Any) -> str | None:
    text = clean(value) if isinstance(value, str) else None
    return text if text and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _kommunenummer(enhet: Mapping[str, Any], key: str) -> str | None:
    address = enhet.get(key)
    return clean(address.get("kommunenummer")) if isinstance(address, Mapping) else None


def row_of(enhet: Mapping[str, Any], *, source_id: str, slugs: Iterable[str], seen_via: str) -> dict[str, Any]:
    form = enhet.get("organisasjonsform") if isinstance(enhet.get("organisasjonsform"), Mapping) else {}
    naering = enhet.get("naeringskode1") if isinstance(enhet.get("naeringskode1"), Mapping) else {}
    employees = enhet.get("antallAnsatte")
    payload = sanitised(enhet)
    row = {
        "source_id": source_id,
        "orgnr": str(enhet["organisasjonsnummer"]),
        "navn": clean(enhet.get("navn")),
        "organisasjonsform": clean(form.get("kode")),
        "organisasjonsform_beskrivelse": clean(form.get("beskrivelse")),
        "registrert_dato": _date(enhet.get("registreringsdatoEnhetsregisteret")),
        "stiftelsesdato": _date(enhet.get("stiftelsesdato")),
        "i_frivillighetsreg": _bool(enhet.get("registrertIFrivillighetsregisteret")),
        "antall_ansatte": employees if isinstance(employees, int) and not isinstance(employees, bool) else None,
        "konkurs": _bool(enhet.get("konkurs")),
        "under_avvikling": _bool(enhet.get("underAvvikling")),
        "under_tvangsavvikling": _bool(enhet.get("underTvangsavviklingEllerTvangsopplosning")),
        "forretningsadresse_kommunenummer": _kommunenummer(enhet, "forretningsadresse"),
        "postadresse_kommunenummer": _kommunenummer(enhet, "postadresse"),
        "naeringskode1": clean(naering.get("kode")),
        "hjemmeside": clean(enhet.get("hjemmeside")),
        "slettedato": _date(enhet.get("slettedato")),
        "matched_ngo_slugs": "{" + ",".join(sorted(set(slugs))) + "}",
        "seen_via": seen_via,
        "raw_payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
    }
    row["record_hash"] = hashlib.sha256(json.dumps(
        {k: v for k, v in row.items() if k != "source_id"}, sort_keys=True, ensure_ascii=False,
        default=str).encode()).hexdigest()
    return row


def problem_of(enhet: Mapping[str, Any]) -> str | None:
    orgnr = str(enhet.get("organisasjonsnummer") or "")
    if not re.fullmatch(r"\d{9}", orgnr):
        return f"organisasjonsnummer {orgnr!r} is not nine digits"
    if not clean(enhet.get("navn")):
        return f"entity {orgnr} has no navn"
    return None


# ------------------------------------------------------------------------------------ parser
def parse_bodies(bodies: Iterable[tuple[Fetched, bytes]],
                 source_id: str) -> tuple[list[dict], list[dict], int, list[str]]:
    """Pure core: (fetched, body) pairs → (rows, quarantine, records seen, warnings)."""
    found: dict[str, dict[str, Any]] = {}  # orgnr → {"enhet", "slugs", "seen_via"}
    quarantine: list[dict[str, Any]] = []
    warnings: list[str] = []
    records = 0
    skipped_person = 0
    filtered = 0
    bodies = list(bodies)
    for f, body in (b for b in bodies if b[0].role == "search"):
        query = f.meta.get("query") or {}
        slug = f.meta.get("slug")
        doc = _json(body, f)
        for enhet in search_hits(doc):
            records += 1
            if is_person_named(enhet):
                skipped_person += 1
                continue
            if not matches(enhet, query):
                filtered += 1
                continue
            problem = problem_of(enhet)
            if problem:
                quarantine.append(_quarantined(f, enhet, problem))
                continue
            entry = found.setdefault(str(enhet["organisasjonsnummer"]), {"enhet": enhet, "slugs": set(),
                                                                         "seen_via": "search"})
            entry["slugs"].add(slug)
    for f, body in (b for b in bodies if b[0].role == "details"):
        orgnr = f.meta.get("orgnr")
        if f.status in (404, 410) or not body.strip():
            warnings.append(f"Brreg no longer serves {orgnr} (HTTP {f.status}); its row is kept as last seen")
            continue
        records += 1
        enhet = _json(body, f)
        if is_person_named(enhet):
            skipped_person += 1
            continue
        problem = problem_of(enhet)
        if problem:
            quarantine.append(_quarantined(f, enhet, problem))
            continue
        if str(enhet["organisasjonsnummer"]) not in found:
            found[str(enhet["organisasjonsnummer"])] = {"enhet": enhet, "slugs": set(), "seen_via": "details"}
    if skipped_person:
        warnings.append(f"{skipped_person} enkeltpersonforetak hit(s) skipped (named after a person; never loaded)")
    rows = [row_of(e["enhet"], source_id=source_id, slugs=e["slugs"], seen_via=e["seen_via"])
            for _, e in sorted(found.items())]
    if filtered:
        warnings.append(f"{filtered} search hit(s) did not start with their NGO's nameStartsWith or had another "
                        "organisasjonsform; not loaded")
    return rows, quarantine, records, warnings


def _json(body: bytes, f: Fetched) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise BrregParseError(f"{f.locator}: not JSON ({exc})") from None


def _quarantined(f: Fetched, enhet: Mapping[str, Any], reason: str) -> dict[str, Any]:
    return {"locator": f"{f.locator}#{enhet.get('organisasjonsnummer')}", "reason": reason,
            "payload": {"organisasjonsnummer": enhet.get("organisasjonsnummer"), "navn": enhet.get("navn"),
                        "organisasjonsform": form_code(enhet)}}


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    rows, quarantine, records, warnings = parse_bodies(((f, ctx.landing.get(f.key)) for f in fetched), m.id)
    table = CsvTable(BRREG_LOAD)
    for row in rows:
        table.write(row)
    if not rows:
        pages = len([f for f in fetched if f.role == "search"])
        raise BrregParseError(f"{m.id}: no Enhetsregister entity matched any NGO query in {pages} search page(s): "
                              "refusing an empty load")
    return ParseResult(tables=[ParsedTable.staged(ctx.landing, BRREG_LOAD, table)],
                       quarantine=quarantine, records=records, warnings=warnings)
