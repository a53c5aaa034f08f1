"""Deterministic xlsx bytes for constructed snapshots (openpyxl stamps the save time into the file).

The zip entries get a fixed date and docProps/core.xml fixed created/modified times, so running a
construct script twice writes byte-identical files (and the snapshots' sha256 — what the file
sources' change detection compares — does not move on a regeneration).
"""

from __future__ import annotations

import io
import re
import zipfile

FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_W3CDTF = "2026-01-01T00:00:00Z"


def workbook_bytes(workbook) -> bytes:
    raw = io.BytesIO()
    workbook.save(raw)
    return normalise_zip(raw.getvalue())


def normalise_zip(body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              rb"\g<1>" + FIXED_W3CDTF.encode() + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members.items():
            entry = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()
