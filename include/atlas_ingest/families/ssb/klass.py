"""SSB Klass (https://data.ssb.no/api/klass/v1): classifications, versions, changes, correspondences.

Endpoints used (JSON, `Accept: application/json`):
* `GET /classifications/{id}` — header with `lastModified` (discover's change check) and the
  list of versions with `validFrom`/`validTo` and `_links.self.href`;
* `GET /versions/{versionId}` — every code of one version (`classificationItems`);
* `GET /classifications/{id}/codesAt?date=YYYY-MM-DD` — the codes valid on a date (`codes`);
* `GET /classifications/{id}/correspondsAt?targetClassificationId=…&date=…` —
  `correspondenceItems` (sourceCode → targetCode) valid on one date;
* `GET /classifications/{id}/corresponds?targetClassificationId=…&from=…` — the same over a
  date range, each item with its own `validFrom`/`validTo`;
* `GET /classifications/{id}/changes?from=YYYY-MM-DD` — `codeChanges` (old → new code).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, Plan, PlannedRequest, RunContext, store_response
from atlas_ingest.observations import CsvTable
from atlas_ingest.warehouse import TableLoad

JSON = {"Accept": "application/json"}

CODES_LOAD = TableLoad("raw.klass_codes", (
    "source_id", "classification_id", "version_id", "version_name", "valid_from", "valid_to", "code",
    "parent_code", "level", "name", "short_name", "notes"), "valid_from")
CHANGES_LOAD = TableLoad("raw.klass_changes", (
    "source_id", "classification_id", "old_code", "old_name", "new_code", "new_name", "change_occurred"), None)
KOMMUNE_CROSSWALK_LOAD = TableLoad("raw.kommune_crosswalk", (
    "source_id", "kommune_nr", "kommune_name", "valid_from", "valid_to", "current_kommune_nr", "n_current",
    "change_kind", "change_dates"), None)
FYLKE_CROSSWALK_LOAD = TableLoad("raw.fylke_crosswalk", (
    "source_id", "fylke_nr", "valid_from", "valid_to", "current_fylke_nr", "n_current", "change_kind"), None)
KOMMUNE_NAMES_LOAD = TableLoad("raw.kommune_names", (
    "source_id", "spelling", "name_key", "kommune_nr", "official_name", "variant", "valid_from", "valid_to",
    "current_kommune_nrs", "is_ambiguous"), None)
CORRESPONDENCES_LOAD = TableLoad("raw.klass_correspondences", (
    "source_id", "correspondence_id", "source_code", "source_name", "target_code", "target_name",
    "valid_from", "valid_to"), "valid_from")


class KlassError(ValueError):
    pass


class KlassAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        base = m.fetch.endpoint
        header_resp = ctx.client.get(f"{base}/classifications/{opts.classification}", headers=JSON)
        header = header_resp.json()
        last_modified = header.get("lastModified")
        fetched = [store_response(ctx.landing, header_resp, "classification")]
        if opts.target_classification is not None:
            # a correspondence changes when either side does: both headers make the version
            target_resp = ctx.client.get(f"{base}/classifications/{opts.target_classification}", headers=JSON)
            fetched.append(store_response(ctx.landing, target_resp, "classification"))
            last_modified = f"{last_modified}|{target_resp.json().get('lastModified')}"
        requests: list[PlannedRequest] = []
        if opts.method == "versions":
            since = opts.since.isoformat()
            versions = sorted((v for v in header.get("versions", []) if (v.get("validTo") or "9999") > since),
                              key=lambda v: v["validFrom"])
            if not versions:
                raise KlassError(f"{m.id}: classification {opts.classification} lists no version valid since {since}")
            for v in versions:
                requests.append(PlannedRequest("GET", v["_links"]["self"]["href"], role="version",
                                               meta={"version_id": v["id"], "name": v["name"]}))
        elif opts.method == "codesAt":
            for d in opts.dates:
                requests.append(PlannedRequest("GET", f"{base}/classifications/{opts.classification}/codesAt",
                                               [("date", d.isoformat())], role="codesAt", meta={"date": d.isoformat()}))
        elif opts.method == "corresponds":
            requests.append(PlannedRequest(
                "GET", f"{base}/classifications/{opts.classification}/corresponds",
                [("targetClassificationId", str(opts.target_classification)), ("from", opts.since.isoformat())],
                role="corresponds", meta={"date": opts.since.isoformat(), "target": opts.target_classification}))
        else:
            for d in opts.dates:
                requests.append(PlannedRequest(
                    "GET", f"{base}/classifications/{opts.classification}/correspondsAt",
                    [("targetClassificationId", str(opts.target_classification)), ("date", d.isoformat())],
                    role="correspondsAt", meta={"date": d.isoformat(), "target": opts.target_classification}))
        if opts.include_changes:
            requests.append(PlannedRequest("GET", f"{base}/classifications/{opts.classification}/changes",
                                           [("from", opts.since.isoformat())], role="changes"))
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = None
        # Klass is loaded whole on every run; a backfill of it is simply a full refresh
        if last_modified and previous == last_modified and not ctx.periods:
            skip = f"classification {opts.classification} unchanged since lastModified {last_modified}"
        return Plan(requests, skip_reason=skip, upstream_version=last_modified, fetched=fetched,
                    notes={"classification": opts.classification, "method": opts.method})

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        out = []
        for req in plan.requests:
            response = ctx.client.get(req.url, params=req.params or None, headers=JSON)
            out.append(store_response(ctx.landing, response, req.role, req.meta))
        return out


def _require(doc: Any, key: str, body: Fetched) -> Any:
    if not isinstance(doc, dict) or key not in doc:
        raise KlassError(f"{body.locator}: expected a JSON object with {key!r} "
                         f"(got {sorted(doc) if isinstance(doc, dict) else type(doc).__name__})")
    return doc[key]


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.fetch_options()
    codes = CsvTable(CODES_LOAD)
    changes = CsvTable(CHANGES_LOAD)
    correspondences = CsvTable(CORRESPONDENCES_LOAD)
    periods: set[str] = set()
    records = 0
    version_docs: list[dict] = []
    changes_doc: dict | None = None
    for body in fetched:
        if body.role == "classification":
            continue
        doc = ctx.landing.get_json(body.key)
        if body.role == "version":
            version_docs.append(doc)
            items = _require(doc, "classificationItems", body)
            valid_from = _require(doc, "validFrom", body)
            for item in items:
                records += 1
                codes.write({"source_id": m.id, "classification_id": opts.classification, "version_id": doc.get("id"),
                             "version_name": doc.get("name") or f"version {doc.get('id')}", "valid_from": valid_from,
                             "valid_to": doc.get("validTo"), "code": item["code"],
                             "parent_code": item.get("parentCode") or None, "level": item.get("level") or "1",
                             "name": item["name"], "short_name": item.get("shortName") or None,
                             "notes": item.get("notes") or None})
            periods.add(valid_from)
        elif body.role == "codesAt":
            items = _require(doc, "codes", body)
            at = body.meta["date"]
            for item in items:
                records += 1
                codes.write({"source_id": m.id, "classification_id": opts.classification, "version_id": None,
                             "version_name": f"codesAt {at}", "valid_from": at, "valid_to": None,
                             "code": item["code"], "parent_code": item.get("parentCode") or None,
                             "level": item.get("level") or "1", "name": item["name"],
                             "short_name": item.get("shortName") or None, "notes": None})
            periods.add(at)
        elif body.role in ("correspondsAt", "corresponds"):
            items = _require(doc, "correspondenceItems", body)
            at = body.meta["date"]
            for item in items:
                records += 1
                valid_from = item.get("validFrom") or at
                correspondences.write({"source_id": m.id, "correspondence_id": body.meta["target"],
                                       "source_code": item["sourceCode"], "source_name": item.get("sourceName"),
                                       "target_code": item["targetCode"], "target_name": item.get("targetName"),
                                       "valid_from": valid_from, "valid_to": item.get("validTo")})
                periods.add(valid_from)
        elif body.role == "changes":
            changes_doc = doc
            for item in _require(doc, "codeChanges", body):
                if date.fromisoformat(item["changeOccurred"]) < opts.since:
                    continue  # Klass may answer with the whole history; keep what was asked for
                records += 1
                changes.write({"source_id": m.id, "classification_id": opts.classification,
                               "old_code": item["oldCode"], "old_name": item.get("oldName"),
                               "new_code": item["newCode"], "new_name": item.get("newName"),
                               "change_occurred": date.fromisoformat(item["changeOccurred"]).isoformat()})
        else:
            raise KlassError(f"{body.locator}: unexpected body role {body.role!r}")
    derived: tuple[CsvTable, ...] = ()
    if m.parse_options().derive_geography:
        if not version_docs or changes_doc is None:
            raise KlassError(f"{m.id}: derive_geography needs the versions and the change table "
                             "(method: versions, include_changes: true)")
        derived = _derive_geography(m.id, version_docs, changes_doc)
    tables = [ParsedTable(t.spec.table, t.spec.columns, t.spec.slice_column, ctx.landing.put(t.getvalue()), t.rows)
              for t in (codes, changes, correspondences, *derived) if t.rows]
    if not tables:
        raise KlassError(f"{m.id}: the Klass answers held no codes")
    return ParseResult(tables=tables, quarantine=[], records=records, periods=sorted(periods))


def _pg_array(values) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def _derive_geography(source_id: str, version_docs: list[dict], changes_doc: dict) -> tuple[CsvTable, ...]:
    """Reform crosswalks and the name table, computed by atlas_ingest.geo from these very answers."""
    from atlas_ingest.geo import Gazetteer

    gaz = Gazetteer.from_klass_documents(version_docs, changes_doc)
    kommuner = CsvTable(KOMMUNE_CROSSWALK_LOAD)
    for row in gaz.crosswalk():
        for current in row.current_codes:
            kommuner.write({"source_id": source_id, "kommune_nr": row.code, "kommune_name": row.name,
                            "valid_from": row.valid_from, "valid_to": row.valid_to, "current_kommune_nr": current,
                            "n_current": len(row.current_codes), "change_kind": row.change_kind,
                            "change_dates": _pg_array(row.change_dates)})
    fylker = CsvTable(FYLKE_CROSSWALK_LOAD)
    for row in gaz.fylke_crosswalk():
        for current in row.current_codes:
            fylker.write({"source_id": source_id, "fylke_nr": row.code, "valid_from": row.valid_from,
                          "valid_to": row.valid_to, "current_fylke_nr": current, "n_current": len(row.current_codes),
                          "change_kind": row.change_kind})
    names = CsvTable(KOMMUNE_NAMES_LOAD)
    seen = set()
    for row in gaz.name_rows():
        key = (row["spelling"], row["kommune_nr"], row["valid_from"])
        if key in seen:
            continue
        seen.add(key)
        names.write({**row, "source_id": source_id, "current_kommune_nrs": _pg_array(row["current_kommune_nrs"])})
    return kommuner, fylker, names
