"""The `fhi_jsonstat2` parser: FHI's flags → status markers, then the shared JSON-stat parser.

FHI puts a symbol where it cannot show a value (the decoder turns a non-numeric `value` entry
into the cell's status) and explains its symbols at `/Table/{id}/flag`. Which Atlas marker a
symbol becomes is decided here, in this order:

1. `parse.options.flag_markers` in the manifest (an explicit mapping wins);
2. the legend's wording: anonymised / privacy / too few → `:`, cannot be computed → `.`,
   missing / not available → `..` — so a symbol FHI changes, or one that means something else
   at FHI than at SSB, still lands on the right marker;
3. the symbol itself.

Whatever the result, the shared ObservationWriter quarantines a marker the manifest's
`suppression_markers` does not list — a suppressed value is NULL with its marker, never 0.

A 6-digit GEO code is a bydel; one under a kommune that has no bydeler cannot resolve through the
bydel classification and is quarantined with that reason (a structural check: the Klass 103 lookup
itself belongs to the geography layer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from atlas_ingest.formats import jsonstat_observations
from atlas_ingest.kinds import Fetched, ParseResult, RunContext

# Wording in FHI's legend → Atlas marker (Norwegian as FHI writes it; English as a fallback).
MEANING_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"anonymi|personvern|prikk|skjult|for få|få tilfeller|confidential|suppress|privacy", re.I), ":"),
    (re.compile(r"lar seg ikke beregne|kan ikke beregnes|ikke mulig å beregne|ikke beregn|not applicable|"
                r"cannot be calculated|not computable", re.I), "."),
    (re.compile(r"mangl|ikke tilgjengelig|foreligger ikke|missing|not available|no data", re.I), ".."),
)


class FhiFlagError(ValueError):
    pass


def _symbol_like(text: str) -> bool:
    return 0 < len(text) <= 4 and not re.search(r"[0-9A-Za-zÆØÅæøå]", text)


def flag_legend(doc: Any) -> dict[str, str]:
    """`/flag` answer → {symbol: meaning}.

    FHI's sample clients model an entry as `{title, text}`; the symbol is whichever string field
    looks like a symbol (short, no letters or digits), the meaning the longest other text, so
    the reader does not depend on the field names.
    """
    entries = doc if isinstance(doc, list) else (doc or {}).get("flags") or (doc or {}).get("items") or []
    legend: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        texts = [str(v).strip() for v in entry.values() if isinstance(v, str) and str(v).strip()]
        symbols = [t for t in texts if _symbol_like(t)]
        if not symbols:
            continue
        words = sorted((t for t in texts if t != symbols[0]), key=len, reverse=True)
        legend[symbols[0]] = " — ".join(words[:2]) if words else ""
    return legend


def marker_for_meaning(meaning: str) -> str | None:
    for pattern, marker in MEANING_MARKERS:
        if pattern.search(meaning or ""):
            return marker
    return None


def status_map(legend: Mapping[str, str], explicit: Mapping[str, str], listed: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """FHI symbol → manifest marker, and warnings about symbols that could not be mapped."""
    listed = set(listed)
    unlisted = {s: m for s, m in explicit.items() if m not in listed}
    if unlisted:
        raise FhiFlagError(f"parse.options.flag_markers maps to markers the manifest's suppression_markers does not "
                           f"list: {unlisted}")
    out: dict[str, str] = dict(explicit)
    warnings = []
    for symbol, meaning in legend.items():
        if symbol in out:
            continue
        by_meaning = marker_for_meaning(meaning)
        if by_meaning in listed:
            out[symbol] = by_meaning
        elif symbol in listed:
            out[symbol] = symbol
        else:
            warnings.append(f"FHI flag {symbol!r} ({meaning}) maps to no listed suppression marker; cells with it "
                            "will be quarantined")
    return out, warnings


def bydel_check(kommuner: Iterable[str]):
    kommuner = sorted(set(kommuner))

    def reject(code: str) -> str | None:
        if len(code) == 6 and code.isdigit() and code[:4] not in kommuner:
            return (f"bydel code {code!r} lies under kommune {code[:4]}, which is not divided into bydeler "
                    f"({', '.join(kommuner)}): it cannot resolve through the bydel classification")
        return None

    return reject


def parse(ctx: RunContext, fetched: list[Fetched]) -> ParseResult:
    m = ctx.manifest
    opts = m.parse_options()
    legends = [f for f in fetched if f.role == "flags"]
    legend = flag_legend(json.loads(ctx.landing.get(legends[0].key))) if legends else {}
    mapping, warnings = status_map(legend, opts.flag_markers, m.suppression_markers)
    tables = {f.meta.get("fhi_table") for f in fetched if f.role == "data" and f.meta.get("fhi_table")}
    # the table FHI served (resolved by discover), unless the manifest names one
    table_id = opts.table_id or (str(tables.pop()) if len(tables) == 1 else None)
    result = jsonstat_observations.parse(ctx, fetched, status_map=mapping, reject_region=bydel_check(opts.bydel_kommuner),
                                         table_id=table_id)
    if not legends:
        warnings.append("no /flag legend was fetched; FHI symbols are taken as the markers they look like")
    result.warnings.extend(warnings)
    return result
