"""Manifest options of the DSB family (pydantic only: imported at DAG-parse time).

Parser `dsb_kommuneundersokelsen`: DSB's Kommuneundersøkelsen raw-data workbooks (fetched whole
by the generic `excel` kind, one file per survey year) → raw.observations + raw.indicator_catalog.
Which edition layout a workbook has is detected (`families/dsb/layouts.py`); the questions are
recognised by their wording, so a renumbered or reordered column still lands on its contents code.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas_ingest.manifest import register_parser


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Options):
    """A survey question tracked across editions: its label and the wordings that identify it."""

    label: str = Field(min_length=3)
    # Regular expressions (case-insensitive) matched against a header or a question text; any one
    # identifies the question. Each edition's wording must match exactly one question.
    patterns: list[str] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from None
        return value


@register_parser("dsb_kommuneundersokelsen", "atlas_ingest.families.dsb.parse:parse")
class KommuneundersokelsenOptions(_Options):
    questions: dict[str, Question] = Field(min_length=1)
    # The questions counted in the score: the core duties of forskrift om kommunal beredskapsplikt.
    core: list[str] = Field(min_length=1)
    response_code: str = "is_response"
    score_code: str = "grunnkrav_oppfylt_andel"
    table_title: str = "Kommuneundersøkelsen (DSB)"

    @model_validator(mode="after")
    def _consistent(self) -> KommuneundersokelsenOptions:
        unknown = sorted(set(self.core) - set(self.questions))
        if unknown:
            raise ValueError(f"core names questions that are not defined: {unknown}")
        clash = {self.response_code, self.score_code} & set(self.questions)
        if clash:
            raise ValueError(f"question codes clash with the response/score codes: {sorted(clash)}")
        return self
