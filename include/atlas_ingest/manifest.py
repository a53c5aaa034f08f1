"""The `manifest.yml` of every source: what to fetch, how to parse it, where it lands.

Manifests are read at DAG-parse time, so this module imports only pydantic and PyYAML and reads
local files. Validation is strict: an unknown key, a bad enum value or a duplicate id is an error
that names the file and the field, because a typo in a manifest must never become a silently
skipped source.

Fetch and parse kinds carry kind-specific options. Each kind registers an options model in
`FETCH_OPTIONS` / `PARSE_OPTIONS` (see `families/`), so the generic manifest stays small and a
new kind brings its own strict schema.
"""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from atlas_ingest.settings import sources_dir


class Provider(StrEnum):
    ssb = "ssb"
    fhi = "fhi"
    nav = "nav"
    udir = "udir"
    imdi = "imdi"
    bufdir = "bufdir"
    husbanken = "husbanken"
    helsedirektoratet = "helsedirektoratet"
    dsb = "dsb"
    brreg = "brreg"
    lottstift = "lottstift"
    redcross = "redcross"
    folkehjelp = "folkehjelp"
    posten = "posten"  # Posten/Bring: the postnummer register


class EuTheme(StrEnum):
    """The EU Publications Office data-theme vocabulary (DCAT-AP `dcat:theme`)."""

    AGRI = "AGRI"
    ECON = "ECON"
    EDUC = "EDUC"
    ENER = "ENER"
    ENVI = "ENVI"
    GOVE = "GOVE"
    HEAL = "HEAL"
    INTR = "INTR"
    JUST = "JUST"
    REGI = "REGI"
    SOCI = "SOCI"
    TECH = "TECH"
    TRAN = "TRAN"


class Cadence(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    annual = "annual"
    irregular = "irregular"


# How old the last successful load may get before a source counts as stale. Annual tables are
# re-checked monthly, so their budget is a year plus a release window, not a month.
FRESHNESS_BUDGET: dict[Cadence, timedelta] = {
    Cadence.daily: timedelta(days=2),
    Cadence.weekly: timedelta(days=9),
    Cadence.monthly: timedelta(days=40),
    Cadence.quarterly: timedelta(days=100),
    Cadence.annual: timedelta(days=400),
    Cadence.irregular: timedelta(days=400),
}


class PeriodGrain(StrEnum):
    P1Y = "P1Y"  # calendar year: 2024
    P1M = "P1M"  # month: 2024M03
    P3M = "P3M"  # quarter: 2024K1
    P2Y = "P2Y"  # rolling two-year: 2022-2023
    P3Y = "P3Y"  # rolling three-year: 2019-2021
    P5Y = "P5Y"  # rolling five-year
    SCHOOL_YEAR = "SCHOOL_YEAR"  # 2023-2024 (August to July)
    POINT = "POINT"  # a point in time: 2024-01-01


class GeoLevel(StrEnum):
    land = "land"
    fylke = "fylke"
    kommune = "kommune"
    bydel = "bydel"
    school = "school"
    chapter = "chapter"
    organisation = "organisation"
    postnummer = "postnummer"


class PresentationPolicy(StrEnum):
    default = "default"
    sensitive = "sensitive"


class FetchKind(StrEnum):
    pxweb_v2 = "pxweb_v2"
    klass = "klass"
    fhi_api = "fhi_api"
    json_api = "json_api"
    excel = "excel"
    csv = "csv"
    html = "html"
    sitemap_scrape = "sitemap_scrape"
    static_dump = "static_dump"
    qlik = "qlik"
    nav_xlsx = "nav_xlsx"  # NAV's statistics pages: one xlsx report per year, found by its report code
    bufdir_zip = "bufdir_zip"  # Bufdir's monitor pages: one ZIP of xlsx workbooks per edition
    udir_api = "udir_api"  # Udir's statistikkportalen (rapportering rest/v1): report pivots


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class FetchSpec(_Strict):
    kind: FetchKind
    endpoint: str = Field(description="Base URL of the upstream API or file")
    # Airflow connection id holding credentials (never the credentials themselves).
    auth_conn_id: str | None = None
    # Pool the fetch task runs in, so one upstream is paced across tasks and processes.
    pool: str | None = None
    # The fetch task's execution timeout when the default (STEP_TIMEOUTS["fetch"]) is too short:
    # a paced source of thousands of requests (Udir's per-school reports) needs hours, not minutes.
    timeout_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"endpoint must be an http(s) URL, got {value!r}")
        return value.rstrip("/")


class ParseSpec(_Strict):
    parser: str = Field(description="A registered parser name, e.g. `jsonstat2`")
    options: dict[str, Any] = Field(default_factory=dict)


class MicrodataMeasure(_Strict):
    dataType: str = Field(pattern="^(STRING|LONG|DOUBLE|DATE)$")
    valueDomain: dict[str, Any]


class MicrodataBreakdown(_Strict):
    """One published breakdown: the rows whose `dimensions` match, with `sum_over` summed away
    (additive measures only). microdata allows one measure per dataset, so each breakdown of
    each contents code is its own dataset, named `<source>_<code>_<name>`."""

    name: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    label: str = Field(min_length=1)
    dimensions: dict[str, str] = Field(default_factory=dict)
    sum_over: list[str] = Field(default_factory=list)
    contents_codes: list[str] | None = None


class MicrodataSpec(_Strict):
    """What the microdata.no export needs that the data itself cannot tell."""

    temporalityType: str = Field(pattern="^(FIXED|STATUS|ACCUMULATED|EVENT)$")
    sensitivityLevel: str = Field(pattern="^(PERSON_GENERAL|PERSON_SPECIAL|PUBLIC|NONPUBLIC)$")
    unitType: str = "KOMMUNE"
    populationDescription: str | None = None
    spatialCoverageDescription: str = "Norge"
    measure: MicrodataMeasure
    # The breakdowns exported (`atlas export microdata`). Empty: a source without breakdowns
    # exports each contents code once; a source with breakdowns exports nothing until listed.
    published: list[MicrodataBreakdown] = Field(default_factory=list)
    # Coded measures (measures kind `code`): contents code -> {code: label}, exported as an
    # enumerated value domain with the suppression markers as sentinelAndMissingValues.
    code_lists: dict[str, dict[str, str]] = Field(default_factory=dict)


class MeasureKind(StrEnum):
    count = "count"  # persons, cases, organisations: additive
    amount = "amount"  # money totals: additive
    share = "share"  # per cent of a population
    rate = "rate"  # per 1 000, per person, per month …
    mean = "mean"
    median = "median"
    index = "index"
    code = "code"  # a coded answer (1 = yes), never aggregated

    @property
    def additive(self) -> bool:
        return self in (MeasureKind.count, MeasureKind.amount)


class AnnualRule(StrEnum):
    last = "last"  # stocks: the year's last period (December, K4)
    sum = "sum"  # flows: all periods of the year
    mean = "mean"


class MeasureSpec(_Strict):
    kind: MeasureKind
    annual: AnnualRule

    @model_validator(mode="after")
    def _sum_needs_additive(self) -> MeasureSpec:
        if self.annual is AnnualRule.sum and not self.kind.additive:
            raise ValueError(f"annual: sum needs an additive kind (count, amount), not {self.kind.value}")
        return self


class Measures(_Strict):
    """What each contents code measures: decides what may be summed (merged kommuner, months)."""

    default: MeasureSpec
    by_code: dict[str, MeasureSpec] = Field(default_factory=dict)

    def for_code(self, code: str) -> MeasureSpec:
        return self.by_code.get(code, self.default)


class IntervalPeriods(_Strict):
    """Which periods a data interval stands for (backfills, and scheduled runs of sources with
    `schedule_periods: interval`).

    `overlap` (the default): every period the interval overlaps — an annual table checked monthly
    loads the year. `ended`: the periods whose last day falls inside the interval, `lag_months`
    earlier — for sources published per period some time after it ends (NAV): a run scheduled on
    the 20th of each month covers the month that ended during its interval, and a quarterly
    source published about two months after the quarter uses `lag_months: 2`."""

    rule: Literal["overlap", "ended"] = "overlap"
    lag_months: int = Field(default=0, ge=0, le=24)


OBSERVATIONS_TABLE = "raw.observations"


def _validate_nested(model: type[BaseModel], data: dict[str, Any], where: str) -> None:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"`{where}.{'.'.join(str(p) for p in e['loc'])}`: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(problems) from None


class Manifest(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
    provider: Provider
    family: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=3)
    description: str = Field(min_length=10)
    eu_theme: EuTheme
    licence: str
    cadence: Cadence
    period_grain: PeriodGrain
    geo_level: list[GeoLevel] = Field(min_length=1)
    presentation_policy: PresentationPolicy = PresentationPolicy.default
    methodology_version: str
    methodology_note: str | None = None
    fetch: FetchSpec
    parse: ParseSpec
    raw_table: str = Field(pattern=r"^raw\.[a-z_]+$")
    min_rows: int = Field(ge=0)
    # Share of parsed records allowed to land in raw.quarantine before the run fails.
    quarantine_max_share: float = Field(default=0.02, ge=0, le=1)
    suppression_markers: dict[str, str] = Field(default_factory=dict)
    # Cron expression overriding the cadence's default schedule for this source's family.
    schedule: str | None = None
    # Which periods a scheduled run fetches: `latest` (the manifest's own selection, e.g. SSB's
    # top(n), skipped when upstream has not changed) or `interval` (the periods of the run's data
    # interval, for sources published per period on a known release day). Backfills always use
    # the data interval; a manual run may name `periods` in its params.
    schedule_periods: Literal["latest", "interval"] = "latest"
    interval_periods: IntervalPeriods = Field(default_factory=IntervalPeriods)
    # Reference data other sources of the family are checked against (Klass 131): its task group
    # runs first in the family DAG, and the others start when it is done (whatever its outcome).
    reference: bool = False
    microdata: MicrodataSpec | None = None
    measures: Measures | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("geo_level", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _kind_options(self) -> Manifest:
        _register_kinds()
        fetch_model = FETCH_OPTIONS.get(self.fetch.kind.value)
        if fetch_model is None:
            raise ValueError(f"fetch.kind {self.fetch.kind.value!r} has no implementation registered yet")
        _validate_nested(fetch_model, self.fetch.options, "fetch.options")
        parse_model = PARSE_OPTIONS.get(self.parse.parser)
        if parse_model is None:
            raise ValueError(
                f"parse.parser {self.parse.parser!r} is not registered "
                f"(known: {', '.join(sorted(PARSE_OPTIONS))})"
            )
        _validate_nested(parse_model, self.parse.options, "parse.options")
        if self.raw_table == OBSERVATIONS_TABLE and self.microdata is None:
            raise ValueError("microdata: required for a source publishing into raw.observations")
        if self.raw_table == OBSERVATIONS_TABLE and self.measures is None:
            raise ValueError("measures: required for a source publishing into raw.observations "
                             "(kind and annual rule of each contents code)")
        return self

    # ---- derived, cheap, used by the DAG factory and the marts ----
    @property
    def task_group_id(self) -> str:
        return self.id

    @property
    def freshness_budget(self) -> timedelta:
        return FRESHNESS_BUDGET[self.cadence]

    def fetch_options(self) -> BaseModel:
        return FETCH_OPTIONS[self.fetch.kind.value].model_validate(self.fetch.options)

    def parse_options(self) -> BaseModel:
        return PARSE_OPTIONS[self.parse.parser].model_validate(self.parse.options)

    @property
    def folder(self) -> Path:
        return sources_dir() / self.id

    @property
    def snapshot_dir(self) -> Path:
        return self.folder / "snapshots"

    def readme(self) -> str:
        path = self.folder / "README.md"
        return path.read_text(encoding="utf-8") if path.exists() else f"# {self.id}\n\n{self.description}"


# Kind-specific option models and the code that implements each kind, registered by the
# `options` modules (pydantic only, cheap) so that validation never depends on import order and a
# new kind is added in its own folder. Implementations are "module:attribute" strings, imported
# only when a task runs.
FETCH_OPTIONS: dict[str, type[BaseModel]] = {}
PARSE_OPTIONS: dict[str, type[BaseModel]] = {}
FETCH_ADAPTERS: dict[str, str] = {}
PARSERS: dict[str, str] = {}


def register_fetch_kind(kind: str, adapter: str):
    """Decorate the options model of a fetch kind; `adapter` is "module:Class"."""

    def wrap(model: type[BaseModel]) -> type[BaseModel]:
        _refuse_second_owner(FETCH_ADAPTERS, "fetch kind", kind, adapter)
        FETCH_OPTIONS[kind] = model
        FETCH_ADAPTERS[kind] = adapter
        return model

    return wrap


def register_parser(name: str, parser: str):
    """Decorate the options model of a parser; `parser` is "module:function"."""

    def wrap(model: type[BaseModel]) -> type[BaseModel]:
        _refuse_second_owner(PARSERS, "parser", name, parser)
        PARSE_OPTIONS[name] = model
        PARSERS[name] = parser
        return model

    return wrap


def _refuse_second_owner(registry: dict[str, str], what: str, name: str, implementation: str) -> None:
    # Two families registering one name would silently swap each other's implementation,
    # depending on import order; re-registering the same implementation (a reload) is fine.
    if registry.get(name, implementation) != implementation:
        raise ValueError(f"{what} {name!r} is registered twice: {registry[name]} and {implementation}; "
                         "give one of them another name")


class ManifestError(ValueError):
    """A manifest that does not validate; the message names the file and the field."""


def _format_validation_error(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: invalid manifest"]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  - field `{where}`: {e['msg']}")
    return "\n".join(lines)


def parse_manifest(path: Path) -> Manifest:
    _register_kinds()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a mapping at the top level")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(_format_validation_error(path, exc)) from None
    if manifest.id != path.parent.name:
        raise ManifestError(
            f"{path}: field `id` is {manifest.id!r} but the folder is {path.parent.name!r}; "
            "they must match"
        )
    return manifest


def load_manifests(root: Path | None = None) -> list[Manifest]:
    """Every manifest under `root`, sorted by id (task order in the UI is sorted too)."""
    return list(_load_all(str(root or sources_dir())))


@lru_cache(maxsize=8)
def _load_all(root: str) -> tuple[Manifest, ...]:
    seen: dict[str, Path] = {}
    manifests = []
    for path in sorted(Path(root).glob("*/manifest.yml")):
        manifest = parse_manifest(path)
        if manifest.id in seen:
            raise ManifestError(f"{path}: field `id` {manifest.id!r} duplicates {seen[manifest.id]}")
        seen[manifest.id] = path
        manifests.append(manifest)
    return tuple(sorted(manifests, key=lambda m: m.id))


def get_manifest(source_id: str, root: Path | None = None) -> Manifest:
    for manifest in load_manifests(root):
        if manifest.id == source_id:
            return manifest
    raise KeyError(f"no source {source_id!r} under {root or sources_dir()}")


def manifests_for_family(family: str, root: Path | None = None) -> list[Manifest]:
    return [m for m in load_manifests(root) if m.family == family]


_KINDS_REGISTERED = False


def _register_kinds() -> None:
    """Import every `options` module (pydantic only, cheap): generic formats and each family."""
    global _KINDS_REGISTERED
    if _KINDS_REGISTERED:
        return
    import importlib
    import pkgutil

    import atlas_ingest.families as families

    importlib.import_module("atlas_ingest.formats.options")
    for info in sorted(pkgutil.iter_modules(families.__path__), key=lambda i: i.name):
        if info.ispkg and importlib.util.find_spec(f"atlas_ingest.families.{info.name}.options"):
            importlib.import_module(f"atlas_ingest.families.{info.name}.options")
    _KINDS_REGISTERED = True
