"""Manifest options for Udir's statistikkportalen (`fetch.kind: udir_api`, `parse.parser: udir_pivot`).

Imported at DAG-parse time through `manifest._register_kinds()`: pydantic only, no network.

A source reads one or more of Udir's *reports* (a `Rapportside` code such as `GSK_Elev_Skol`).
Each report answers pivot tables; how a report is asked (`UdirReport`) is a fetch option, how its
pivot is read (`UdirReportLayout`) a parse option, both keyed by the report code.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.manifest import register_fetch_kind, register_parser

FILTER_NAME = re.compile(r"^[A-Za-z]+$")
REPORT_CODE = re.compile(r"^[A-Za-z0-9_]+$")
CONTENTS_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_filters(value: dict[str, list[int]], what: str) -> dict[str, list[int]]:
    for name, ids in value.items():
        if not FILTER_NAME.match(name):
            raise ValueError(f"{what}: {name!r} is not a Udir filter name (letters only, e.g. KjoennID)")
        if not ids:
            raise ValueError(f"{what}.{name}: give at least one id (-10 is Udir's 'alle')")
    return value


class UdirReport(_Options):
    """One report: which filters to pin and how its enheter (units) are reached."""

    code: str = Field(pattern=REPORT_CODE.pattern, description="Rapportside code, e.g. GSK_Elev_Skol")
    # `?versjon=n` on the Rapportside request; None asks for Udir's current version.
    version: int | None = Field(default=None, ge=1)
    # The filter carrying the school year (TidID in most reports, SkoleAarID in some).
    time_filter: str = Field(default="TidID", pattern=FILTER_NAME.pattern)
    # Filters pinned to these ids (Udir's internal ids from filterVerdier; -10 = alle).
    filters: dict[str, list[int]] = Field(default_factory=dict)
    # One request per id of these filters (a grade, a test): the captured answers hold one
    # value of each per request, so several values are never mixed into one pivot.
    split_by: dict[str, list[int]] = Field(default_factory=dict)
    # `rows`: the enheter are the pivot's row hierarchy (Nasjonalt.Fylke.Kommune.Enhet), asked
    # with `radSti`; `filter`: the enhet is a filter (Elevundersøkelsen), one request per enhet.
    enhet_mode: Literal["rows", "filter"] = "rows"
    row_paths: list[str] = Field(default_factory=lambda: ["-12.*.*.*"])
    # filter mode: the levels of the EnhetID tree asked one by one.
    enhet_levels: list[Literal["land", "fylke", "kommune", "school"]] = Field(
        default_factory=lambda: ["land", "fylke", "kommune", "school"])
    # For the roster: the filter whose values say who owns a school (offentlig / privat). The
    # latest school year is asked once per owner value found in filterVerdier, schools only.
    owner_filter: str | None = Field(default=None, pattern=FILTER_NAME.pattern)

    @field_validator("filters", "split_by")
    @classmethod
    def _filters(cls, value: dict[str, list[int]], info) -> dict[str, list[int]]:
        return _check_filters(value, info.field_name)

    @field_validator("row_paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not re.fullmatch(r"(\*|-?\d+)(\.(\*|-?\d+))*", path):
                raise ValueError(f"row_paths: {path!r} is not a radSti (e.g. -12.*.*.*)")
        return value

    @model_validator(mode="after")
    def _no_overlap(self) -> UdirReport:
        both = set(self.filters) & set(self.split_by)
        if both:
            raise ValueError(f"{self.code}: {sorted(both)} both pinned (filters) and split (split_by)")
        if self.time_filter in self.filters or self.time_filter in self.split_by:
            raise ValueError(f"{self.code}: {self.time_filter} is planned from filterVerdier; do not pin it")
        if self.enhet_mode == "filter" and "EnhetID" in self.filters:
            raise ValueError(f"{self.code}: EnhetID is planned from the enhet tree in filter mode")
        return self


@register_fetch_kind("udir_api", "atlas_ingest.families.udir.api:UdirApiAdapter")
class UdirApiOptions(_Options):
    reports: list[UdirReport] = Field(min_length=1)
    # How many of the newest school years (the report's time filter values) a run loads.
    school_years: int = Field(default=2, ge=1, le=20)

    @field_validator("reports")
    @classmethod
    def _unique(cls, value: list[UdirReport]) -> list[UdirReport]:
        codes = [r.code for r in value]
        if len(set(codes)) != len(codes):
            raise ValueError(f"reports: a code is listed twice: {codes}")
        return value


class UdirReportLayout(_Options):
    """How one report's pivot is read.

    The column header is a stack of levels: the first is the school year, the last the measure;
    `breakdown_levels` names the levels just before the measure (trinn, kjønn, eierform …). In
    `rows` mode nothing else may sit between; in `filter` mode the levels between the year and
    the breakdowns are the enhet's path (Hele landet › Agder › Arendal › …) and are not stored.
    """

    breakdown_levels: list[str] = Field(default_factory=list)
    # Each measure column's label → contents code. A label not listed fails the parse (a renamed
    # column must never load under the wrong code).
    measures: dict[str, str] = Field(min_length=1)
    # `regions`: each row is a fylke, kommune or school; `indicators`: each row is an indicator
    # or survey question (Elevundersøkelsen), kept in `dimensions[indicator_dimension]`.
    rows: Literal["regions", "indicators"] = "regions"
    indicator_dimension: str = "sporsmal"
    # What kind of school the report's enheter are (dim_school.school_type).
    school_type: Literal["grunnskole", "videregaende"]

    @field_validator("measures")
    @classmethod
    def _codes(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [c for c in value.values() if not CONTENTS_CODE.match(c)]
        if bad:
            raise ValueError(f"measures: contents codes must be UPPER_SNAKE: {bad}")
        return {" ".join(k.split()): v for k, v in value.items()}


@register_parser("udir_pivot", "atlas_ingest.families.udir.parse:parse")
class UdirPivotOptions(_Options):
    reports: dict[str, UdirReportLayout] = Field(min_length=1)
    # Codes (or 2-digit prefixes) Udir places like kommuner that are none in Klass 131: their rows
    # and the schools under them are quarantined with the reason given here.
    not_kommuner: dict[str, str] = Field(default_factory=lambda: {
        "21": "Svalbard is not a kommune in Klass 131 (Udir lists its schools under Troms as 21xx)",
        "25": "Utlandet: Norwegian schools abroad belong to no kommune",
    })
    # Row labels Udir uses for Norway as a whole (region code 0).
    land_labels: list[str] = Field(default_factory=lambda: ["Hele landet", "Nasjonalt"])
    table_id: str | None = None

    @field_validator("not_kommuner")
    @classmethod
    def _prefixes(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not re.fullmatch(r"\d{2}|\d{4}", k)]
        if bad:
            raise ValueError(f"not_kommuner: keys are 2-digit prefixes or 4-digit codes: {bad}")
        return value
