"""Manifest options for Husbanken's statistikkbank (`fetch.kind: qlik`, `parse.parser: qlik_hypercube`).

Imported at DAG-parse time through `manifest._register_kinds()`: pydantic only, no network.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.manifest import register_fetch_kind, register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_page(dimensions: list[str], measures: dict[str, str], page_rows: int, max_page_cells: int,
                what: str) -> None:
    width = len(dimensions) + len(measures)
    if width * page_rows > max_page_cells:
        raise ValueError(f"{what}: page_rows {page_rows} × {width} columns exceeds Qlik's {max_page_cells} "
                         "cells per page")


class QlikCube(_Options):
    """A further hypercube of the same app (same session, same parser): its own dimensions and
    measures. `unconfirmed` lists, per field or measure label, the names a live recording must
    choose between when the app's field names have not been seen (documentation; the first cube's
    names are confirmed)."""

    title: str
    dimensions: list[str] = Field(min_length=2)
    measures: dict[str, str] = Field(min_length=1)
    unconfirmed: dict[str, list[str]] = Field(default_factory=dict)


@register_fetch_kind("qlik", "atlas_ingest.families.husbanken.qlik:QlikHypercubeAdapter")
class QlikFetchOptions(_Options):
    """Hypercubes of a public Qlik Sense app, asked through the Engine API (JSON-RPC over a
    WebSocket) and read in pages: the first (`dimensions`, `measures`, named `cube`) and any
    further ones in `cubes`, all in one session."""

    host: str = Field(pattern=r"^[a-z0-9.-]+$")
    virtual_proxy: str = Field(default="", pattern=r"^(/[a-z0-9_-]+)?$")
    app_id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    # the cube's dimensions, by field name, in order (region first, then year)
    dimensions: list[str] = Field(min_length=2)
    # measure label → Qlik expression; the label comes back as the measure's title (`qLabel`)
    measures: dict[str, str] = Field(min_length=1)
    page_rows: int = Field(default=1000, gt=0)
    # Qlik refuses pages above 10,000 cells
    max_page_cells: int = Field(default=10_000, gt=0)
    # the first cube's name (what `Fetched.meta["cube"]` says) and its title in the indicator catalog
    cube: str = Field(default="bostotte", pattern=r"^[a-z0-9_]+$")
    title: str = "Husbanken statistikkbank: bostøtte"
    # further cubes of the same app, by name
    cubes: dict[str, QlikCube] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _page_fits(self) -> QlikFetchOptions:
        _check_page(self.dimensions, self.measures, self.page_rows, self.max_page_cells, self.cube)
        labels = set(self.measures)
        for name, cube in self.cubes.items():
            if name == self.cube or not re.fullmatch(r"[a-z0-9_]+", name):
                raise ValueError(f"cube name {name!r} must be [a-z0-9_]+ and differ from the first cube {self.cube!r}")
            _check_page(cube.dimensions, cube.measures, self.page_rows, self.max_page_cells, name)
            clash = labels & set(cube.measures)
            if clash:
                raise ValueError(f"cube {name}: measure labels {sorted(clash)} are already used by another cube "
                                 "(each label is one contents_code)")
            labels |= set(cube.measures)
        return self

    def all_cubes(self) -> dict[str, tuple[list[str], dict[str, str], str]]:
        """cube name → (dimensions, measures, title), the first cube first."""
        out = {self.cube: (list(self.dimensions), dict(self.measures), self.title)}
        for name, cube in self.cubes.items():
            out[name] = (list(cube.dimensions), dict(cube.measures), cube.title)
        return out

    @property
    def engine_url(self) -> str:
        return f"wss://{self.host}{self.virtual_proxy}/app/{self.app_id}"

    @property
    def app_url(self) -> str:
        # the REST metadata is served without the virtual proxy prefix (as observed live, 2026)
        return f"https://{self.host}/api/v1/apps/{self.app_id}"


class BydelCode(_Options):
    bydel: str | None = Field(default=None, pattern=r"^\d{6}$")  # the Klass 103 code, None = no current bydel
    name: str
    note: str | None = None


class MeasureEdition(_Options):
    """The methodology edition a measure's numbers follow, kept on every row as
    `dimensions.<key>` so numbers of different editions never look like one series.

    The edition comes from the cube's `dimension` when the app carries one (a value outside
    `editions` fails the parse), else from `by_year` (the edition in force from that year on)."""

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    dimension: str | None = None
    by_year: dict[int, str] = Field(default_factory=dict)
    editions: dict[str, str] = Field(min_length=1)  # edition id → its definition

    @model_validator(mode="after")
    def _known(self) -> MeasureEdition:
        if self.dimension is None and not self.by_year:
            raise ValueError(f"{self.key}: name the cube's edition `dimension` or pin editions `by_year`")
        unknown = sorted(set(self.by_year.values()) - set(self.editions))
        if unknown:
            raise ValueError(f"{self.key}: by_year names editions {unknown} that `editions` does not define")
        return self

    def for_year(self, year: int) -> str | None:
        starts = [start for start in sorted(self.by_year) if start <= year]
        return self.by_year[starts[-1]] if starts else None


@register_parser("qlik_hypercube", "atlas_ingest.families.husbanken.parse:parse")
class QlikHypercubeParseOptions(_Options):
    region_dimension: str
    year_dimension: str
    # optional: a name dimension; when present every mapped bydel pseudo-code's name is checked
    name_dimension: str | None = None
    first_year: int = Field(default=2020, ge=1990, le=2100)
    # the app's own 4-digit codes for bydeler (Husbanken: Oslo 0311–0326) → Klass 103 codes
    bydel_codes: dict[str, BydelCode] = Field(default_factory=dict)
    # codes that are no region Atlas can place: quarantined with the reason
    not_regions: dict[str, str] = Field(default_factory=dict)
    # measure label → the methodology edition pinned on its rows (Husbanken's "vanskeligstilte")
    measure_editions: dict[str, MeasureEdition] = Field(default_factory=dict)

    @field_validator("bydel_codes", "not_regions")
    @classmethod
    def _four_digit_keys(cls, value: dict) -> dict:
        bad = [k for k in value if not re.fullmatch(r"\d{4}", k)]
        if bad:
            raise ValueError(f"keys must be the app's 4-digit codes: {bad}")
        return value
