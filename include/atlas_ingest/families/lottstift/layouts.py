"""The yearly layouts of Lottstift's momskompensasjon workbooks: one reader per layout.

Every year's file is shaped differently (sheet name, which column is the recipient, which amount
is the final one and what it means). A reader declares its year, its sheet and its exact header
(the column titles in order); the workbook's header must match one reader exactly, so a renamed,
added or moved column is a clear failure naming the file, the header found and the nearest
layout's differences — never a silently wrong column.

Facts per year (observed in the published files by a third party, 2026-10): the sheet, the
recipient-orgnr column and the amount column with its meaning. The other column titles of
2019–2023 are our reading of those files' shape (see the source's SNAPSHOT.md); 2024's header is
as published. 2016–2018 have no recipient orgnr (a name under an umbrella applicant) and are not
read: joining them to organisations would be a name guess.

| year | sheet | recipient orgnr | amount | amount_basis |
|---|---|---|---|---|
| 2019 | 2019 | Org.nr. mottakar | Tildelt etter avkorting (NOK) | awarded_after_reduction |
| 2020 | 2020 | Org.nr. søkar (no recipient column) | Utbetalt Beløp (NOK) | paid |
| 2021 | 2021 | Org.nr. mottakar | Utbetalt beløp ink. administrasjonsgebyr (NOK) | paid_incl_admin_fee |
| 2022 | Uttrekk_moms | Org.nr (Org.nr søkar is the applicant) | Tildelt beløp | awarded |
| 2023 | Uttrekk_moms | Org.nr | Tildelt beløp | awarded |
| 2024 | Tildelinger | Organisasjonsnummer | Tildelt | awarded |
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


class LayoutError(ValueError):
    pass


@dataclass
class GrantRow:
    """One row of a workbook: a case (søknad) for a recipient."""

    orgnr: str | None
    recipient_name: str | None
    amount: Decimal | None
    locator: str
    problem: str | None = None
    blank: bool = False


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", "" if text is None else str(text)).strip().casefold()


def orgnr_of(value: Any) -> str | None:
    """A 9-digit organisation number from a text or numeric cell; None otherwise."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", "" if value is None else str(value))
    return text if re.fullmatch(r"\d{9}", text) else None


def amount_of(value: Any) -> Decimal | None:
    """NOK from a numeric or text cell (`1 234,50`); None for an empty cell; ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = re.sub(r"[\s\u00a0]", "", str(value)).replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"amount {value!r} is not a number") from None


class YearLayout:
    """A reader for one year's file: its sheet, its exact header, and which columns mean what."""

    year: str
    sheet: str
    header: tuple[str, ...]
    recipient: str          # the column holding the recipient's orgnr
    name: str | None        # the column holding the recipient's (or applicant's) name
    amount: str             # the column holding the year's final amount
    amount_basis: str

    @property
    def layout_name(self) -> str:
        return f"lottstift-{self.year}"

    def header_of(self, wb) -> list[str] | None:
        if self.sheet not in wb.sheetnames:
            return None
        first = next(wb[self.sheet].iter_rows(min_row=1, max_row=1, values_only=True), ())
        cells = [re.sub(r"\s+", " ", "" if c is None else str(c)).strip() for c in first]
        while cells and not cells[-1]:
            cells.pop()
        return cells

    def matches(self, wb) -> bool:
        found = self.header_of(wb)
        return found is not None and [_norm(c) for c in found] == [_norm(c) for c in self.header]

    def differences(self, wb) -> str:
        found = self.header_of(wb)
        if found is None:
            return f"{self.layout_name}: no sheet {self.sheet!r}"
        expected = {_norm(c) for c in self.header}
        got = {_norm(c) for c in found}
        return (f"{self.layout_name} (sheet {self.sheet!r}): missing {sorted(expected - got)}, "
                f"unexpected {sorted(got - expected)}")

    def rows(self, wb, where: str) -> Iterator[GrantRow]:
        index = {_norm(c): i for i, c in enumerate(self.header)}
        recipient, amount = index[_norm(self.recipient)], index[_norm(self.amount)]
        name = index[_norm(self.name)] if self.name else None
        for n, row in enumerate(wb[self.sheet].iter_rows(min_row=2, values_only=True), start=2):
            locator = f"{where}#{self.sheet}!row={n}"
            if not any(c is not None and str(c).strip() for c in row):
                yield GrantRow(None, None, None, locator, blank=True)
                continue
            cells = list(row) + [None] * (len(self.header) - len(row))
            orgnr = orgnr_of(cells[recipient])
            label = str(cells[name]).strip() if name is not None and cells[name] is not None else None
            if orgnr is None:
                yield GrantRow(None, label, None, locator,
                               problem=f"{self.recipient} {cells[recipient]!r} is not a 9-digit organisasjonsnummer")
                continue
            try:
                value = amount_of(cells[amount])
            except ValueError as exc:
                yield GrantRow(orgnr, label, None, locator, problem=f"{self.amount}: {exc}")
                continue
            yield GrantRow(orgnr, label, value, locator)


class Layout2019(YearLayout):
    year, sheet, amount_basis = "2019", "2019", "awarded_after_reduction"
    header = ("Org.nr. søkar", "Namn på søkar", "Type søknad", "Org.nr. mottakar", "Namn på mottakar", "Kommune",
              "Søkt beløp (NOK)", "Tildelt etter avkorting (NOK)")
    recipient, name, amount = "Org.nr. mottakar", "Namn på mottakar", "Tildelt etter avkorting (NOK)"


class Layout2020(YearLayout):
    # 2020 lists applicants only: the applicant is the recipient
    year, sheet, amount_basis = "2020", "2020", "paid"
    header = ("Org.nr. søkar", "Namn på søkar", "Type søknad", "Status", "Utbetalt Beløp (NOK)")
    recipient, name, amount = "Org.nr. søkar", "Namn på søkar", "Utbetalt Beløp (NOK)"


class Layout2021(YearLayout):
    year, sheet, amount_basis = "2021", "2021", "paid_incl_admin_fee"
    header = ("Org.nr. søkar", "Namn på søkar", "Type søknad", "Org.nr. mottakar", "Namn på mottakar", "Kommune",
              "Kategori", "Tildelt beløp (NOK)", "Utbetalt beløp ink. administrasjonsgebyr (NOK)")
    recipient, name, amount = "Org.nr. mottakar", "Namn på mottakar", "Utbetalt beløp ink. administrasjonsgebyr (NOK)"


class Layout2022(YearLayout):
    year, sheet, amount_basis = "2022", "Uttrekk_moms", "awarded"
    header = ("Saksnummer", "Org.nr", "Organisasjonsnamn", "Søknadstype", "Org.nr søkar", "Kommune", "Kategori",
              "Søkt beløp", "Tildelt beløp")
    recipient, name, amount = "Org.nr", "Organisasjonsnamn", "Tildelt beløp"


class Layout2023(YearLayout):
    year, sheet, amount_basis = "2023", "Uttrekk_moms", "awarded"
    header = ("Saksnummer", "Org.nr", "Organisasjonsnamn", "Søknadstype", "Org.nr søkar", "Kommune", "Kategori",
              "Søkt beløp", "Godkjent grunnlag", "Tildelt beløp")
    recipient, name, amount = "Org.nr", "Organisasjonsnamn", "Tildelt beløp"


class Layout2024(YearLayout):
    year, sheet, amount_basis = "2024", "Tildelinger", "awarded"
    header = ("Tilskuddsordning", "Organisasjonsnummer", "Organisasjonsnavn", "Kommune", "Kategori", "Tildelt")
    recipient, name, amount = "Organisasjonsnummer", "Organisasjonsnavn", "Tildelt"


LAYOUTS: tuple[YearLayout, ...] = (Layout2019(), Layout2020(), Layout2021(), Layout2022(), Layout2023(), Layout2024())


def detect(wb, year: str, where: str, layouts: Iterable[YearLayout] = LAYOUTS) -> YearLayout:
    """The layout whose sheet and exact header the workbook has; it must be the file's own year."""
    layouts = list(layouts)
    found = [layout for layout in layouts if layout.matches(wb)]
    if not found:
        nearest = [layout.differences(wb) for layout in layouts if layout.year == year] or \
                  [layout.differences(wb) for layout in layouts if layout.sheet in wb.sheetnames]
        raise LayoutError(
            f"{where}: the workbook matches no known momskompensasjon layout (sheets {wb.sheetnames}). "
            f"{'; '.join(nearest) or 'No layout uses any of its sheets'}. A changed file needs its own reader in "
            "atlas_ingest/families/lottstift/layouts.py")
    if len(found) > 1:
        raise LayoutError(f"{where}: the workbook matches several layouts {[f.layout_name for f in found]}")
    if found[0].year != year:
        raise LayoutError(f"{where}: the manifest lists this file as {year}, but it has the {found[0].layout_name} "
                          "layout: check fetch.options.files")
    return found[0]
