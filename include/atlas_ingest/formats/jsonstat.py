"""JSON-stat 2.0 datasets (SSB PxWebApi v2, FHI's open API) → one row per cell, with status.

The cube itself is decoded by `pyjstat` (maintained, handles dense and sparse `value`, object
and array `category.index`). pyjstat drops the per-cell `status` object — the suppression
markers SSB and FHI put there (`..`, `.`, `:`, `-`) — so this module overlays it by flat cell
index, which is the row order pyjstat produces. Values are overlaid the same way, as sent
(pyjstat's value column becomes float for the whole cube as soon as one cell is null).

Variants seen upstream and handled:
* SSB: `category.index` an object, `status` an object `{cell index: marker}`, `role.time`/`geo`
  lists, `extension.px`, sometimes `value: []` on metadata documents;
* FHI: `category.index` an array, `role` null or `role.time`/`role.geo` null, `status` an empty
  string or a list, periods like `2019_2021`, a `MEASURE_TYPE` metric dimension, and a flagged
  cell's symbol (`":"`, `".."`) sent in `value` in place of the number (FHI's own client models
  type `value` as `Array<number | string>`). A non-numeric string in `value` therefore becomes
  the cell's status marker with a NULL value; what the symbol means is the FHI parser's business
  (`families/fhi`, from the table's `/flag` legend).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


class JsonStatError(ValueError):
    pass


@dataclass(frozen=True)
class Cell:
    index: int
    codes: dict[str, str]
    value: float | None
    status: str | None


@dataclass(frozen=True)
class DatasetInfo:
    label: str | None
    updated: str | None
    dimension_ids: list[str]
    sizes: list[int]
    roles: dict[str, list[str]]
    labels: dict[str, dict[str, str]]  # dimension -> code -> label
    units: dict[str, dict[str, Any]]  # contents code -> {base, decimals}
    extension: dict[str, Any]
    dimension_extension: dict[str, dict[str, Any]]

    @property
    def cell_count(self) -> int:
        return math.prod(self.sizes) if self.sizes else 0


def _as_doc(doc: Mapping[str, Any] | bytes | str) -> Mapping[str, Any]:
    if isinstance(doc, (bytes, str)):
        try:
            doc = json.loads(doc)
        except ValueError as exc:
            raise JsonStatError(f"not JSON: {exc}") from None
    if not isinstance(doc, Mapping):
        raise JsonStatError("a JSON-stat document must be an object")
    if doc.get("class") != "dataset":
        raise JsonStatError(f"expected class 'dataset', got {doc.get('class')!r}")
    for key in ("id", "size", "dimension"):
        if key not in doc:
            raise JsonStatError(f"JSON-stat dataset has no {key!r}")
    if len(doc["id"]) != len(doc["size"]):
        raise JsonStatError(f"'id' has {len(doc['id'])} dimensions but 'size' has {len(doc['size'])}")
    return doc


def _category_codes(dim_id: str, dim: Mapping[str, Any]) -> list[str]:
    category = dim.get("category") or {}
    index = category.get("index")
    if index is None:  # a single-category dimension may give only labels
        labels = category.get("label") or {}
        return list(labels)
    if isinstance(index, list):
        return [str(c) for c in index]
    if isinstance(index, Mapping):
        return [str(code) for code, _ in sorted(index.items(), key=lambda kv: kv[1])]
    raise JsonStatError(f"dimension {dim_id!r}: category.index is neither an array nor an object")


def dataset_info(doc: Mapping[str, Any] | bytes | str) -> DatasetInfo:
    doc = _as_doc(doc)
    labels: dict[str, dict[str, str]] = {}
    units: dict[str, dict[str, Any]] = {}
    dim_ext: dict[str, dict[str, Any]] = {}
    for dim_id in doc["id"]:
        dim = doc["dimension"].get(dim_id)
        if dim is None:
            raise JsonStatError(f"dimension {dim_id!r} is listed in 'id' but not described")
        codes = _category_codes(dim_id, dim)
        cat_labels = (dim.get("category") or {}).get("label") or {}
        labels[dim_id] = {c: str(cat_labels.get(c, c)) for c in codes}
        for code, unit in ((dim.get("category") or {}).get("unit") or {}).items():
            units[str(code)] = unit
        dim_ext[dim_id] = dim.get("extension") or {}
    roles = {k: list(v) for k, v in (doc.get("role") or {}).items() if v}
    return DatasetInfo(
        label=doc.get("label"),
        updated=doc.get("updated"),
        dimension_ids=list(doc["id"]),
        sizes=[int(s) for s in doc["size"]],
        roles=roles,
        labels=labels,
        units=units,
        extension=doc.get("extension") or {},
        dimension_extension=dim_ext,
    )


def _status_lookup(status: Any, n: int):
    """Return a function index -> marker for every shape `status` takes in the wild."""
    if status in (None, "", [], {}):
        return lambda i: None
    if isinstance(status, str):  # one marker for every cell
        return lambda i: status
    if isinstance(status, list):
        if len(status) == 1:
            return lambda i: status[0] or None
        if len(status) != n:
            raise JsonStatError(f"status array has {len(status)} entries for {n} cells")
        return lambda i: status[i] or None
    if isinstance(status, Mapping):
        if not all(str(k).isdigit() for k in status):
            raise JsonStatError(f"status object keys must be cell indexes: {list(status)[:5]}")
        table = {int(k): v for k, v in status.items()}
        return lambda i: table.get(i) or None
    raise JsonStatError(f"unsupported status of type {type(status).__name__}")


def _for_pyjstat(doc: Mapping[str, Any], info: DatasetInfo) -> dict[str, Any]:
    """What pyjstat needs spelled out: `version` (it reads a versionless dataset as JSON-stat 1
    and fails) and `category.index` (optional in JSON-stat for a single-category dimension)."""
    out = {**doc, "version": doc.get("version") or "2.0", "dimension": dict(doc["dimension"])}
    for dim_id in info.dimension_ids:
        dim = out["dimension"][dim_id]
        category = dim.get("category") or {}
        if category.get("index") is None:
            out["dimension"][dim_id] = {**dim, "category": {**category, "index": list(info.labels[dim_id])}}
    return out


def iter_cells(doc: Mapping[str, Any] | bytes | str) -> Iterator[Cell]:
    """Every cell of the cube in row-major order, with its codes, value and status marker."""
    doc = _as_doc(doc)
    info = dataset_info(doc)
    n = info.cell_count
    value = doc.get("value")
    if value is None or (isinstance(value, list) and not value and n):
        raise JsonStatError("dataset has no 'value' (a metadata document, not data?)")
    if not isinstance(value, (list, Mapping)):
        raise JsonStatError(f"'value' must be an array or an object, not {type(value).__name__}")
    if isinstance(value, list) and len(value) != n:
        raise JsonStatError(f"'value' has {len(value)} entries but the dimensions describe {n} cells")
    if isinstance(value, Mapping):  # sparse: {cell index: value}
        bad = [k for k in value if not str(k).isdigit() or int(k) >= n]
        if bad:
            raise JsonStatError(f"sparse 'value' has cell indexes outside 0..{n - 1}: {bad[:5]}")
    status_of = _status_lookup(doc.get("status"), n)
    if n == 0:
        return

    from pyjstat import pyjstat  # pandas underneath: imported only when a cube is decoded

    frame = pyjstat.Dataset.read(json.dumps(_for_pyjstat(doc, info))).write("dataframe", naming="id")
    if len(frame) != n:
        raise JsonStatError(f"decoded {len(frame)} cells, expected {n}")
    dims = info.dimension_ids
    columns = [frame[d].astype(str).tolist() for d in dims]
    # Values come from the document by flat index, like the status: pyjstat's value column turns
    # every number into a float as soon as one cell is null (16 -> 16.0), which is not what was sent.
    if isinstance(value, Mapping):
        sparse = {int(k): v for k, v in value.items()}
        value_of = sparse.get
    else:
        value_of = value.__getitem__
    for i in range(n):
        v = value_of(i)
        status = status_of(i)
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif isinstance(v, str) and not _is_number(v):
            # FHI: the flag symbol stands where the number would be. An explicit `status`
            # marker for the same cell wins; an empty string is just a missing value.
            status = status or (v.strip() or None)
            v = None
        yield Cell(i, {d: columns[j][i] for j, d in enumerate(dims)}, v, status)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity")
