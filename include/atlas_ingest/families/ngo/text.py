"""Small text helpers shared by the NGO sources (pure, no imports beyond the standard library)."""

from __future__ import annotations

import re
import unicodedata

_SLUG_TRANSLIT = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})


def nfc(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text)


def clean(text: str | None) -> str | None:
    """NFC, whitespace collapsed, stripped; None for empty strings and the literal "NULL"
    (the Red Cross export writes `"addressLine1": "NULL"`)."""
    if text is None:
        return None
    value = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text))).strip()
    return None if value == "" or value.upper() == "NULL" else value


def slugify(text: str) -> str:
    """`Besøkstjeneste` → `besokstjeneste`; `Øvrige aktiviteter -  Røde Kors Ungdom` →
    `ovrige-aktiviteter-rode-kors-ungdom` (the `activity_id` suffix; stable across whitespace and
    case differences in the upstream spelling)."""
    value = unicodedata.normalize("NFC", text).lower().translate(_SLUG_TRANSLIT)
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")


def name_key(text: str) -> str:
    """Case- and whitespace-insensitive comparison key for registered names (NFC kept)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()
