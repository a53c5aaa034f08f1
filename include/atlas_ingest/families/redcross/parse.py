"""The Red Cross Organizations API export (`getOrganizations`) → raw.redcross_branches + activities.

One parser for both fetches: the export file (`static_dump`) and the live API
(`json_api` / `redcross_organizations`) answer with the same document:

    {"data": {"branches": [ {branchId, branchNumber, organizationNumber?, branchType, branchName,
                             branchStatus {isActive, creationDate, isTerminated},
                             branchParent {branchId, branchNumber, branchName, branchType},
                             branchDetails {organizationLevel, description?},
                             branchLocation {municipality, county, region?,
                                             postalAddress {addressLine1, postalCode, postOffice}},
                             communicationChannels {phone?, email?, web?},
                             branchContacts [ {role, firstName, lastName, isVolunteer, isMember,
                                               memberNumber} ],
                             branchActivities [ {globalActivityName, localActivityName} ]} ]},
     "metadata": {"totalCount": 392, "timestamp": "2026-04-21T04:39:47.576Z"}}

Field names are the real export's (shared/reference/redcross, a redacted 7-branch sample).

**Personal data is never loaded.** The branch is read through an allow-list: `branchContacts`
(names, member numbers), `communicationChannels.phone` and `.email` (often a person's own),
`postalAddress.addressLine1` (`C/O <person>`) and `branchDetails.description` (free text) are
dropped before anything is written — not into raw, not into `raw_payload`, not into quarantine.
An unknown branch field is reported in the run's warnings and not loaded until reviewed.

**kommune_nr** comes from `Gazetteer.resolve_kommune`: the postal code first (Bring's register),
the municipality name second with the county as fylke hint. A branch on the ground (the
`local_types` option: Lokalforening and Ukjent) that resolves to nothing is quarantined with the
reason and its activities are not loaded; a Distrikt or the national office without a kommune
is kept (kommune_nr NULL, the reason in `kommune_note`) — they are not supply in a kommune.

**A partial export is refused**: `metadata.totalCount` must equal the number of branches, because
the load replaces the whole source (a truncated file would make chapters vanish).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from atlas_ingest.families.ngo.text import clean, nfc, slugify
from atlas_ingest.kinds import Fetched, ParsedTable, ParseResult, RunContext
from atlas_ingest.observations import CsvTable
from atlas_ingest.warehouse import TableLoad

log = logging.getLogger("atlas_ingest.redcross")

BRANCH_COLUMNS = (
    "source_id", "branch_id", "branch_number", "organization_number", "branch_type", "branch_name",
    "is_active", "is_terminated", "creation_date", "parent_branch_id", "parent_branch_number",
    "parent_branch_name", "parent_branch_type", "organization_level", "municipality", "county", "region",
    "postal_code", "post_office", "web_url", "kommune_nr", "kommune_resolution", "kommune_confidence",
    "kommune_note", "activity_count", "dump_timestamp", "raw_payload", "record_hash",
)
ACTIVITY_COLUMNS = (
    "source_id", "branch_id", "activity_seq", "global_activity_name", "global_activity_slug",
    "local_activity_name",
)
# The export is a complete snapshot: both tables are replaced whole per load.
BRANCHES_LOAD = TableLoad("raw.redcross_branches", BRANCH_COLUMNS, None)
ACTIVITIES_LOAD = TableLoad("raw.redcross_branch_activities", ACTIVITY_COLUMNS, None)

BRANCH_TYPES = ("Lokalforening", "Distrikt", "Nasjonalkontoret", "Ukjent")
DEFAULT_LOCAL_TYPES = ("Lokalforening", "Ukjent")

# Every branch field the parser knows. Those in DROPPED are personal data or free text and are
# never loaded; anything not listed is reported and skipped until someone reviews it.
KNOWN_BRANCH_FIELDS = {
    "branchId", "branchNumber", "organizationNumber", "branchType", "branchName", "branchStatus",
    "branchParent", "branchDetails", "branchLocation", "communicationChannels", "branchContacts",
    "branchActivities",
}
DROPPED = ("branchContacts", "communicationChannels.phone", "communicationChannels.email",
           "branchLocation.postalAddress.addressLine1", "branchDetails.description")


class ExportError(ValueError):
    """The document is not a getOrganizations export (or not a complete one)."""


class KommuneReferenceMissing(RuntimeError):
    pass


@dataclass
class ParsedExport:
    branches: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    records: int = 0
    warnings: list[str] = field(default_factory=list)
    dump_timestamp: str | None = None


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _date(value: Any) -> str | None:
    text = clean(value) if isinstance(value, str) else None
    return text[:10] if text and re.match(r"^\d{4}-\d{2}-\d{2}", text) else None


def _web(value: Any) -> str | None:
    text = clean(value) if isinstance(value, str) else None
    return text if text and re.match(r"^https?://\S+$", text) else None


def allowed_payload(branch: Mapping[str, Any]) -> dict[str, Any]:
    """The branch as stored in raw_payload: allow-listed fields only (no people, no free text)."""
    status = _map(branch.get("branchStatus"))
    parent = _map(branch.get("branchParent"))
    location = _map(branch.get("branchLocation"))
    postal = _map(location.get("postalAddress"))
    payload = {
        "branchId": branch.get("branchId"),
        "branchNumber": branch.get("branchNumber"),
        "organizationNumber": branch.get("organizationNumber"),
        "branchType": branch.get("branchType"),
        "branchName": branch.get("branchName"),
        "branchStatus": {k: status.get(k) for k in ("isActive", "creationDate", "isTerminated") if k in status},
        "branchParent": {k: parent.get(k) for k in ("branchId", "branchNumber", "branchName", "branchType")
                         if k in parent},
        "branchDetails": {k: v for k, v in _map(branch.get("branchDetails")).items() if k == "organizationLevel"},
        "branchLocation": {
            **{k: location.get(k) for k in ("municipality", "county", "region") if k in location},
            "postalAddress": {k: postal.get(k) for k in ("postalCode", "postOffice") if k in postal},
        },
        "communicationChannels": {k: v for k, v in _map(branch.get("communicationChannels")).items() if k == "web"},
        "branchActivities": [{k: a.get(k) for k in ("globalActivityName", "localActivityName")}
                             for a in branch.get("branchActivities") or [] if isinstance(a, Mapping)],
    }
    return {k: v for k, v in payload.items() if v is not None}


def branches_of(doc: Any) -> tuple[list[Any], Mapping[str, Any]]:
    if not isinstance(doc, Mapping) or not isinstance(_map(doc.get("data")).get("branches"), list):
        raise ExportError('not a getOrganizations export: expected {"data": {"branches": [...]}, '
                          '"metadata": {...}}')
    return doc["data"]["branches"], _map(doc.get("metadata"))


def parse_export(doc: Any, *, gazetteer, source_id: str, locator: str,
                 local_types: tuple[str, ...] | list[str] = DEFAULT_LOCAL_TYPES,
                 require_complete: bool = True) -> ParsedExport:
    """Pure core: the export document → rows (no I/O; `gazetteer` answers resolve_kommune)."""
    branches, metadata = branches_of(doc)
    stamp = metadata.get("timestamp")
    out = ParsedExport(dump_timestamp=clean(stamp) if isinstance(stamp, str) else None)
    total = metadata.get("totalCount")
    if isinstance(total, int) and total != len(branches):
        message = (f"{locator}: metadata.totalCount is {total} but the export holds {len(branches)} branches")
        if require_complete:
            raise ExportError(message + ": refusing a partial export (the load replaces every branch)")
        out.warnings.append(message + " (a sample)")
    unknown_fields: set[str] = set()
    seen: set[str] = set()
    for position, branch in enumerate(branches, 1):
        out.records += 1
        if not isinstance(branch, Mapping):
            out.quarantine.append({"locator": f"{locator}#branch[{position}]", "reason": "branch is not an object",
                                   "payload": {"position": position}})
            continue
        unknown_fields |= set(branch) - KNOWN_BRANCH_FIELDS
        activities = [a for a in branch.get("branchActivities") or []]
        out.records += len(activities)
        row, problem = _branch_row(branch, gazetteer, source_id, local_types, out.dump_timestamp)
        branch_locator = f"{locator}#branchId={branch.get('branchId') or f'[{position}]'}"
        if problem is None and row["branch_id"] in seen:
            problem = (f"branchId {row['branch_id']} appears more than once in the export", {})
        if problem is not None:
            reason, extra = problem
            out.quarantine.append({"locator": branch_locator, "reason": reason,
                                   "payload": {**_identity(branch), **extra}})
            continue
        seen.add(row["branch_id"])
        for seq, activity in enumerate(activities, 1):
            name = nfc(activity.get("globalActivityName")).strip() if isinstance(activity, Mapping) \
                and isinstance(activity.get("globalActivityName"), str) else ""
            if not name or not slugify(name):
                out.quarantine.append({"locator": f"{branch_locator}#activity={seq}",
                                       "reason": "activity without a globalActivityName",
                                       "payload": {"branchId": row["branch_id"], "activity": seq, "localActivityName":
                                                   clean(_map(activity).get("localActivityName"))}})
                continue
            out.activities.append({"source_id": source_id, "branch_id": row["branch_id"], "activity_seq": seq,
                                   "global_activity_name": name, "global_activity_slug": slugify(name),
                                   "local_activity_name": clean(_map(activity).get("localActivityName"))})
        out.branches.append(row)
    if unknown_fields:
        out.warnings.append("branch fields not known to the parser (not loaded until reviewed): "
                            f"{sorted(unknown_fields)}")
    return out


def _identity(branch: Mapping[str, Any]) -> dict[str, Any]:
    """What a quarantine record may say about a branch: no people, no free text."""
    location = _map(branch.get("branchLocation"))
    return {"branchId": branch.get("branchId"), "branchName": clean(branch.get("branchName")),
            "branchType": branch.get("branchType"), "municipality": clean(location.get("municipality")),
            "county": clean(location.get("county")),
            "postalCode": clean(_map(location.get("postalAddress")).get("postalCode"))}


def _branch_row(branch: Mapping[str, Any], gazetteer, source_id: str, local_types, dump_timestamp):
    branch_id = clean(branch.get("branchId"))
    if not branch_id or not re.fullmatch(r"[A-Z]{1,3}\d{2,4}", branch_id):
        return None, (f"branchId {branch.get('branchId')!r} is not a Red Cross branch id (L###, D###, S###, RK##)", {})
    branch_type = clean(branch.get("branchType"))
    if branch_type not in BRANCH_TYPES:
        return None, (f"unknown branchType {branch.get('branchType')!r} (known: {', '.join(BRANCH_TYPES)})", {})
    name = clean(branch.get("branchName"))
    if not name:
        return None, ("branch without a branchName", {})
    status = _map(branch.get("branchStatus"))
    parent = _map(branch.get("branchParent"))
    location = _map(branch.get("branchLocation"))
    postal = _map(location.get("postalAddress"))
    municipality, county = clean(location.get("municipality")), clean(location.get("county"))
    postal_code = clean(postal.get("postalCode"))
    orgnr = clean(branch.get("organizationNumber"))
    if orgnr is not None and not re.fullmatch(r"\d{9}", orgnr.replace(" ", "")):
        orgnr = None
    resolution = gazetteer.resolve_kommune(postnummer=postal_code, name=municipality, fylke_hint=county)
    note = None
    if resolution.ok and resolution.method == "postnummer" and municipality:
        by_name = gazetteer.resolve_kommune(name=municipality, fylke_hint=county)
        if by_name.ok and by_name.kommune_nr != resolution.kommune_nr:
            note = (f"postal code {postal_code} lies in {resolution.kommune_nr}; municipality {municipality!r} "
                    f"names {by_name.kommune_nr} (the postal code wins)")
    if not resolution.ok:
        if branch_type in local_types:
            record = resolution.quarantine_record("")
            return None, (record["reason"], {"candidates": list(resolution.candidates)})
        note = f"kommune not resolved ({resolution.method}): {resolution.reason}"
    payload = allowed_payload(branch)
    row = {
        "source_id": source_id,
        "branch_id": branch_id,
        "branch_number": clean(branch.get("branchNumber")),
        "organization_number": orgnr.replace(" ", "") if orgnr else None,
        "branch_type": branch_type,
        "branch_name": name,
        "is_active": _bool(status.get("isActive")),
        "is_terminated": _bool(status.get("isTerminated")),
        "creation_date": _date(status.get("creationDate")),
        "parent_branch_id": clean(parent.get("branchId")),
        "parent_branch_number": clean(parent.get("branchNumber")),
        "parent_branch_name": clean(parent.get("branchName")),
        "parent_branch_type": clean(parent.get("branchType")),
        "organization_level": clean(_map(branch.get("branchDetails")).get("organizationLevel")),
        "municipality": municipality,
        "county": county,
        "region": clean(location.get("region")),
        "postal_code": postal_code,
        "post_office": clean(postal.get("postOffice")),
        "web_url": _web(_map(branch.get("communicationChannels")).get("web")),
        "kommune_nr": resolution.kommune_nr,
        "kommune_resolution": resolution.method,
        "kommune_confidence": f"{resolution.confidence:.2f}",
        "kommune_note": note,
        "activity_count": len(branch.get("branchActivities") or []),
        "dump_timestamp": dump_timestamp,
        "raw_payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
    }
    row["record_hash"] = hashlib.sha256(json.dumps(
        {k: v for k, v in row.items() if k not in ("source_id", "dump_timestamp")}, sort_keys=True,
        ensure_ascii=False, default=str).encode()).hexdigest()
    return row, None


# ------------------------------------------------------------------------------------ gazetteer
def gazetteer_for(source_id: str, where: str):
    """`resolve_kommune`'s reference data: the warehouse (production) or the repo's snapshots."""
    from atlas_ingest.geo import Gazetteer

    if where == "snapshots":
        return Gazetteer.from_snapshots()
    from atlas_ingest import warehouse

    with warehouse.connect() as conn:
        try:
            gaz = Gazetteer.from_warehouse(conn)
        except LookupError as exc:
            raise KommuneReferenceMissing(
                f"{source_id}: kommune resolution needs Klass 131 in the warehouse ({exc}). Run the `ssb` DAG "
                "(source ssb-klass-kommuner) and the `posten` DAG (posten-postnummer) before this one, or set "
                "parse.options.gazetteer: snapshots to use the repository's recorded Klass and Bring files.") from None
    if not gaz.postnummer:
        raise KommuneReferenceMissing(
            f"{source_id}: raw.postnummer is empty, so the postal code (resolve_kommune's first key) cannot be "
            "used. Run the `posten` DAG (posten-postnummer) first.")
    return gaz


# ------------------------------------------------------------------------------------ the parser
def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    bodies = [f for f in fetched if f.role in ("file", "data")]
    if len(bodies) != 1:
        raise ExportError(f"{m.id}: expected one getOrganizations document, got {len(bodies)}")
    body = bodies[0]
    try:
        doc = json.loads(ctx.landing.get(body.key))
    except ValueError as exc:
        raise ExportError(f"{m.id}: {body.locator} is not JSON: {exc}") from None
    gazetteer = gazetteer_for(m.id, opts.gazetteer)
    parsed = parse_export(doc, gazetteer=gazetteer, source_id=m.id, locator=body.locator,
                          local_types=tuple(opts.local_types))
    branches, activities = CsvTable(BRANCHES_LOAD), CsvTable(ACTIVITIES_LOAD)
    for row in parsed.branches:
        branches.write(row)
    for row in parsed.activities:
        activities.write(row)
    if not parsed.branches:
        raise ExportError(f"{m.id}: {body.locator} holds no loadable branch")
    tables = [ParsedTable(BRANCHES_LOAD.table, BRANCHES_LOAD.columns, None, ctx.landing.put(branches.getvalue()),
                          branches.rows),
              ParsedTable(ACTIVITIES_LOAD.table, ACTIVITIES_LOAD.columns, None,
                          ctx.landing.put(activities.getvalue()), activities.rows)]
    return ParseResult(tables=tables, quarantine=parsed.quarantine, records=parsed.records,
                       warnings=parsed.warnings)
