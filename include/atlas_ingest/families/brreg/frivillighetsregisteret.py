"""Frivillighetsregisteret: every registered voluntary organisation, its ICNPO categories and its
registered kommune (`json_api` / `api: brreg_frivillighetsregisteret`, parser
`brreg_frivillighetsregisteret`, source `brreg-frivillighetsregisteret`).

Two open Brønnøysund APIs on the same host (`fetch.endpoint`, https://data.brreg.no), no key:

* the register, walked whole —
  `GET /frivillighetsregisteret/api/frivillige-organisasjoner?size=100[&searchAfter=<orgnr>]`:
  `{"_embedded": {"frivilligeOrganisasjoner": [...]}, "_links": {"self", "next"}}`. It pages by
  `searchAfter` only: a `page` parameter is answered 400 (even `page=0`), `size` above 100 is
  answered 400, there is no `page` block, no total and no bulk download or change feed. Each
  page's `_links.next` names the next `searchAfter`; the walk ends when there is no next link.
  A record: `organisasjonsnummer`, `frivilligOrganisasjonsstatus`, `innfoertDato`,
  `foersteGangInnfoert`, `grasrotandel {deltarI}`, `vedtekter`, `regnskapsrapportering`,
  `icnpoKategorier [{kategori, icnpoNummer, rekkefoelge}]` (up to three, ranked by
  `rekkefoelge` — the array itself is not sorted), `kontonummer` (never stored).
* Enhetsregisteret, for what the register does not carry (name, organisasjonsform, the
  addresses' kommunenummer) — one search per register page:
  `GET /enhetsregisteret/api/enheter?organisasjonsnummer=<the page's orgnrs, comma-separated>&size=<n>`.

discover reads the first register page (the register has no cheap change signal, so a run is
never skipped); fetch walks the rest and reads the Enhetsregister batch of every page. A walk
that hits `max_pages`, repeats a `searchAfter`, or returns far fewer organisations than the last
successful load (`min_share_of_previous`) fails the run: the load replaces the whole source, and
a truncated walk must not delete the rest of the register.

The parser is pure (bodies in, rows out): one row per organisation in
raw.brreg_frivillige_organisasjoner. The registered kommune is the Enhetsregister business
address's kommunenummer, else the postal address's (`kommune_basis` says which). Personal data:
`kontonummer` and `_links` are dropped, `c/o` address lines never reach the warehouse, and an
enkeltpersonforetak (named after its owner) is never loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from atlas_ingest.families.brreg.parse import is_person_named, search_hits
from atlas_ingest.families.ngo.text import clean
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, Plan, RunContext, store_response
from atlas_ingest.observations import CsvTable
from atlas_ingest.warehouse import TableLoad

log = logging.getLogger("atlas_ingest.brreg.frivillighetsregisteret")

REGISTER_PATH = "/frivillighetsregisteret/api/frivillige-organisasjoner"
ENHETER_PATH = "/enhetsregisteret/api/enheter"

COLUMNS = (
    "source_id", "orgnr", "navn", "organisasjonsform", "frivillig_status", "innfoert_dato",
    "forste_gang_innfoert", "icnpo_codes", "icnpo_kategorier", "deltar_grasrotandel", "kommune_nr",
    "kommune_basis", "postnummer", "in_enhetsregisteret", "raw_payload", "record_hash",
)
# The register is walked whole every run, so a load replaces the source's rows (organisations
# that left the register leave the table).
LOAD = TableLoad("raw.brreg_frivillige_organisasjoner", COLUMNS, None)

_DROPPED_FIELDS = {"kontonummer", "_links", "links"}


class FrivillighetsregisterError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------ the walk
def register_params(page_size: int, search_after: str | None) -> list[tuple[str, str]]:
    params = [("size", str(page_size))]
    return params + [("searchAfter", search_after)] if search_after else params


def enheter_params(orgnrs: list[str]) -> list[tuple[str, str]]:
    return [("organisasjonsnummer", ",".join(orgnrs)), ("size", str(len(orgnrs)))]


def register_records(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The page's organisations; a page without `_embedded` is the end of the register, not an error."""
    embedded = doc.get("_embedded")
    if embedded is None:
        return []
    records = embedded.get("frivilligeOrganisasjoner") if isinstance(embedded, Mapping) else None
    if not isinstance(records, list):
        keys = sorted(embedded) if isinstance(embedded, Mapping) else type(embedded).__name__
        raise FrivillighetsregisterError(f"`_embedded` has no `frivilligeOrganisasjoner` list (keys: {keys})")
    return records


def next_search_after(doc: Mapping[str, Any]) -> str | None:
    """The `searchAfter` of the page's `_links.next`, or None at the end of the register."""
    links = doc.get("_links") or {}
    href = ((links.get("next") or {}) if isinstance(links, Mapping) else {}).get("href")
    if not href:
        return None
    values = parse_qs(urlsplit(href).query).get("searchAfter")
    if not values or not values[0]:
        raise FrivillighetsregisterError(f"the next link {href!r} has no searchAfter (the register pages by it only)")
    return values[0]


def page_orgnrs(doc: Mapping[str, Any]) -> list[str]:
    return [str(r.get("organisasjonsnummer")) for r in register_records(doc)
            if re.fullmatch(r"\d{9}", str(r.get("organisasjonsnummer") or ""))]


def check_walk_complete(source_id: str, organisations: int, previous: int | None, min_share: float) -> None:
    """A walk far shorter than the last good load is an upstream hiccup, not half the sector vanishing."""
    if previous and organisations < min_share * previous:
        raise FrivillighetsregisterError(
            f"{source_id}: the register walk returned {organisations} organisations, fewer than "
            f"{min_share:.0%} of the {previous} the last successful run loaded; refusing to replace the register "
            "with a partial walk (re-run later, or lower fetch.options.min_share_of_previous if the drop is real)")


class FrivillighetsregisterAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options().root
        url = f"{m.fetch.endpoint}{REGISTER_PATH}"
        response = ctx.client.get(url, params=register_params(opts.page_size, None))
        first = store_response(ctx.landing, response, "register", {"page": 0})
        doc = _json(response.body, first)
        return Plan([], fetched=[first], notes={"first_page_organisations": len(register_records(doc)),
                                               "walk": "searchAfter", "page_size": opts.page_size})

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        m = ctx.manifest
        opts = m.fetch_options().root
        register_url = f"{m.fetch.endpoint}{REGISTER_PATH}"
        enheter_url = f"{m.fetch.endpoint}{ENHETER_PATH}"
        out: list[Fetched] = []
        page = next(f for f in plan.fetched if f.role == "register")
        doc = _json(ctx.landing.get(page.key), page)
        seen_after: set[str] = set()
        organisations = 0
        pages = 1
        while True:
            orgnrs = page_orgnrs(doc)
            organisations += len(register_records(doc))
            if orgnrs:
                response = ctx.client.get(enheter_url, params=enheter_params(orgnrs))
                out.append(store_response(ctx.landing, response, "enheter", {"page": page.meta.get("page")}))
            after = next_search_after(doc)
            if after is None:
                break
            if after in seen_after:
                raise FrivillighetsregisterError(f"{m.id}: the register's next link repeats searchAfter={after}; "
                                                 "stopping a walk that would not end")
            if pages >= opts.max_pages:
                raise FrivillighetsregisterError(
                    f"{m.id}: the register walk reached fetch.options.max_pages ({opts.max_pages}) with a next link "
                    f"still present (searchAfter={after}); raise max_pages if the register really is that large")
            seen_after.add(after)
            response = ctx.client.get(register_url, params=register_params(opts.page_size, after))
            page = store_response(ctx.landing, response, "register", {"page": pages, "searchAfter": after})
            out.append(page)
            doc = _json(response.body, page)
            pages += 1
        check_walk_complete(m.id, organisations, self.previous_rows(ctx), opts.min_share_of_previous)
        log.info("%s: walked %d register page(s), %d organisations, %d Enhetsregister batch(es)", m.id, pages,
                 organisations, sum(1 for f in out if f.role == "enheter"))
        return out

    def previous_rows(self, ctx: RunContext) -> int | None:
        from atlas_ingest import warehouse

        with warehouse.connect() as conn:
            last = warehouse.last_success(conn, ctx.manifest.id)
        return (last or {}).get("rows_out")


# ------------------------------------------------------------------------------------ parsing
def icnpo_ranked(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`icnpoKategorier` in the organisation's own order (`rekkefoelge`), not the array's."""
    cats = record.get("icnpoKategorier") or []
    if not isinstance(cats, list):
        return []
    usable = [(c.get("rekkefoelge") if isinstance(c.get("rekkefoelge"), int) else 99, i, c)
              for i, c in enumerate(cats) if isinstance(c, Mapping) and clean(str(c.get("icnpoNummer") or ""))]
    return [{"icnpoNummer": str(c["icnpoNummer"]).strip(), "kategori": c.get("kategori"),
             "rekkefoelge": c.get("rekkefoelge")} for _, _, c in sorted(usable, key=lambda t: t[:2])]


def registered_kommune(enhet: Mapping[str, Any] | None) -> tuple[str | None, str | None, str | None]:
    """(kommunenummer, which address it came from, postnummer): the business address first."""
    if not enhet:
        return None, None, None
    for key, basis in (("forretningsadresse", "forretningsadresse"), ("postadresse", "postadresse")):
        address = enhet.get(key)
        if isinstance(address, Mapping):
            number = clean(address.get("kommunenummer"))
            if number and re.fullmatch(r"\d{4}", number):
                return number, basis, clean(address.get("postnummer"))
    return None, None, None


def _date(value: Any) -> str | None:
    text = clean(value) if isinstance(value, str) else None
    return text[:10] if text and re.match(r"\d{4}-\d{2}-\d{2}", text) else None


def stored_record(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in _DROPPED_FIELDS}


def row_of(record: Mapping[str, Any], enhet: Mapping[str, Any] | None, source_id: str,
           ranked: list[dict[str, Any]]) -> dict[str, Any]:
    kommune_nr, basis, postnummer = registered_kommune(enhet)
    form = (enhet or {}).get("organisasjonsform")
    grasrot = record.get("grasrotandel")
    row = {
        "source_id": source_id,
        "orgnr": str(record["organisasjonsnummer"]),
        "navn": clean((enhet or {}).get("navn")),
        "organisasjonsform": clean(form.get("kode")) if isinstance(form, Mapping) else None,
        "frivillig_status": clean(record.get("frivilligOrganisasjonsstatus")),
        "innfoert_dato": _date(record.get("innfoertDato")),
        "forste_gang_innfoert": _date(record.get("foersteGangInnfoert")),
        "icnpo_codes": "{" + ",".join(c["icnpoNummer"] for c in ranked) + "}",
        "icnpo_kategorier": json.dumps(ranked, ensure_ascii=False),
        "deltar_grasrotandel": grasrot.get("deltarI") if isinstance(grasrot, Mapping)
        and isinstance(grasrot.get("deltarI"), bool) else None,
        "kommune_nr": kommune_nr,
        "kommune_basis": basis,
        "postnummer": postnummer,
        "in_enhetsregisteret": enhet is not None,
        "raw_payload": json.dumps(stored_record(record), ensure_ascii=False, sort_keys=True),
    }
    row["record_hash"] = hashlib.sha256(json.dumps({k: v for k, v in row.items() if k != "source_id"},
                                                   sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return row


def parse_bodies(bodies: Iterable[tuple[Fetched, bytes]], source_id: str,
                 known_icnpo: frozenset[str]) -> tuple[list[dict], list[dict], int, list[str]]:
    """Pure core: (fetched, body) pairs → (rows, quarantine, records seen, warnings)."""
    bodies = list(bodies)
    enheter: dict[str, Mapping[str, Any]] = {}
    person_named: set[str] = set()
    for f, body in bodies:
        if f.role != "enheter":
            continue
        for enhet in search_hits(_json(body, f)):
            orgnr = str(enhet.get("organisasjonsnummer"))
            if is_person_named(enhet):
                person_named.add(orgnr)
            else:
                enheter[orgnr] = enhet
    rows: dict[str, dict[str, Any]] = {}
    quarantine: list[dict[str, Any]] = []
    warnings: list[str] = []
    records = duplicates = without_enhet = without_kommune = 0
    for f, body in bodies:
        if f.role != "register":
            continue
        for record in register_records(_json(body, f)):
            records += 1
            orgnr = str(record.get("organisasjonsnummer") or "")
            locator = f"{f.locator}#{orgnr}"
            if not re.fullmatch(r"\d{9}", orgnr):
                quarantine.append(_quarantined(locator, f"organisasjonsnummer {orgnr!r} is not nine digits", record))
                continue
            if orgnr in person_named:
                continue  # an enkeltpersonforetak: named after a person, never loaded (not even quarantined)
            if orgnr in rows:
                duplicates += 1
                continue
            ranked = icnpo_ranked(record)
            unknown = [c["icnpoNummer"] for c in ranked if c["icnpoNummer"] not in known_icnpo]
            if unknown:
                quarantine.append(_quarantined(
                    locator, f"ICNPO code(s) {unknown} are not in Frivillighetsregisteret's list "
                             "(seeds/ref_brreg_icnpo.csv): add them there once confirmed", record))
                continue
            enhet = enheter.get(orgnr)
            row = row_of(record, enhet, source_id, ranked)
            without_enhet += enhet is None
            without_kommune += enhet is not None and row["kommune_nr"] is None
            rows[orgnr] = row
    if duplicates:
        warnings.append(f"{duplicates} organisation(s) appeared on more than one register page; kept once")
    if without_enhet:
        warnings.append(f"{without_enhet} registered organisation(s) had no Enhetsregister answer: loaded without "
                        "name, form or kommune")
    if without_kommune:
        warnings.append(f"{without_kommune} organisation(s) have no Norwegian kommunenummer on either address "
                        "(kommune_nr NULL)")
    if person_named:
        warnings.append(f"{len(person_named)} enkeltpersonforetak skipped (named after a person; never loaded)")
    return [rows[k] for k in sorted(rows)], quarantine, records, warnings


def _json(body: bytes, f: Fetched) -> Any:
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise FrivillighetsregisterError(f"{f.method} {f.locator}: not JSON ({exc})") from None
    if not isinstance(doc, Mapping):
        raise FrivillighetsregisterError(f"{f.method} {f.locator}: expected a JSON object, got {type(doc).__name__}")
    return doc


def _quarantined(locator: str, reason: str, record: Mapping[str, Any]) -> dict[str, Any]:
    return {"locator": locator, "reason": reason,
            "payload": {"organisasjonsnummer": record.get("organisasjonsnummer"),
                        "icnpoKategorier": record.get("icnpoKategorier")}}


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    from atlas_ingest.families.ngo.landscape import icnpo_codes

    m = ctx.manifest
    try:
        rows, quarantine, records, warnings = parse_bodies(((f, ctx.landing.get(f.key)) for f in fetched), m.id,
                                                           icnpo_codes())
    except FrivillighetsregisterError as exc:
        raise FrivillighetsregisterError(f"{m.id}: {exc}") from None
    if not rows:
        pages = sum(1 for f in fetched if f.role == "register")
        raise FrivillighetsregisterError(f"{m.id}: {pages} register page(s) held no loadable organisation: "
                                         "refusing an empty load")
    table = CsvTable(LOAD)
    for row in rows:
        table.write(row)
    return ParseResult(tables=[ParsedTable.staged(ctx.landing, LOAD, table)],
                       quarantine=quarantine, records=records, warnings=warnings)
