"""Deterministic .xlsx bytes for constructed snapshots (dsb_construct.py, lottstift_construct.py).

openpyxl stamps `docProps/core.xml` with the save time and zips every part with the current time,
so the same workbook saved twice differs. Here the document dates and every zip entry's time are
fixed, so regenerating a snapshot writes identical bytes (and discover's sha256 stays the same).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

FIXED = datetime(2024, 1, 1, 0, 0, 0)


def xlsx_bytes(wb) -> bytes:
    wb.properties.created = FIXED
    wb.properties.creator = "Atlas (KONSTRUERT)"
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2024-01-01T00:00:00Z\g<2>", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
