"""The edition layouts of DSB's Kommuneundersøkelsen raw-data workbooks: one reader per layout,
chosen by detecting which one a workbook has. An unknown layout is a clear failure naming the file,
its sheets and first rows — never a best guess.

Every reader turns a workbook into `Response`s (one per kommune row): the kommune number as
published, whether the kommune answered the survey, and its answers keyed by the manifest's
question codes (1 = yes, 0 = no, NULL with `..` = did not answer the question or "vet ikke").
A kommune that did not answer the survey has no answers at all, so "did not answer" can never
read as a low score.

Layouts:
* `labelled` — one sheet (its name carries the survey year), a title block, then a header row
  with `Kommunenr`, `Kommune`, `Fylke`, `Besvart` (Ja/Nei: did the kommune answer) and one column
  per question headed by the question text; answers as text (Ja / Nei / Vet ikke / empty). Every
  kommune is listed, respondents or not. Kommunenr may be a number (leading zero lost: 301).
* `surveyxact` — a SurveyXact export: sheet `Dataset` (`respondentid`, `knr`, `kommune`, one
  column per variable `s_<n>`, numeric answer codes) and sheet `Labels` (`Variabel`, `Spørsmål`,
  `Verdier` = "1=Ja;2=Nei;8=Vet ikke"). Only respondents are listed; the variable numbers change
  between editions, so questions are matched by their wording in `Labels`, and answer codes by
  their value labels.

A new layout: add a reader class here and to `LAYOUTS`; the detection keeps the others working.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MISSING = ".."
ANSWER_VALUES = {"ja": 1, "nei": 0}
NO_ANSWER = {"", "vet ikke", "vet ikkje", "ikke besvart", "ubesvart"}


class LayoutError(ValueError):
    """A workbook no reader recognises, or one that more than one reader claims."""


@dataclass
class Response:
    kommune_nr: str
    is_response: bool
    locator: str
    answers: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)


@dataclass
class Reading:
    layout: str
    responses: list[Response]
    quarantine: list[dict[str, Any]]
    warnings: list[str]
    questions_found: dict[str, str]  # code -> the edition's own wording


def _text(value: Any) -> str:
    return re.sub(r"\s+", " ", "" if value is None else str(value)).strip()


def match_question(text: str, questions: Mapping[str, Any]) -> list[str]:
    """The question codes whose patterns match `text` (case-insensitive)."""
    return [code for code, q in questions.items() if any(re.search(p, text, re.I) for p in q.patterns)]


def kommune_number(value: Any) -> str | None:
    """`301`, `"0301"`, `301.0` → `"0301"`; anything else None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _text(value)
    if re.fullmatch(r"\d{3,4}", text):
        return text.zfill(4)
    return None


def answer_of(text: Any) -> tuple[int | None, str | None] | None:
    """Text answer → (value, status); None when the answer is not one the survey offers."""
    key = _text(text).lower()
    if key in ANSWER_VALUES:
        return ANSWER_VALUES[key], None
    if key in NO_ANSWER:
        return None, MISSING
    return None


def rows_of(ws) -> list[tuple]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def sheet_summary(wb) -> str:
    parts = []
    for ws in wb.worksheets[:5]:
        first = [[_text(c) for c in row if _text(c)][:6] for row in rows_of(ws)[:3]]
        parts.append(f"{ws.title!r}: {first}")
    return "; ".join(parts)


def _dupe(response_by_kommune: dict[str, Response], response: Response, quarantine: list[dict]) -> bool:
    if response.kommune_nr in response_by_kommune:
        quarantine.append({"locator": response.locator,
                           "reason": f"kommune {response.kommune_nr} is listed twice in the workbook (first at "
                                     f"{response_by_kommune[response.kommune_nr].locator}); the first row is kept",
                           "payload": {"kommune_nr": response.kommune_nr}})
        return True
    return False


# ------------------------------------------------------------------------------------ labelled
class LabelledLayout:
    name = "labelled"
    HEADER = ("kommunenr", "besvart")
    META = {"kommunenr", "kommune", "kommunenavn", "fylke", "fylkesnavn", "besvart"}

    def _find_header(self, wb) -> tuple[Any, int, list[str]] | None:
        for ws in wb.worksheets:
            for n, row in enumerate(rows_of(ws)[:10]):
                cells = [_text(c).lower() for c in row]
                if all(h in cells for h in self.HEADER):
                    return ws, n, [_text(c) for c in row]
        return None

    def matches(self, wb) -> bool:
        return self._find_header(wb) is not None

    def read(self, wb, questions: Mapping[str, Any], *, year: str, where: str) -> Reading:
        ws, header_row, header = self._find_header(wb)
        stated = re.findall(r"\b(20\d\d)\b", ws.title + " " + " ".join(_text(c) for r in rows_of(ws)[:header_row]
                                                                        for c in r))
        if stated and year not in stated:
            raise LayoutError(f"{where}: the workbook says it is the {'/'.join(sorted(set(stated)))} edition, but the "
                              f"manifest lists it as {year}")
        lower = [h.lower() for h in header]
        col_kommune, col_answered = lower.index("kommunenr"), lower.index("besvart")
        columns: dict[str, int] = {}
        warnings: list[str] = []
        for i, title in enumerate(header):
            if not title or title.lower() in self.META:
                continue
            codes = match_question(title, questions)
            if len(codes) > 1:
                raise LayoutError(f"{where}: column {title!r} matches several questions {codes}: make the "
                                  "manifest's patterns more specific")
            if not codes:
                warnings.append(f"column {title!r} is not one of the tracked questions; not loaded")
                continue
            if codes[0] in columns:
                raise LayoutError(f"{where}: question {codes[0]} matches two columns: {header[columns[codes[0]]]!r} "
                                  f"and {title!r}")
            columns[codes[0]] = i
        responses: dict[str, Response] = {}
        quarantine: list[dict[str, Any]] = []
        for n, row in enumerate(rows_of(ws)[header_row + 1:], start=header_row + 2):
            if not any(_text(c) for c in row):
                continue
            locator = f"{where}#{ws.title}!row={n}"
            kommune = kommune_number(row[col_kommune])
            answered = _text(row[col_answered]).lower()
            if kommune is None:
                quarantine.append({"locator": locator, "reason": f"Kommunenr {_text(row[col_kommune])!r} is not a "
                                   "kommune number", "payload": {"row": [_text(c) for c in row]}})
                continue
            if answered not in ("ja", "nei"):
                quarantine.append({"locator": locator, "reason": f"Besvart is {_text(row[col_answered])!r}, not Ja or "
                                   "Nei: cannot tell whether the kommune answered", "payload": {"kommune_nr": kommune}})
                continue
            response = Response(kommune, answered == "ja", locator)
            if _dupe(responses, response, quarantine):
                continue
            if response.is_response:
                for code, col in columns.items():
                    parsed = answer_of(row[col])
                    if parsed is None:
                        quarantine.append({"locator": f"{locator}:{header[col]}", "reason": f"answer "
                                           f"{_text(row[col])!r} to {code} is none of Ja, Nei, Vet ikke",
                                           "payload": {"kommune_nr": kommune, "question": code}})
                        continue
                    response.answers[code] = parsed
            responses[kommune] = response
        return Reading(self.name, list(responses.values()), quarantine, warnings,
                       {code: header[col] for code, col in columns.items()})


# ------------------------------------------------------------------------------------ SurveyXact
class SurveyXactLayout:
    name = "surveyxact"

    def matches(self, wb) -> bool:
        if not {"Dataset", "Labels"} <= set(wb.sheetnames):
            return False
        header = [_text(c).lower() for c in (rows_of(wb["Dataset"])[:1] or [()])[0]]
        return "knr" in header and any(re.fullmatch(r"s_\d+", h) for h in header)

    @staticmethod
    def _value_labels(text: str, where: str, variable: str) -> dict[str, tuple[int | None, str | None]]:
        out: dict[str, tuple[int | None, str | None]] = {}
        for part in filter(None, (p.strip() for p in str(text or "").split(";"))):
            code, _, label = part.partition("=")
            parsed = answer_of(label)
            if parsed is None:
                raise LayoutError(f"{where}: Labels gives {variable} the value label {label.strip()!r}, which is none "
                                  "of Ja, Nei, Vet ikke")
            out[code.strip()] = parsed
        if not out:
            raise LayoutError(f"{where}: Labels gives {variable} no value labels (Verdier)")
        return out

    def read(self, wb, questions: Mapping[str, Any], *, year: str, where: str) -> Reading:
        labels = rows_of(wb["Labels"])
        head = [_text(c).lower() for c in labels[0]] if labels else []
        if not {"variabel", "spørsmål", "verdier"} <= set(head):
            raise LayoutError(f"{where}: sheet Labels has no Variabel/Spørsmål/Verdier header (found {head})")
        iv, iq, ivals = head.index("variabel"), head.index("spørsmål"), head.index("verdier")
        variables: dict[str, tuple[str, str, dict]] = {}  # variable -> (code, wording, value labels)
        warnings: list[str] = []
        for row in labels[1:]:
            variable, wording = _text(row[iv]), _text(row[iq])
            if not variable:
                continue
            codes = match_question(wording, questions)
            if len(codes) > 1:
                raise LayoutError(f"{where}: {variable} ({wording!r}) matches several questions {codes}")
            if not codes:
                warnings.append(f"{variable} ({wording!r}) is not one of the tracked questions; not loaded")
                continue
            if any(c == codes[0] for c, _, _ in variables.values()):
                raise LayoutError(f"{where}: question {codes[0]} matches two variables")
            variables[variable.lower()] = (codes[0], wording, self._value_labels(row[ivals], where, variable))
        data = rows_of(wb["Dataset"])
        header = [_text(c).lower() for c in data[0]]
        missing_columns = sorted(v for v in variables if v not in header)
        if missing_columns:
            raise LayoutError(f"{where}: Labels describes {missing_columns}, which sheet Dataset does not have")
        col_kommune = header.index("knr")
        responses: dict[str, Response] = {}
        quarantine: list[dict[str, Any]] = []
        for n, row in enumerate(data[1:], start=2):
            if not any(_text(c) for c in row):
                continue
            locator = f"{where}#Dataset!row={n}"
            kommune = kommune_number(row[col_kommune])
            if kommune is None:
                quarantine.append({"locator": locator, "reason": f"knr {_text(row[col_kommune])!r} is not a kommune "
                                   "number", "payload": {"row": [_text(c) for c in row]}})
                continue
            response = Response(kommune, True, locator)
            if _dupe(responses, response, quarantine):
                continue
            for variable, (code, _, value_labels) in variables.items():
                raw = row[header.index(variable)]
                key = _text(int(raw) if isinstance(raw, float) and raw.is_integer() else raw)
                if key == "":
                    response.answers[code] = (None, MISSING)
                elif key in value_labels:
                    response.answers[code] = value_labels[key]
                else:
                    quarantine.append({"locator": f"{locator}:{variable}", "reason": f"answer code {key!r} to {code} "
                                       f"has no value label (known: {sorted(value_labels)})",
                                       "payload": {"kommune_nr": kommune, "question": code}})
            responses[kommune] = response
        return Reading(self.name, list(responses.values()), quarantine, warnings,
                       {code: wording for code, wording, _ in variables.values()})


LAYOUTS = (LabelledLayout(), SurveyXactLayout())


def detect(wb, where: str, layouts: Iterable = LAYOUTS):
    """The one layout that recognises the workbook; a clear error for none or several."""
    found = [layout for layout in layouts if layout.matches(wb)]
    if len(found) == 1:
        return found[0]
    if not found:
        known = ", ".join(layout.name for layout in layouts)
        raise LayoutError(
            f"{where}: the workbook matches no known Kommuneundersøkelsen layout ({known}). "
            f"Sheets and first rows: {sheet_summary(wb)}. A new edition layout needs its own reader in "
            "atlas_ingest/families/dsb/layouts.py")
    names = [layout.name for layout in found]
    raise LayoutError(f"{where}: the workbook matches several layouts {names}: tighten their detection")
