"""Cutting a cube query into pieces an API accepts (SSB's 800,000 cells, FHI's maxRowCount).

Shared by the PxWebApi and FHI planners: split along the largest dimension that may be split
(never time or the measure), recursively, so the pieces are disjoint and their union is exactly
the selection.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence


class SplitError(ValueError):
    pass


def cell_count(selection: Mapping[str, Sequence[str]]) -> int:
    return math.prod(len(v) for v in selection.values()) if selection else 0


def split_selection(selection: dict[str, list[str]], keep_whole: Collection[str], limit: int,
                    unit: str = "cells") -> list[dict[str, list[str]]]:
    total = cell_count(selection)
    if total <= limit:
        return [selection]
    candidates = sorted((code for code, values in selection.items() if len(values) > 1 and code not in keep_whole),
                        key=lambda code: (-len(selection[code]), code))
    if not candidates:
        raise SplitError(f"the selection has {total:,} {unit} and only {', '.join(sorted(keep_whole))} are left "
                         f"to split; narrow the time or measure (contents) selection below {limit:,} {unit}")
    code = candidates[0]
    values = selection[code]
    chunk = max(1, limit // (total // len(values)))
    pieces = []
    for start in range(0, len(values), chunk):
        pieces.extend(split_selection({**selection, code: values[start:start + chunk]}, keep_whole, limit, unit))
    return pieces
