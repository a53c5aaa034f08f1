"""Build the replay snapshot of `lottstift-momskompensasjon` (Lottstift's yearly VAT-compensation workbooks).

CONSTRUCTED, one workbook per grant year 2019–2024 at the real download URLs on lottstift.no, in each
year's layout as `atlas_ingest/families/lottstift/layouts.py` describes it (see the source's
snapshots/SNAPSHOT.md for what is real). Recipients are mostly organisations of the constructed
Frivillighetsregisteret snapshot (so the marts can join them by orgnr), plus a few that are not in
the register, plus NORSK FOLKEHJELP 871033552; **every amount is invented**.

Deterministic (amounts from a sha256, fixed xlsx dates). Run after brreg_frivillighetsregisteret_construct.py:
.venv/bin/python scripts/snapshots/lottstift_construct.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from brreg_frivillighetsregisteret_construct import FOLKEHJELP, fake_orgnr, kommune_names, organisations  # noqa: E402
from workbooks import xlsx_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "include" / "sources" / "lottstift-momskompensasjon" / "snapshots"
URLS = {  # the published files (lottstift.no/nb/om-oss/apne-data/)
    "2019": "https://lottstift.no/app/uploads/2021/07/Oversikt-over-alle-mottakarar_2019-1.xlsx",
    "2020": "https://lottstift.no/app/uploads/2021/06/Oversikt-over-alle-sokarar_2020_moms.xlsx",
    "2021": "https://lottstift.no/app/uploads/2023/01/Oversikt-over-alle-mottakarar_2021_moms.xlsx",
    "2022": "https://lottstift.no/app/uploads/2022/12/Oversikt-over-mottakere-og-tildelt-belop-2022.xlsx",
    "2023": "https://lottstift.no/app/uploads/2023/12/Oversikt-over-mottakere-og-tildelt-belop-2023.xlsx",
    "2024": "https://lottstift.no/app/uploads/2026/06/Oversikt-over-tildelinger-momskompensasjon-2024.xlsx",
}
# recipients that are not in the constructed Frivillighetsregisteret (a real list has such too)
OUTSIDE = [(fake_orgnr(900000 + n), f"EKSEMPELLAG UTENFOR REGISTERET {n} (KONSTRUERT)") for n in range(1, 4)]


def unit(*parts: str) -> float:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def recipients(year: str) -> list[tuple[str, str, str | None]]:
    """(orgnr, name, registered kommune) of the year's recipients: ~1 in 5 registered organisations."""
    names = kommune_names()
    chosen = [(o["orgnr"], o["navn"], names.get(o["kommune"] or "", "")) for o in organisations()
              if not o.get("bad_orgnr") and not o.get("folkehjelp") and unit(o["orgnr"], year) < 0.2]
    chosen += [(orgnr, name, "") for orgnr, name in OUTSIDE]
    chosen.append((FOLKEHJELP, "NORSK FOLKEHJELP", "Oslo"))
    return chosen


def amount(orgnr: str, year: str) -> int:
    base = 2_000_000 if orgnr == FOLKEHJELP else 5_000
    return base + int(unit(orgnr, year, "amount") * (400_000 if orgnr != FOLKEHJELP else 3_000_000))


def book_2019():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2019"
    ws.append(["Org.nr. søkar", "Namn på søkar", "Type søknad", "Org.nr. mottakar", "Namn på mottakar", "Kommune",
               "Søkt beløp (NOK)", "Tildelt etter avkorting (NOK)"])
    for orgnr, name, kommune in recipients("2019"):
        a = amount(orgnr, "2019")
        ws.append([int(orgnr), name, "Enkeltståande", int(orgnr), name, kommune, round(a * 1.3), a])
    return wb


def book_2020():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2020"
    ws.append(["Org.nr. søkar", "Namn på søkar", "Type søknad", "Status", "Utbetalt Beløp (NOK)"])
    rows = recipients("2020")
    for n, (orgnr, name, _) in enumerate(rows):
        if n == 0:  # withdrawn, then granted: two cases, summed
            ws.append([orgnr, name, "Enkeltståande", "Søknad avbrote", 0])
        status, paid = ("Avslått", 0) if n == 1 else ("Endeleg tildelt", amount(orgnr, "2020"))
        ws.append([orgnr, name, "Enkeltståande", status, paid])
    return wb


def book_2021():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2021"
    ws.append(["Org.nr. søkar", "Namn på søkar", "Type søknad", "Org.nr. mottakar", "Namn på mottakar", "Kommune",
               "Kategori", "Tildelt beløp (NOK)", "Utbetalt beløp ink. administrasjonsgebyr (NOK)"])
    for n, (orgnr, name, kommune) in enumerate(recipients("2021")):
        a = amount(orgnr, "2021")
        paid = f"{a + 150:,}".replace(",", " ") if n == 2 else a + 150  # a text amount with spaces
        ws.append([int(orgnr), name, "Enkeltståande", int(orgnr), name, kommune, "Frivillig", a, paid])
    return wb


def book_uttrekk(year: str):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Uttrekk_moms"
    header = ["Saksnummer", "Org.nr", "Organisasjonsnamn", "Søknadstype", "Org.nr søkar", "Kommune", "Kategori",
              "Søkt beløp"] + (["Godkjent grunnlag"] if year == "2023" else []) + ["Tildelt beløp"]
    ws.append(header)
    rows = recipients(year)
    for n, (orgnr, name, kommune) in enumerate(rows):
        case = f"{year}/{1000 + n}"
        a = amount(orgnr, year)
        extra = [a * 4] if year == "2023" else []
        if year == "2022" and n == 0:  # standalone + umbrella application: summed
            ws.append([f"{case}b", orgnr, name, "Underledd", orgnr, kommune.upper(), "Frivillig", 1000, *extra, 0])
        if year == "2023" and n == 0:  # two cases, neither with an amount: NULL, never 0
            ws.append([f"{case}b", orgnr, name, "Underledd", orgnr, kommune.upper(), "Frivillig", 1000, *extra, None])
            ws.append([case, orgnr, name, "Enkeltstående", orgnr, kommune.upper(), "Frivillig", 2000, *extra, None])
            continue
        tildelt = None if (year == "2022" and n == 1) else a
        ws.append([case, orgnr, name, "Enkeltstående", orgnr, kommune.upper(), "Frivillig", round(a * 1.2), *extra,
                   tildelt])
    if year == "2022":  # a case number where the orgnr belongs: quarantined
        ws.append([f"{year}/9999", f"{year}/3372", "UKJENT MOTTAKER (KONSTRUERT)", "Enkeltstående", "", "", "", 500,
                   500])
    return wb


def book_2024():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tildelinger"
    ws.append(["Tilskuddsordning", "Organisasjonsnummer", "Organisasjonsnavn", "Kommune", "Kategori", "Tildelt"])
    for orgnr, name, kommune in recipients("2024"):
        ws.append(["Momskompensasjon for frivillige organisasjoner", orgnr, name, kommune, "Frivillig",
                   amount(orgnr, "2024")])
    ws.append([None] * 6)  # a blank trailing row: skipped
    return wb


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in list(OUT.glob("*.xlsx")) + list(OUT.glob("index.json")):
        old.unlink()
    books = {"2019": book_2019(), "2020": book_2020(), "2021": book_2021(), "2022": book_uttrekk("2022"),
             "2023": book_uttrekk("2023"), "2024": book_2024()}
    entries = []
    for year, wb in books.items():
        name = URLS[year].rsplit("/", 1)[1]
        (OUT / name).write_bytes(xlsx_bytes(wb))
        entries.append({"file": name, "status": 200, "request": {"method": "GET", "url": URLS[year], "params": []},
                        "headers": {"content-type":
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}})
    entries.sort(key=lambda e: e["file"])
    (OUT / "index.json").write_text(json.dumps({"version": 1, "entries": entries}, indent=1, ensure_ascii=False,
                                               sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(books)} workbooks to {OUT}: " + ", ".join(f"{y}: {len(recipients(y))} recipients"
                                                                  for y in books))


if __name__ == "__main__":
    main()
