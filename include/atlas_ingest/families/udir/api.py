"""Udir's statistikkportalen ("USS", the API behind statistikkbanken.udir.no): planner and adapter.

API (base `https://statistikkportalen.udir.no/api/rapportering`, no key; Udir's Swagger at
`…/swagger/v1/swagger.json` says it "is not meant for external use today and will change without
notice", so every shape below is checked and a surprise fails the run with the URL):

* `GET rest/v1/Rapportside/{code}[?versjon=n]` — a report's descriptor: `rappside.
  rapportElementer[].dataEndepunkt` (e.g. `rest/v1/Statistikk/GSK/GSI/1/8/data`),
  `filterVerdiEndepunkt`, `gyldigeFiltre`, `filterDefaultVerdier` (the current school year among
  them). Report versions advance when Udir republishes, so the paths are read here every run.
* `GET {…}/filterVerdier?filter=TidID(y)_EnhetID(*)` — every filter's values
  `{indeks, id, kode, navn, erBegrenset}`; `EnhetID` is a tree (`nivaa` 0–4, `forelder` and
  `barn` are *indexes* into the list, not ids): Hele landet › fylke (kode `42`) › kommune (`4203`)
  › school (kode = the school's organisasjonsnummer).
* `GET {…}/data?filter=…&radSti=…&inkluderKoder=true` — a pivot:
  `{metadata: {rowHierarchy, columns: [[{name, columnCount}]…]}, rows: [{navn, kode, id, data}]}`.
  Filters are `Name(id_id)` joined by `_` (ids from filterVerdier, `-10` = alle); `radSti` walks
  the row hierarchy (`-12.*.*.*` = Hele landet, every fylke, kommune and school).

What Atlas does with it: discover reads each report's descriptor and filterVerdier, picks the
newest `school_years` values of the report's time filter (or the run's `periods`), and skips the
run when the report versions and the school years on offer are what the last successful run
loaded. Reports whose enheter are the row hierarchy are asked once per school year (and split
value); reports where the enhet is a filter (Elevundersøkelsen) once per enhet of the tree. For
the school roster, the newest year is also asked once per owner value (offentlig / privat).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from atlas_ingest.kinds import Fetched, Plan, PlannedRequest, RunContext, store_response
from atlas_ingest.periods import PeriodError, parse_period

log = logging.getLogger("atlas_ingest.families.udir")

ALLE = -10  # Udir's id for "alle" in every filter


class UdirReportError(RuntimeError):
    """A report descriptor or filter list is not what Udir documents (the message names the URL)."""


# ------------------------------------------------------------------------------ URLs
def rapportside_url(endpoint: str, code: str) -> str:
    return f"{endpoint}/rest/v1/Rapportside/{code}"


def filter_string(parts: Sequence[tuple[str, Sequence[int | str]]]) -> str:
    """`[("TidID", [202510]), ("KjoennID", [-10])]` → `TidID(202510)_KjoennID(-10)`, in the given order."""
    return "_".join(f"{name}({'_'.join(str(v) for v in values)})" for name, values in parts)


# ------------------------------------------------------------------------------ the descriptor
@dataclass(frozen=True)
class ReportInfo:
    code: str
    name: str
    data_path: str  # e.g. rest/v1/Statistikk/GSK/GSI/1/8/data
    filter_values_path: str
    valid_filters: tuple[str, ...]
    defaults: Mapping[str, Sequence[int]]

    @property
    def base_path(self) -> str:
        return self.data_path[: -len("/data")]


def report_info(doc: Any, code: str, url: str) -> ReportInfo:
    page = doc.get("rappside") if isinstance(doc, Mapping) else None
    if not isinstance(page, Mapping):
        raise UdirReportError(f"{url}: no `rappside` object in the Rapportside answer")
    elements = page.get("rapportElementer") or []
    data_paths = [e.get("dataEndepunkt") for e in elements if isinstance(e, Mapping) and e.get("dataEndepunkt")]
    if not data_paths:
        raise UdirReportError(f"{url}: report {code} lists no rapportElementer[].dataEndepunkt")
    data_path = str(data_paths[0]).strip("/")
    if not re.fullmatch(r"rest/v\d+/Statistikk/[A-Za-z0-9/]+/data", data_path):
        raise UdirReportError(f"{url}: dataEndepunkt {data_path!r} is not a rest/v1/Statistikk/…/data path")
    filter_path = str(page.get("filterVerdiEndepunkt") or data_path[: -len("data")] + "filterVerdier").strip("/")
    if filter_path.rsplit("/", 1)[0] != data_path.rsplit("/", 1)[0]:
        raise UdirReportError(f"{url}: filterVerdiEndepunkt {filter_path!r} and dataEndepunkt {data_path!r} "
                              "point to different tables")
    defaults = page.get("filterDefaultVerdier") or {}
    return ReportInfo(code=code, name=str(page.get("navn") or code), data_path=data_path,
                      filter_values_path=filter_path,
                      valid_filters=tuple(page.get("gyldigeFiltre") or ()),
                      defaults={k: list(v) for k, v in defaults.items() if isinstance(v, list)})


# ------------------------------------------------------------------------------ filterVerdier
@dataclass(frozen=True)
class FilterValue:
    id: int
    kode: str
    navn: str


def filter_values(doc: Any, name: str, url: str) -> list[FilterValue]:
    items = doc.get(name) if isinstance(doc, Mapping) else None
    if not isinstance(items, list):
        raise UdirReportError(f"{url}: filterVerdier has no {name!r} list (it has {', '.join(doc or {})})")
    out = []
    for item in items:
        try:
            out.append(FilterValue(int(item["id"]), str(item.get("kode", item["id"])).strip(),
                                   " ".join(str(item.get("navn") or "").split())))
        except (KeyError, TypeError, ValueError):
            raise UdirReportError(f"{url}: {name} entry {item!r} has no integer id") from None
    return out


@dataclass(frozen=True)
class SchoolYear:
    id: int
    label: str  # as Udir writes it: 2025-26
    period_id: str  # canonical: 2025-2026


def school_years(doc: Any, time_filter: str, url: str) -> list[SchoolYear]:
    """The report's time filter values, newest first (by id: 202510 > 202410)."""
    years = []
    for value in filter_values(doc, time_filter, url):
        try:
            period = parse_period(value.navn, "SCHOOL_YEAR").period_id
        except PeriodError:
            raise UdirReportError(f"{url}: {time_filter} value {value.navn!r} (id {value.id}) is not a school "
                                  "year like 2025-26") from None
        years.append(SchoolYear(value.id, value.navn, period))
    return sorted(years, key=lambda y: y.id, reverse=True)


LEVEL_BY_NIVAA = {1: "land", 2: "fylke", 3: "kommune", 4: "school"}


@dataclass
class Enhet:
    index: int
    id: int
    kode: str
    navn: str
    nivaa: int
    parent: int | None
    children: list[int] = field(default_factory=list)

    @property
    def level(self) -> str | None:
        return LEVEL_BY_NIVAA.get(self.nivaa)


class EnhetTree:
    """The EnhetID tree of one report's filterVerdier; schools are keyed by orgnr (their `kode`)."""

    def __init__(self, nodes: Sequence[Enhet]):
        self.by_index = {n.index: n for n in nodes}
        self.by_id = {n.id: n for n in nodes}

    @classmethod
    def from_document(cls, doc: Any, url: str) -> EnhetTree:
        items = doc.get("EnhetID") if isinstance(doc, Mapping) else None
        if not isinstance(items, list):
            raise UdirReportError(f"{url}: filterVerdier has no EnhetID tree")
        nodes = []
        for item in items:
            try:
                nodes.append(Enhet(int(item["indeks"]), int(item["id"]), str(item.get("kode") or "").strip(),
                                   " ".join(str(item.get("navn") or "").split()), int(item.get("nivaa", -1)),
                                   None if item.get("forelder") is None else int(item["forelder"]),
                                   [int(b) for b in item.get("barn") or []]))
            except (KeyError, TypeError, ValueError):
                raise UdirReportError(f"{url}: EnhetID entry {item!r} lacks indeks/id/nivaa") from None
        return cls(nodes)

    def ancestor(self, node: Enhet, nivaa: int) -> Enhet | None:
        seen = 0
        while node is not None and node.nivaa > nivaa and seen < 10:
            node = self.by_index.get(node.parent) if node.parent is not None else None
            seen += 1
        return node if node is not None and node.nivaa == nivaa else None

    def root_kode(self, node: Enhet) -> str | None:
        top = self.ancestor(node, 1) if node.nivaa > 1 else node
        return top.kode if top is not None else None

    def nodes(self, levels: Sequence[str], roots: Sequence[str]) -> list[Enhet]:
        """Nodes of these levels under the nivaa-1 roots with these kodes (`I` = Hele landet), tree order."""
        return [n for n in sorted(self.by_index.values(), key=lambda n: n.index)
                if n.level in levels and self.root_kode(n) in roots]

    def schools(self) -> list[Enhet]:
        return [n for n in sorted(self.by_index.values(), key=lambda n: n.index) if n.nivaa == 4]


def owner_kind(label: str) -> str | None:
    """offentlig / privat from an owner filter's label (Offentlig skole, Privat eiet, Kommunal …)."""
    text = label.casefold()
    if "privat" in text or "ikke-kommunal" in text or "ikke kommunal" in text:
        return "privat"
    if "offentlig" in text or "kommunal" in text or "fylkeskommunal" in text:
        return "offentlig"
    return None


# ------------------------------------------------------------------------------ the planner
def requested_periods(ctx: RunContext) -> list[str] | None:
    periods = getattr(ctx, "periods", None) or ctx.params.get("periods")
    return [parse_period(p, "SCHOOL_YEAR").period_id for p in periods] if periods else None


def _split_combinations(split_by: Mapping[str, Sequence[int]]) -> list[list[tuple[str, list[int]]]]:
    names = list(split_by)
    return [[(n, [v]) for n, v in zip(names, combo)] for combo in itertools.product(*(split_by[n] for n in names))] \
        if names else [[]]


def plan_report(endpoint: str, report, info: ReportInfo, years: Sequence[SchoolYear], *,
                tree: EnhetTree | None = None, owners: Sequence[FilterValue] = (),
                roots: Sequence[str] = ("I",)) -> list[PlannedRequest]:
    """Every data request of one report, in a stable order (years newest first)."""
    url = f"{endpoint}/{info.data_path}"
    out: list[PlannedRequest] = []
    pinned = [(name, list(ids)) for name, ids in report.filters.items()]
    for year in years:
        for split in _split_combinations(report.split_by):
            base = [(report.time_filter, [year.id]), *pinned, *split]
            meta = {"report": report.code, "school_year": year.period_id, "year_id": year.id,
                    "split": {n: v[0] for n, v in split}}
            if report.enhet_mode == "rows":
                for path in report.row_paths:
                    out.append(PlannedRequest("GET", url, [("filter", filter_string(base)), ("radSti", path),
                                                           ("inkluderKoder", "true")], role="data",
                                              meta={**meta, "row_path": path}))
                continue
            if tree is None:
                raise UdirReportError(f"report {report.code}: filter mode needs the EnhetID tree")
            for node in tree.nodes(report.enhet_levels, roots):
                out.append(PlannedRequest(
                    "GET", url, [("filter", filter_string([*base, ("EnhetID", [node.id])])),
                                 ("radSti", report.row_paths[0]), ("inkluderKoder", "true")], role="data",
                    meta={**meta, "enhet": {"id": node.id, "kode": node.kode, "navn": node.navn,
                                            "level": node.level}}))
    if report.owner_filter and report.enhet_mode == "rows" and years:
        newest = years[0]
        for owner in owners:
            kind = owner_kind(owner.navn)
            if owner.id == ALLE or kind is None:
                continue
            parts = [(report.time_filter, [newest.id])]
            parts += [(n, [owner.id] if n == report.owner_filter else list(ids)) for n, ids in report.filters.items()]
            if report.owner_filter not in report.filters:
                parts.append((report.owner_filter, [owner.id]))
            for split in _split_combinations({n: [v[0]] for n, v in report.split_by.items()}):
                parts_split = [*parts, *split]
                for path in report.row_paths:
                    out.append(PlannedRequest(
                        "GET", url, [("filter", filter_string(parts_split)), ("radSti", path),
                                     ("inkluderKoder", "true")], role="owner",
                        meta={"report": report.code, "school_year": newest.period_id, "year_id": newest.id,
                              "owner": kind, "owner_label": owner.navn, "row_path": path}))
    return out


# ------------------------------------------------------------------------------ the adapter
class UdirApiAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        m = ctx.manifest
        opts = m.fetch_options()
        endpoint = m.fetch.endpoint
        wanted = requested_periods(ctx)
        fetched: list[Fetched] = []
        requests: list[PlannedRequest] = []
        version_parts: list[str] = []
        notes: dict[str, Any] = {"reports": {}}
        for report in opts.reports:
            params = [("versjon", str(report.version))] if report.version else []
            resp = ctx.client.get(rapportside_url(endpoint, report.code), params=params)
            url = resp.request.full_url
            info = report_info(resp.json(), report.code, url)
            fetched.append(store_response(ctx.landing, resp, "report", {"report": report.code, "name": info.name}))
            asked = set(report.filters) | set(report.split_by) | {report.time_filter}
            asked |= {report.owner_filter} if report.owner_filter else set()
            unknown = sorted(f for f in asked if info.valid_filters and f not in info.valid_filters)
            if unknown:
                raise UdirReportError(f"{m.id}: report {report.code} ({url}) does not take filter(s) {unknown}; "
                                      f"it takes {', '.join(info.valid_filters)}")
            default_year = (info.defaults.get(report.time_filter) or [None])[0]
            if default_year is None:
                raise UdirReportError(f"{m.id}: report {report.code} ({url}) names no default {report.time_filter}")
            fv = ctx.client.get(f"{endpoint}/{info.filter_values_path}",
                                params=[("filter", filter_string([(report.time_filter, [default_year]),
                                                                  ("EnhetID", ["*"])]))])
            fv_url = fv.request.full_url
            doc = fv.json()
            fetched.append(store_response(ctx.landing, fv, "filters", {"report": report.code}))
            years = school_years(doc, report.time_filter, fv_url)
            if not years:
                raise UdirReportError(f"{m.id}: {fv_url} offers no {report.time_filter} values")
            if wanted:
                chosen = [y for y in years if y.period_id in wanted]
                missing = sorted(set(wanted) - {y.period_id for y in chosen})
                if missing:
                    log.warning("%s: report %s does not publish school year(s) %s", m.id, report.code,
                                ", ".join(missing))
            else:
                chosen = years[: opts.school_years]
            tree = EnhetTree.from_document(doc, fv_url) if report.enhet_mode == "filter" or report.owner_filter else None
            owners = filter_values(doc, report.owner_filter, fv_url) if report.owner_filter else []
            requests += plan_report(endpoint, report, info, chosen, tree=tree, owners=owners)
            digest = hashlib.sha256(fv.body).hexdigest()[:12]
            version_parts.append(f"{report.code}@{info.base_path}:{','.join(str(y.id) for y in chosen)}:{digest}")
            notes["reports"][report.code] = {"base_path": info.base_path, "school_years": [y.period_id for y in chosen]}
        version = "; ".join(version_parts)
        previous = (ctx.last_success or {}).get("upstream_version")
        skip = None
        if not requests:
            skip = f"Udir publishes none of the school years asked for ({', '.join(wanted or [])})"
        elif previous == version and not wanted:
            skip = f"Udir's reports, their versions and school years are unchanged since the last load ({version})"
        notes["requests"] = len(requests)
        return Plan(requests, skip_reason=skip, upstream_version=version, fetched=fetched, notes=notes)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        out = []
        for i, req in enumerate(plan.requests, 1):
            response = ctx.client.request(req.method, req.url, params=req.params or None)
            out.append(store_response(ctx.landing, response, req.role, {**req.meta, "piece": i,
                                                                          "of": len(plan.requests)}))
            if i % 100 == 0:
                log.info("%s: fetched %d of %d Udir pivots", ctx.manifest.id, i, len(plan.requests))
        return out


def body_json(ctx: RunContext, f: Fetched) -> Any:
    try:
        return json.loads(ctx.landing.get(f.key))
    except ValueError as exc:
        raise UdirReportError(f"{ctx.manifest.id}: {f.locator} is not JSON: {exc}") from None
