"""Bufdir's ZIP of indicator workbooks: opened safely, each workbook's table read by header names.

ZIP safety (the archive comes from the internet): at most `max_members` members; no member with
an absolute path, `..`, or a nested archive; each member's real uncompressed size (counted while
reading, not trusted from the header) at most `max_member_bytes`, all of them at most
`max_total_bytes`, and no member inflating more than `max_ratio` times (a zip bomb). Members are
read into memory, never extracted to disk.

A workbook's table: the header row is the row whose first cell is `Region`; every column is found
by its header name — the named columns of the manifest (`Region`, `Regionnavn`, `Enhet`,
`Tallformat`) and the year columns (`2013` … `2023`). A missing or renamed column, an unknown
header, or a missing sheet raises `BufdirLayoutError` naming the ZIP member, the sheet and the
columns found; rows are never read by position.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any


class BufdirLayoutError(ValueError):
    pass


class UnsafeZip(ValueError):
    pass


@dataclass
class Member:
    name: str  # the file name, path stripped
    body: bytes


def safe_members(body: bytes, where: str, *, max_members: int, max_member_bytes: int, max_total_bytes: int,
                 max_ratio: int) -> Iterator[Member]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as exc:
        raise UnsafeZip(f"{where}: not a ZIP archive ({exc})") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > max_members:
            raise UnsafeZip(f"{where}: {len(infos)} members, over the limit of {max_members}")
        total = 0
        for info in infos:
            path = PurePosixPath(info.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", info.filename):
                raise UnsafeZip(f"{where}: member {info.filename!r} has an unsafe path")
            if path.suffix.lower() in (".zip", ".7z", ".gz", ".rar"):
                raise UnsafeZip(f"{where}: member {info.filename!r} is a nested archive")
            if path.name.startswith(("~$", ".")) or "__MACOSX" in path.parts:
                continue  # Office lock files and macOS resource forks
            chunks, size = [], 0
            with archive.open(info) as handle:
                while chunk := handle.read(1 << 16):
                    size += len(chunk)
                    if size > max_member_bytes:
                        raise UnsafeZip(f"{where}: member {info.filename!r} inflates past {max_member_bytes:,} bytes")
                    chunks.append(chunk)
            total += size
            if total > max_total_bytes:
                raise UnsafeZip(f"{where}: the members inflate past {max_total_bytes:,} bytes in all")
            if info.compress_size and size / info.compress_size > max_ratio:
                raise UnsafeZip(f"{where}: member {info.filename!r} inflates {size / info.compress_size:.0f}× "
                                f"(limit {max_ratio}×): refused as a possible zip bomb")
            yield Member(path.name, b"".join(chunks))


@dataclass
class IndicatorTable:
    title: str  # the text rows above the header (Bufdir's table title), joined
    columns: dict[str, int]  # named column → index
    years: dict[int, int]  # year → column index
    found: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (Excel row number, cells)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def read_indicator(body: bytes, sheet: str, columns: list[str], where: str) -> IndicatorTable:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException alike
        raise BufdirLayoutError(f"{where}: not a readable xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        if sheet not in workbook.sheetnames:
            raise BufdirLayoutError(f"{where}: no sheet {sheet!r}; the workbook has {workbook.sheetnames}")
        grid = [list(r) for r in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()
    header_index = next((i for i, row in enumerate(grid[:50]) if row and _text(row[0]).casefold() == "region"), None)
    if header_index is None:
        seen = [_text(r[0]) for r in grid[:12] if r and _text(r[0])]
        raise BufdirLayoutError(f"{where}, sheet {sheet!r}: no header row starting with 'Region' in the first 50 rows; "
                                f"first cells seen: {seen}")
    header = [_text(c) for c in grid[header_index]]
    found = [h for h in header if h]
    named: dict[str, int] = {}
    years: dict[int, int] = {}
    unknown = []
    wanted = {c.casefold(): c for c in columns}
    for i, text in enumerate(header):
        if not text:
            continue
        if re.fullmatch(r"(19|20)\d{2}", text):
            years[int(text)] = i
        elif text.casefold() in wanted and wanted[text.casefold()] not in named:
            named[wanted[text.casefold()]] = i
        else:
            unknown.append(text)
    missing = [c for c in columns if c not in named]
    if missing or unknown or not years:
        problems = []
        if missing:
            problems.append(f"missing column(s) {missing}")
        if unknown:
            problems.append(f"unexpected column(s) {unknown}")
        if not years:
            problems.append("no year columns")
        raise BufdirLayoutError(f"{where}, sheet {sheet!r}, header row {header_index + 1}: {'; '.join(problems)}; "
                                f"found columns {found}")
    if min(years.values()) < max(named.values()):
        raise BufdirLayoutError(f"{where}, sheet {sheet!r}: year columns before the named columns; found columns {found}")
    title = " — ".join(_text(r[0]) for r in grid[:header_index] if r and _text(r[0]))
    table = IndicatorTable(title=title, columns=named, years=dict(sorted(years.items())), found=found)
    width = len(header)
    for r, row in enumerate(grid[header_index + 1:], start=header_index + 2):
        cells = list(row) + [None] * max(0, width - len(row))
        beyond = [_text(c) for c in cells[width:] if _text(c)]
        if beyond:
            raise BufdirLayoutError(f"{where}, sheet {sheet!r}: row {r} has values beyond the header's last column "
                                    f"({beyond[:3]}); found columns {found}")
        if all(_text(c) == "" for c in cells[:width]):
            continue
        table.rows.append((r, cells[:width]))
    return table
