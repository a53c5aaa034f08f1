"""Constructed-snapshot specs for the SSB Statistikkbanken sources (see ssb_construct.py).

Each function returns a TableSpec: the table's dimensions (real codes where known) and a
deterministic value function. CONSTRUCTED NUMBERS — never official statistics.

Where a code below is SSB's own it says so in the table's `snapshot_md`; every other code is a
clearly named placeholder, and SNAPSHOT.md says which is which. Suppression follows SSB's
standard symbols: `.` (not applicable — the kommune did not exist that year), `..` (not
available), `:` (confidential, small cells), `-` (nil).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ssb_construct import (
    YEARS,
    DimSpec,
    TableSpec,
    kommune_size,
    kommune_valid,
    kommune_values,
    rng_for,
)

TID = DimSpec("Tid", "år", [(str(y), str(y)) for y in YEARS])
KJONN = DimSpec("Kjonn", "kjønn", [("1", "Menn"), ("2", "Kvinner")], elimination=True)

NOT_APPLICABLE = (None, ".")
MISSING = (None, "..")
CONFIDENTIAL = (None, ":")


def tid(first: int, last: int, label: str = "år") -> DimSpec:
    return DimSpec("Tid", label, [(str(y), str(y)) for y in range(first, last + 1)])


def windows(first_start: int, last_start: int, span: int, label: str) -> DimSpec:
    """Rolling windows the way SSB codes them in `Tid`: "2021-2023" (span 3), "2023-2024" (span 2)."""
    codes = [f"{s}-{s + span - 1}" for s in range(first_start, last_start + 1)]
    return DimSpec("Tid", label, [(c, c) for c in codes])


def region_dim(since: int = 2018) -> DimSpec:
    return DimSpec("Region", "region", kommune_values(since), elimination=True,
                   codelists=[("vs_Kommun", "Alle kommuner", "Valueset")])


def contents(codes: list[tuple[str, str, str, int, str, str]]) -> DimSpec:
    """(code, label, unit base, decimals, measuringType, refperiod) per contents code."""
    return DimSpec(
        "ContentsCode", "statistikkvariabel", [(c, lab) for c, lab, *_ in codes],
        units={c: {"base": unit, "decimals": dec} for c, _, unit, dec, _, _ in codes},
        measuring_type={c: mt for c, _, _, _, mt, _ in codes},
        refperiod={c: rp for c, _, _, _, _, rp in codes},
    )


def year_of(period: str) -> int:
    """The year a period's geography is judged by: the year itself, or a window's last year."""
    return int(period.split("-")[-1])


def guarded(table: str, region_dim_code: str, inner: Callable[[dict[str, str], random.Random], tuple]):
    """Wrap a value function: `.` for kommune codes not valid in the period, a rare `..`."""

    def value(codes: dict[str, str]):
        region, period = codes[region_dim_code], codes["Tid"]
        if not kommune_valid(region, year_of(period)):
            return NOT_APPLICABLE
        rng = rng_for(table, *codes.values())
        if rng.random() < 0.002:
            return MISSING
        return inner(codes, rng)

    return value


def kommune_base(table: str, region: str, lo: float, hi: float) -> float:
    """A stable per-kommune level for a rate (so a kommune is consistently high or low)."""
    return random.Random(f"{table}:base:{region}").uniform(lo, hi)


def drift(year: int, per_year: float = 0.006) -> float:
    return 1 + per_year * (year - 2024)


# ----------------------------------------------------------------------------- KOSTRA geography
# KOSTRA tables put geography in `KOKkommuneregion0000`, mixing kommune codes with aggregates
# (land, fylke aggregates, KOSTRA groups). Atlas selects kommuner through a code list so the
# aggregates never reach the parser (they would be quarantined: not an SSB region code shape).
KOSTRA_REGION = "KOKkommuneregion0000"
KOSTRA_CODELIST = "vs_KOKkommuner"
KOSTRA_AGGREGATES = ([("EAK", "Landet"), ("EAKUO", "Landet uten Oslo")]
                     + [(f"EKG{i:02d}", f"KOSTRA-gruppe {i}") for i in range(1, 17)])


def kostra_region_dim() -> DimSpec:
    return DimSpec(KOSTRA_REGION, "region", KOSTRA_AGGREGATES + kommune_values(2020), elimination=False,
                   codelists=[(KOSTRA_CODELIST, "Kommuner (KOSTRA)", "Valueset")], role="geo")


KOSTRA_GEOGRAPHY = f"""real Klass 131 kommune codes and names in the KOSTRA geography dimension
`{KOSTRA_REGION}` (its name as the KOSTRA tables use it), with `.` for years a code did not
exist. The aggregate codes next to them (`EAK` Landet, `EAKUO`, `EKG01`–`EKG16` KOSTRA
groups) and the code list `{KOSTRA_CODELIST}` that selects only the kommuner are
**constructed** stand-ins for SSB's KOSTRA aggregates and value set"""


# ----------------------------------------------------------------------------- national tables
# SSB's national crime tables (08484, 09405, 09406) have no region dimension; their manifests set
# `parse.options.region_code: "0"` so every row lands as land-level (Hele landet).
NATIONAL_GEOGRAPHY = """the national level only: the table has no region dimension; the manifest's
`parse.options.region_code: "0"` stores every row as `0` (Hele landet)"""


# ============================================================================ 07459
def table_07459() -> TableSpec:
    ages = [(f"{a:03d}", f"{a} år") for a in range(105)] + [("105+", "105 år eller eldre")]

    def value(codes: dict[str, str]):
        region, year = codes["Region"], int(codes["Tid"])
        if not kommune_valid(region, year):
            return None, "."
        age = 105 if codes["Alder"] == "105+" else int(codes["Alder"])
        rng = rng_for("07459", region, codes["Kjonn"], codes["Alder"], year)
        # a plausible age pyramid: flat to 60, then declining
        share = (1.0 if age < 60 else max(0.02, 1.0 - (age - 60) / 40)) / 80
        return max(0, round(kommune_size(region) / 2 * share * rng.uniform(0.85, 1.15))), None

    return TableSpec(
        source_id="ssb-07459",
        table="07459",
        label="07459: Alders- og kjønnsfordeling i kommuner, fylker og hele landets befolkning (K) 1986 - 2026",
        updated="2026-02-20T07:00:00Z",
        dimensions=[
            region_dim(),
            KJONN,
            DimSpec("Alder", "alder", ages, elimination=True),
            DimSpec("ContentsCode", "statistikkvariabel", [("Personer1", "Personer")],
                    units={"Personer1": {"base": "personer", "decimals": 0}},
                    measuring_type={"Personer1": "Stock"}, refperiod={"Personer1": "01.01"}),
            TID,
        ],
        value=value,
        codelists={"vs_Kommun": kommune_values(2020)},
        snapshot_md="Values: a pseudo-population per kommune (Oslo, Bergen, Trondheim, Stavanger and "
                    "Bærum near their real size, the rest log-uniform 500–100 000) spread over a "
                    "plausible age pyramid. No cell is suppressed; `.` marks codes not valid that year.",
    )


# ============================================================================ 10826 bydeler
# Real Klass 103 bydel codes and names of the four cities SSB publishes by bydel. The populations
# are rough pseudo-sizes (right order of magnitude) used only to scale constructed values.
BYDELER: dict[str, tuple[str, str, int]] = {
    "030101": ("Gamle Oslo", "0301", 62_000), "030102": ("Grünerløkka", "0301", 64_000),
    "030103": ("Sagene", "0301", 46_000), "030104": ("St. Hanshaugen", "0301", 40_000),
    "030105": ("Frogner", "0301", 60_000), "030106": ("Ullern", "0301", 36_000),
    "030107": ("Vestre Aker", "0301", 52_000), "030108": ("Nordre Aker", "0301", 54_000),
    "030109": ("Bjerke", "0301", 35_000), "030110": ("Grorud", "0301", 28_000),
    "030111": ("Stovner", "0301", 34_000), "030112": ("Alna", "0301", 50_000),
    "030113": ("Østensjø", "0301", 52_000), "030114": ("Nordstrand", "0301", 53_000),
    "030115": ("Søndre Nordstrand", "0301", 39_000), "030116": ("Sentrum", "0301", 1_500),
    "030117": ("Marka", "0301", 1_700),
    "110301": ("Hundvåg", "1103", 17_000), "110302": ("Tasta", "1103", 17_000),
    "110303": ("Eiganes og Våland", "1103", 24_000), "110304": ("Madla", "1103", 21_000),
    "110305": ("Storhaug", "1103", 17_000), "110306": ("Hillevåg", "1103", 28_000),
    "110307": ("Hinna", "1103", 23_000), "110308": ("Finnøy", "1103", 3_300),
    "110309": ("Rennesøy", "1103", 4_900),
    "460101": ("Arna", "4601", 14_000), "460102": ("Bergenhus", "4601", 43_000),
    "460103": ("Fana", "4601", 42_000), "460104": ("Fyllingsdalen", "4601", 31_000),
    "460105": ("Laksevåg", "4601", 41_000), "460106": ("Ytrebygda", "4601", 30_000),
    "460107": ("Årstad", "4601", 40_000), "460108": ("Åsane", "4601", 45_000),
    "500101": ("Midtbyen", "5001", 50_000), "500102": ("Østbyen", "5001", 52_000),
    "500103": ("Lerkendal", "5001", 60_000), "500104": ("Heimdal", "5001", 50_000),
}
INNER_CITY = {"030101", "030102", "030103", "030104", "030105", "030116", "460102", "460107",
              "110303", "110305", "500101", "500103"}


def table_10826() -> TableSpec:
    ages = [(f"{a:03d}", f"{a} år") for a in range(105)] + [("105+", "105 år eller eldre")]

    def value(codes: dict[str, str]):
        bydel = codes["Region"]
        age = 105 if codes["Alder"] == "105+" else int(codes["Alder"])
        rng = rng_for("10826", *codes.values())
        share = (1.0 if age < 60 else max(0.02, 1.0 - (age - 60) / 40)) / 80
        if bydel in INNER_CITY and 22 <= age <= 38:
            share *= 2.2  # young adults crowd the inner-city bydeler
        elif bydel in INNER_CITY and age < 18:
            share *= 0.7
        return max(0, round(BYDELER[bydel][2] / 2 * share * rng.uniform(0.85, 1.15) * drift(int(codes["Tid"]))
                            )), None

    return TableSpec(
        source_id="ssb-10826",
        table="10826",
        label="10826: Alders- og kjønnsfordeling for befolkningen i bydeler (B) 2001 - 2026",
        updated="2026-02-20T07:00:00Z",
        dimensions=[
            DimSpec("Region", "region", [(c, name) for c, (name, _, _) in BYDELER.items()], elimination=True),
            KJONN,
            DimSpec("Alder", "alder", ages, elimination=True),
            DimSpec("ContentsCode", "statistikkvariabel", [("Personer1", "Personer")],
                    units={"Personer1": {"base": "personer", "decimals": 0}},
                    measuring_type={"Personer1": "Stock"}, refperiod={"Personer1": "01.01"}),
            tid(2016, 2026),
        ],
        value=value,
        geography="""real bydel codes and names (Klass 103) of Oslo (030101–030117), Stavanger
(110301–110309), Bergen (460101–460108) and Trondheim (500101–500104) — 38 bydeler""",
        snapshot_md="""What is real and what is not:
- Real: table id and title, the dimension codes `Region`/`Kjonn`/`Alder`/`ContentsCode`/`Tid`,
  single-year ages `000`–`104` + `105+` (as in 07459), `Kjonn` 1/2, the 38 bydel codes and names.
- Uncertain: `Personer1` as the contents code (07459's; assumed the same here). Stavanger's
  `110308` Finnøy and `110309` Rennesøy (added with the 2020 merger) are inferred, not checked.
- Not included: the real table also carries historical bydel codes (e.g. Bergen `1201xx` before
  2020) and city-total rows; `*` would fetch them live. Historical ones come back as `.` rows.
- Invented: every value. Pseudo-sizes per bydel of the right order of magnitude, an age pyramid
  with more young adults in inner-city bydeler. No cell is suppressed (SSB does not suppress
  population counts).""",
    )


# ============================================================================ 06913
def table_06913() -> TableSpec:
    codes = [
        ("Folkemengde", "Befolkning 1. januar", "personer", 0, "Stock", "01.01"),
        ("Levendefodte", "Levendefødte", "personer", 0, "Flow", "Kalenderåret"),
        ("Dode", "Døde", "personer", 0, "Flow", "Kalenderåret"),
        ("Fodselsoverskudd", "Fødselsoverskudd", "personer", 0, "Flow", "Kalenderåret"),
        ("Innflyttinger", "Innflytting (inkl. innvandring)", "personer", 0, "Flow", "Kalenderåret"),
        ("Utflyttinger", "Utflytting (inkl. utvandring)", "personer", 0, "Flow", "Kalenderåret"),
        ("Nettoinnflytting", "Nettoinnflytting", "personer", 0, "Flow", "Kalenderåret"),
        ("Folketilvekst", "Folketilvekst", "personer", 0, "Flow", "Kalenderåret"),
    ]

    def inner(c: dict[str, str], rng: random.Random):
        region, year = c["Region"], int(c["Tid"])
        r = rng_for("06913", region, year)  # one draw per kommune-year keeps the identities exact
        pop = round(kommune_size(region) * drift(year))
        small = kommune_size(region) < 5_000
        births = round(pop * r.uniform(0.007, 0.0125) * (0.85 if small else 1))
        deaths = round(pop * r.uniform(0.006, 0.010) * (1.3 if small else 1))
        inn = round(pop * r.uniform(0.04, 0.09))
        ut = round(inn * r.uniform(0.86, 1.10))
        parts = {"Folkemengde": pop, "Levendefodte": births, "Dode": deaths,
                 "Fodselsoverskudd": births - deaths, "Innflyttinger": inn, "Utflyttinger": ut,
                 "Nettoinnflytting": inn - ut, "Folketilvekst": births - deaths + inn - ut}
        return parts[c["ContentsCode"]], None

    def value(c: dict[str, str]):
        if not kommune_valid(c["Region"], int(c["Tid"])):
            return NOT_APPLICABLE
        return inner(c, None)

    return TableSpec(
        source_id="ssb-06913",
        table="06913",
        label="06913: Befolkning 1. januar og endringer i kalenderåret, etter region, statistikkvariabel og år (K)",
        updated="2026-02-20T07:00:00Z",
        dimensions=[region_dim(), contents(codes), tid(2015, 2025)],
        value=value,
        codelists={"vs_Kommun": kommune_values(2020)},
        snapshot_md="""What is real and what is not:
- Real: table id, the dimensions `Region`/`ContentsCode`/`Tid`, the eight measures the table
  publishes (population 1 January, live births, deaths, birth surplus, in- and out-migration,
  net migration, population growth) and their stock/flow nature.
- Constructed: the eight contents **codes** (`Folkemengde`, `Levendefodte`, … — named after a
  third-party description of the table, not checked against SSB's metadata) and all values.
- Values obey the table's identities exactly: Fødselsoverskudd = Levendefødte − Døde,
  Nettoinnflytting = Innflytting − Utflytting, Folketilvekst = Fødselsoverskudd +
  Nettoinnflytting (negative values occur). No suppression; `.` for codes not valid that year.""",
    )


# ============================================================================ low income (EU60)
LOW_INCOME_CODES = ["Personer", "EUskala50", "EUskala60", "OECDskala50", "OECDskala60"]


def _low_income_contents(population_label: str, who: str) -> DimSpec:
    return contents([
        ("Personer", population_label, "personer", 0, "Stock", "31.12"),
        ("EUskala50", f"{who} i husholdninger med inntekt under 50 prosent av median, EU-skala (prosent)",
         "prosent", 1, "Stock", "31.12"),
        ("EUskala60", f"{who} i husholdninger med inntekt under 60 prosent av median, EU-skala (prosent)",
         "prosent", 1, "Stock", "31.12"),
        ("OECDskala50", f"{who} i husholdninger med inntekt under 50 prosent av median, OECD-skala (prosent)",
         "prosent", 1, "Stock", "31.12"),
        ("OECDskala60", f"{who} i husholdninger med inntekt under 60 prosent av median, OECD-skala (prosent)",
         "prosent", 1, "Stock", "31.12"),
    ])


def _low_income_value(table: str, population_share: float, eu60_range: tuple[float, float],
                      suppress_below: int):
    def inner(c: dict[str, str], rng: random.Random):
        region, year = c["Region"], int(c["Tid"])
        persons = round(kommune_size(region) * population_share * drift(year) * rng_for(table, "p", region, year)
                        .uniform(0.97, 1.03))
        code = c["ContentsCode"]
        if code == "Personer":
            return persons, None
        if persons < suppress_below:
            return CONFIDENTIAL  # too few persons to publish a share
        eu60 = kommune_base(table, region, *eu60_range) * rng_for(table, "y", region, year).uniform(0.93, 1.07)
        if region == "0301":
            eu60 = max(eu60, eu60_range[1] * 0.9)
        factor = {"EUskala60": 1.0, "EUskala50": 0.55, "OECDskala60": 0.82, "OECDskala50": 0.42}[code]
        share = round(eu60 * factor * rng.uniform(0.95, 1.05), 1)
        if persons < suppress_below * 3 and rng.random() < 0.08:
            return CONFIDENTIAL
        return share, None

    return guarded(table, "Region", inner)


def table_08764() -> TableSpec:
    return TableSpec(
        source_id="ssb-08764",
        table="08764",
        label="08764: Personer under 18 år i husholdninger med lavinntekt (EU- og OECD-skala). "
              "Antall og prosent (K) (B) 2005 - 2024",
        updated="2025-12-18T07:00:00Z",
        dimensions=[region_dim(), _low_income_contents("Personer under 18 år (antall)", "Personer under 18 år"),
                    tid(2015, 2024)],
        value=_low_income_value("08764", 0.21, (4.0, 22.0), 100),
        codelists={"vs_Kommun": kommune_values(2020)},
        snapshot_md="""What is real and what is not:
- Real: table id and title, `Region`/`ContentsCode`/`Tid`, and the five contents codes
  `Personer`, `EUskala50`, `EUskala60`, `OECDskala50`, `OECDskala60` as a third-party catalogue of
  the live table lists them (not verified against SSB's metadata by us).
- Constructed: labels and all values. `Personer` is the number of persons under 18 (about 21 %
  of a pseudo-population); the shares are percentages (one decimal) around a stable per-kommune
  level (EU-60 4–22 %, Oslo near the top), with the EU-50/OECD variants proportionally lower.
- Suppression: `:` for every share in kommuner with fewer than 100 children, and now and then
  (8 %) where there are fewer than 300; `..` rarely; `.` for codes not valid that year.""",
    )


def table_06947() -> TableSpec:
    return TableSpec(
        source_id="ssb-06947",
        table="06947",
        label="06947: Personer i husholdninger med lavinntekt (EU- og OECD-skala). "
              "Antall og prosent (K) (B) 2005 - 2024",
        updated="2025-12-18T07:00:00Z",
        dimensions=[region_dim(), _low_income_contents("Personer i privathusholdninger (antall)", "Personer"),
                    tid(2015, 2024)],
        value=_low_income_value("06947", 0.97, (6.0, 17.0), 500),
        codelists={"vs_Kommun": kommune_values(2020)},
        snapshot_md="""What is real and what is not:
- Real: table id and title, `Region`/`ContentsCode`/`Tid`, the contents codes `Personer`,
  `EUskala50`, `EUskala60`, `OECDskala50`, `OECDskala60` (the same vocabulary as 08764, per a
  third-party catalogue of the live table; not verified by us).
- Constructed: labels and all values. `Personer` counts persons in private households (about
  97 % of a pseudo-population); EU-60 shares sit around a stable per-kommune level of 6–17 %.
- Suppression: `:` for shares where fewer than 500 persons (every small kommune), now and then
  below 1 500; `..` rarely; `.` for codes not valid that year.""",
    )


# ============================================================================ 12944 persistent
def table_12944() -> TableSpec:
    ages = [("999A", "Alle aldre"), ("00-17", "0-17 år"), ("18-34", "18-34 år"), ("35-49", "35-49 år"),
            ("50-66", "50-66 år"), ("067+", "67 år eller eldre")]
    age_share = {"999A": 1.0, "00-17": 0.21, "18-34": 0.22, "35-49": 0.20, "50-66": 0.20, "067+": 0.17}
    age_risk = {"999A": 1.0, "00-17": 1.15, "18-34": 1.35, "35-49": 0.85, "50-66": 0.7, "067+": 0.8}

    def inner(c: dict[str, str], rng: random.Random):
        region, period, age = c["Region"], c["Tid"], c["Alder"]
        end = year_of(period)
        persons = kommune_size(region) * age_share[age] * drift(end)
        share = kommune_base("12944", region, 5.0, 13.0) * age_risk[age] \
            * rng_for("12944", "y", region, age, period).uniform(0.94, 1.06)
        count = round(persons * share / 100)
        if count < 10:
            return CONFIDENTIAL
        if c["ContentsCode"] == "PersonerSeksti":
            return count, None
        return round(share, 1), None

    return TableSpec(
        source_id="ssb-12944",
        table="12944",
        label="12944: Personer i husholdninger med vedvarende lavinntekt (EU-skala 60 prosent), etter alder. "
              "Treårsperiode (K) (B) (2011-2013) - (2022-2024)",
        updated="2025-12-18T07:00:00Z",
        dimensions=[
            region_dim(),
            DimSpec("Alder", "alder", ages, elimination=True),
            contents([
                ("PersonerSeksti", "Personer i husholdninger med vedvarende lavinntekt (antall)", "personer", 0,
                 "Stock", "31.12 siste år i perioden"),
                ("EUskalaSeksti", "Personer i husholdninger med vedvarende lavinntekt (prosent)", "prosent", 1,
                 "Stock", "31.12 siste år i perioden"),
            ]),
            windows(2011, 2022, 3, "treårsperiode"),
        ],
        value=guarded("12944", "Region", inner),
        codelists={"vs_Kommun": kommune_values(2020)},
        snapshot_md="""What is real and what is not:
- Real: table id and title; `Tid` holds three-year periods coded `2011-2013` … `2022-2024` (so the
  manifest's `period_grain` is P3Y and period ids stay `2022-2024`); `Alder` codes `999A`, `00-17`,
  `18-34`, `35-49`, `50-66`, `067+`; contents codes `PersonerSeksti` (count) and `EUskalaSeksti`
  (share) — per a third-party catalogue of the live table, not verified by us.
- Constructed: labels and all values (a per-kommune level of 5–13 %, higher for children and
  young adults, lower for 50–66).
- Suppression: `:` for both measures where the count would be below 10; `..` rarely; `.` for
  kommune codes not valid in the period's last year.""",
    )


# ============================================================================ 06944 income
def table_06944() -> TableSpec:
    types = [("0000", "Alle husholdninger"), ("0001", "Aleneboende"), ("0002", "Par uten hjemmeboende barn"),
             ("0003", "Par med barn 0-17 år"), ("0004", "Enslig mor eller far med barn 0-17 år")]
    type_share = {"0000": 1.0, "0001": 0.40, "0002": 0.25, "0003": 0.20, "0004": 0.05}
    after_tax = {"0000": 590_000, "0001": 345_000, "0002": 790_000, "0003": 1_080_000, "0004": 520_000}

    def inner(c: dict[str, str], rng: random.Random):
        region, year, ht = c["Region"], int(c["Tid"]), c["HusholdType"]
        households = round(kommune_size(region) / 2.15 * type_share[ht] * rng_for("06944", "n", region, ht, year)
                           .uniform(0.92, 1.08))
        code = c["ContentsCode"]
        if code == "AntallHushold":
            return households, None
        if households < 20:
            return CONFIDENTIAL  # too few households for a median
        level = kommune_base("06944", region, 0.85, 1.18) * (1 + 0.035 * (year - 2024))
        median = after_tax[ht] * level * rng_for("06944", "m", region, ht, year).uniform(0.97, 1.03)
        if code == "SamletInntekt":
            median *= rng_for("06944", "gross", region, ht).uniform(1.26, 1.34)
        return int(round(median, -2)), None

    return TableSpec(
        source_id="ssb-06944",
        table="06944",
        label="06944: Inntekt for husholdninger, etter husholdningstype. Antall og median (K) (B) 2005 - 2024",
        updated="2025-12-18T07:00:00Z",
        dimensions=[
            region_dim(),
            DimSpec("HusholdType", "husholdningstype", types, elimination=True),
            contents([
                ("AntallHushold", "Husholdninger (antall)", "antall", 0, "Stock", "31.12"),
                ("SamletInntekt", "Samlet inntekt, median (kr)", "kr", 0, "Flow", "Inntektsåret"),
                ("InntSkatt", "Inntekt etter skatt, median (kr)", "kr", 0, "Flow", "Inntektsåret"),
            ]),
            tid(2015, 2024),
        ],
        value=guarded("06944", "Region", inner),
        codelists={"vs_Kommun": kommune_values(2020)},
        snapshot_md="""What is real and what is not:
- Real: table id and title; dimension `HusholdType` with codes `0000`–`0004`; contents codes
  `AntallHushold`, `SamletInntekt`, `InntSkatt` (per a third-party catalogue of the live table,
  not verified by us).
- Constructed: the household-type **labels** (our best understanding of 0001–0004, unverified),
  the contents labels, and all values: medians after tax around 345 000 (aleneboende) to
  1 080 000 kr (par med barn), scaled by a per-kommune level and ~3.5 % a year, rounded to 100 kr.
- Suppression: `:` for medians where fewer than 20 households of the type; `..` rarely; `.` for
  codes not valid that year.""",
    )


# ============================================================================ 06083 families
def table_06083() -> TableSpec:
    types = [("00", "Alle familier"), ("01", "Ektepar uten barn"), ("02", "Ektepar med barn 0-17 år"),
             ("03", "Ektepar med eldste barn 18 år og over"), ("04", "Samboerpar uten barn"),
             ("05", "Samboerpar med barn 0-17 år"), ("06", "Samboerpar med eldste barn 18 år og over"),
             ("07", "Mor med barn 0-17 år"), ("08", "Far med barn 0-17 år")]
    share = {"01": 0.26, "02": 0.17, "03": 0.07, "04": 0.10, "05": 0.09, "06": 0.02, "07": 0.07, "08": 0.02}

    def inner(c: dict[str, str], rng: random.Random):
        region, year, ft = c["Region"], int(c["Tid"]), c["FamilieType"]
        families = kommune_size(region) * 0.55 * drift(year)
        if ft == "00":
            return round(families * rng_for("06083", "tot", region, year).uniform(0.99, 1.01)), None
        return round(families * share[ft] * rng.uniform(0.85, 1.15)), None

    return TableSpec(
        source_id="ssb-06083",
        table="06083",
        label="06083: Familier, etter familietype (K) (B) 2005 - 2025",
        updated="2025-06-19T06:00:00Z",
        dimensions=[
            region_dim(),
            DimSpec("FamilieType", "familietype", types, elimination=True),
            contents([("Familier", "Familier", "familier", 0, "Stock", "01.01")]),
            tid(2015, 2025),
        ],
        value=guarded("06083", "Region", inner),
        codelists={"vs_Kommun": kommune_values(2020)},
        snapshot_md="""What is real and what is not:
- Real: table id and title, the dimension names `FamilieType` and `ContentsCode`, a family
  count per type (a third-party catalogue reports nine family types and one contents code).
- Constructed: the nine `FamilieType` **codes** `00`–`08` and their labels (a plausible split —
  couples married/cohabiting with and without children, single mothers and fathers — not SSB's
  list), the contents code `Familier`, and all values. Types 01–08 do not add up to 00 (as in the
  real table, some family types are left out).
- No suppression; `..` rarely; `.` for codes not valid that year.""",
    )


# ============================================================================ 09429 education
def table_09429() -> TableSpec:
    levels = [("01", "Grunnskolenivå"), ("02a", "Videregående skolenivå"), ("11", "Fagskolenivå"),
              ("03a", "Universitets- og høgskolenivå, kort"), ("04a", "Universitets- og høgskolenivå, lang"),
              ("09a", "Uoppgitt eller ingen fullført utdanning")]

    def shares(region: str, sex: str, year: int) -> dict[str, float]:
        r = rng_for("09429", "mix", region, sex, year)
        urban = min(1.0, kommune_size(region) / 150_000)
        raw = {"01": r.uniform(18, 30) * (1 - 0.35 * urban), "02a": r.uniform(33, 42) * (1 - 0.25 * urban),
               "11": r.uniform(2, 4), "03a": r.uniform(18, 26) * (1 + 0.3 * urban) * (1.2 if sex == "2" else 1),
               "04a": r.uniform(4, 8) * (1 + 2.2 * urban), "09a": r.uniform(1.5, 4)}
        total = sum(raw.values())
        return {k: v * 100 / total for k, v in raw.items()}

    def inner(c: dict[str, str], rng: random.Random):
        region, year, sex, level = c["Region"], int(c["Tid"]), c["Kjonn"], c["Nivaa"]
        share = shares(region, sex, year)[level]
        if c["ContentsCode"] == "PersonerProsent":
            return round(share, 1), None
        return round(kommune_size(region) * 0.41 * drift(year) * share / 100), None

    return TableSpec(
        source_id="ssb-09429",
        table="09429",
        label="09429: Utdanningsnivå, etter kommune og kjønn (K) 1970 - 2024",
        updated="2025-06-20T06:00:00Z",
        dimensions=[
            region_dim(),
            DimSpec("Nivaa", "nivå", levels, elimination=True),
            KJONN,
            contents([("Personer", "Personer", "personer", 0, "Stock", "01.10"),
                      ("PersonerProsent", "Personer (prosent)", "prosent", 1, "Stock", "01.10")]),
            tid(2015, 2024),
        ],
        value=guarded("09429", "Region", inner),
        codelists={"vs_Kommun": kommune_values(2020)},
        snapshot_md="""What is real and what is not:
- Real: table id and title; dimensions `Nivaa`, `Kjonn` (1/2), `ContentsCode`; persons 16 years
  and older at 1 October; a count and a percentage per level.
- Best recollection, unverified: the `Nivaa` codes `01`, `02a`, `11`, `03a`, `04a`, `09a` and the
  contents codes `Personer` / `PersonerProsent` (a third-party catalogue reports seven levels and
  three `Kjonn` codes; check against the live metadata when recording).
- Constructed: all values. Shares per kommune and sex add up to 100 %; more long higher education
  in big kommuner. No suppression; `..` rarely; `.` for codes not valid that year.""",
    )


# ============================================================================ KOSTRA tables
def _kostra_spec(source_id: str, table: str, label: str, updated: str, codes, years: tuple[int, int],
                 inner, snapshot_md: str) -> TableSpec:
    return TableSpec(
        source_id=source_id, table=table, label=label, updated=updated,
        dimensions=[kostra_region_dim(), contents(codes), tid(*years)],
        value=guarded(table, KOSTRA_REGION, inner),
        codelists={KOSTRA_CODELIST: kommune_values(2020)},
        geography=KOSTRA_GEOGRAPHY,
        snapshot_md=snapshot_md,
    )


def table_12292() -> TableSpec:
    bands = [("0066", "0-66 år", 0.0045), ("6779", "67-79 år", 0.012), ("8089", "80-89 år", 0.018),
             ("90pl", "90 år og over", 0.008)]
    codes = [("KOSbrukhjem0000", "Brukere av hjemmetjenester i alt (antall)", "personer", 0, "Stock", "31.12")]
    codes += [(f"KOSbrukhjem{b}", f"Brukere av hjemmetjenester {lab} (antall)", "personer", 0, "Stock", "31.12")
              for b, lab, _ in bands]
    codes += [("KOSbeboinst0000", "Beboere i institusjon i alt (antall)", "personer", 0, "Stock", "31.12")]
    codes += [(f"KOSbeboinst{b}", f"Beboere i institusjon {lab} (antall)", "personer", 0, "Stock", "31.12")
              for b, lab, _ in bands]
    codes += [("KOSomfbist0000", "Brukere med omfattende bistandsbehov (antall)", "personer", 0, "Stock", "31.12"),
              ("KOSplassinst0000", "Plasser i institusjon (antall)", "plasser", 0, "Stock", "31.12")]
    rate = {b: r for b, _, r in bands}

    def inner(c: dict[str, str], rng: random.Random):
        region, year, code = c[KOSTRA_REGION], int(c["Tid"]), c["ContentsCode"]
        size = kommune_size(region) * drift(year)
        old = 1.35 if kommune_size(region) < 5_000 else 1.0  # older populations in small kommuner

        def home(b: str) -> float:
            return size * rate[b] * 2.6 * old * rng_for("12292", "h", region, b, year).uniform(0.8, 1.2)

        def inst(b: str) -> float:
            return size * rate[b] * (0.05 if b == "0066" else 0.45) * old \
                * rng_for("12292", "i", region, b, year).uniform(0.75, 1.25)

        if code == "KOSbrukhjem0000":
            return round(sum(home(b) for b in rate)), None
        if code == "KOSbeboinst0000":
            return round(sum(inst(b) for b in rate)), None
        if code.startswith("KOSbrukhjem"):
            return round(home(code[-4:])), None
        if code.startswith("KOSbeboinst"):
            return round(inst(code[-4:])), None
        if code == "KOSomfbist0000":
            return round(sum(home(b) for b in rate) * rng.uniform(0.12, 0.2)), None
        return round(sum(inst(b) for b in rate) * rng.uniform(1.0, 1.12)), None

    return _kostra_spec(
        "ssb-12292", "12292", "12292: Omsorgstjenester - supplerende grunnlagstall (K) 2015 - 2024",
        "2025-06-16T06:00:00Z", codes, (2015, 2024), inner,
        """What is real and what is not:
- Real: table id and title (KOSTRA pleie og omsorg, supplementary base figures), the KOSTRA
  geography dimension name, `ContentsCode` and `Tid`; the table's measures include home-care
  users and nursing-home residents by age group (the live table has ~49 contents codes).
- Constructed: the twelve contents **codes** (`KOSbrukhjem…`, `KOSbeboinst…`, `KOSomfbist0000`,
  `KOSplassinst0000` — KOSTRA-style names, not SSB's), their labels, and all values (age-band
  rates × a pseudo-population, older profiles in small kommuner; totals are the sum of the bands).
- No `:`; `..` rarely (a kommune that did not report); `.` for codes not valid that year.""",
    )


def table_12063() -> TableSpec:
    codes = [
        ("KOSfritidsenter0000", "Kommunale fritidssenter (antall)", "antall", 0, "Stock", "31.12"),
        ("KOSfritidtimer0000", "Åpningstimer per uke i kommunale fritidssenter", "timer", 0, "Stock", "31.12"),
        ("KOSfrivlag0000", "Frivillige barne- og ungdomsforeninger som får kommunalt tilskudd (antall)",
         "antall", 0, "Stock", "31.12"),
        ("KOStilskuddlag0000", "Tilskudd/overføringer til frivillige barne- og ungdomsforeninger per lag "
         "som mottar tilskudd (kr)", "kr", 0, "Flow", "Regnskapsåret"),
        ("KOStilskuddsum0000", "Tilskudd/overføringer til frivillige barne- og ungdomsforeninger i alt (1000 kr)",
         "1000 kr", 0, "Flow", "Regnskapsåret"),
        ("KOSfrivorg0000", "Frivillige organisasjoner som får kommunalt tilskudd i alt (antall)", "antall", 0,
         "Stock", "31.12"),
    ]

    def inner(c: dict[str, str], rng: random.Random):
        region, year, code = c[KOSTRA_REGION], int(c["Tid"]), c["ContentsCode"]
        size = kommune_size(region)
        r = rng_for("12063", region, year)
        if r.random() < 0.03:
            return MISSING  # this kommune did not report the leisure form this year
        centres = max(0, round(size / 9_000 * r.uniform(0.4, 1.6)))
        lag = max(0, round(3 + size / 900 * r.uniform(0.6, 1.4)))
        per_lag = int(round(r.uniform(4_000, 28_000), -2)) if lag else 0
        values = {"KOSfritidsenter0000": centres, "KOSfritidtimer0000": round(centres * r.uniform(12, 30)),
                  "KOSfrivlag0000": lag, "KOStilskuddlag0000": per_lag,
                  "KOStilskuddsum0000": round(lag * per_lag / 1000),
                  "KOSfrivorg0000": round(lag * r.uniform(1.6, 2.6))}
        return values[code], None

    return _kostra_spec(
        "ssb-12063", "12063", "12063: Kommunale fritidstilbud (K) 2015 - 2024", "2025-06-16T06:00:00Z",
        codes, (2015, 2024), inner,
        """What is real and what is not:
- Real: table id and title (KOSTRA, kommunale fritidstilbud), the KOSTRA geography dimension
  name, `ContentsCode`, `Tid`; what the table measures (municipal youth/leisure centres and the
  voluntary children's and youth associations that receive municipal grants, grant per
  association; the live table has ~15 contents codes).
- Constructed: the six contents **codes** and labels (KOSTRA-style names, not SSB's) and all
  values (counts scale with a pseudo-population; the grant sum is count × grant per association).
- Suppression: `..` for about 3 % of kommune-years (all measures: not reported), `.` for codes not
  valid that year. No `:`.""",
    )


def table_13995() -> TableSpec:
    durations = [
        ("KOSsosgjantmnd0000", "Gjennomsnittlig stønadstid, alle mottakere (måneder)", 1.0),
        ("KOSgjsnitt18240000", "Gjennomsnittlig stønadstid, mottakere 18-24 år (måneder)", 0.85),
        ("KOSgj25290000", "Gjennomsnittlig stønadstid, mottakere 25-29 år (måneder)", 0.95),
        ("KOSgj30390000", "Gjennomsnittlig stønadstid, mottakere 30-39 år (måneder)", 1.02),
        ("KOSgj40490000", "Gjennomsnittlig stønadstid, mottakere 40-49 år (måneder)", 1.08),
        ("KOSgj50670000", "Gjennomsnittlig stønadstid, mottakere 50-66 år (måneder)", 1.1),
        ("KOSgjsnittvklo0000", "Gjennomsnittlig stønadstid, mottakere med sosialhjelp som viktigste "
                               "kilde til livsopphold (måneder)", 1.55),
    ]
    band_share = {"KOSgjsnitt18240000": 0.2, "KOSgj25290000": 0.14, "KOSgj30390000": 0.24,
                  "KOSgj40490000": 0.2, "KOSgj50670000": 0.22, "KOSgjsnittvklo0000": 0.35,
                  "KOSsosgjantmnd0000": 1.0}
    codes = [
        ("KOSsosmottakere0000", "Sosialhjelpsmottakere (antall)", "personer", 0, "Flow", "Kalenderåret"),
        ("KOSsosmottbarn0000", "Sosialhjelpsmottakere som forsørger barn under 18 år (antall)", "personer", 0,
         "Flow", "Kalenderåret"),
        ("KOSsosandel18660000", "Sosialhjelpsmottakere 18-66 år, i prosent av innbyggerne 18-66 år", "prosent",
         1, "Average", "Kalenderåret"),
        ("KOSsostilfeller0000", "Sosialhjelpstilfeller (antall)", "antall", 0, "Flow", "Kalenderåret"),
        ("KOSsosutbetalt0000", "Utbetalt økonomisk sosialhjelp i alt (1000 kr)", "1000 kr", 0, "Flow",
         "Kalenderåret"),
        ("KOSsosutbmott0000", "Gjennomsnittlig utbetalt stønad per mottaker (kr)", "kr", 0, "Average",
         "Kalenderåret"),
        ("KOSsoshovedinnt0000", "Mottakere med sosialhjelp som viktigste kilde til livsopphold (antall)",
         "personer", 0, "Flow", "Kalenderåret"),
    ] + [(c, lab, "måneder", 1, "Average", "Kalenderåret") for c, lab, _ in durations]
    factor = {c: f for c, _, f in durations}

    def inner(c: dict[str, str], rng: random.Random):
        region, year, code = c[KOSTRA_REGION], int(c["Tid"]), c["ContentsCode"]
        size = kommune_size(region) * drift(year)
        r = rng_for("13995", region, year)
        rate = kommune_base("13995", region, 1.6, 5.2) * (1.25 if region == "0301" else 1)
        adults = size * 0.64
        recipients = round(adults * rate / 100 * r.uniform(0.95, 1.05))
        if recipients < 5:
            return CONFIDENTIAL  # the whole kommune-year is too small to publish
        if code == "KOSsosmottakere0000":
            return recipients, None
        if code == "KOSsosandel18660000":
            return round(recipients / adults * 100, 1), None
        if code == "KOSsostilfeller0000":
            return round(recipients * r.uniform(1.01, 1.06)), None
        per = r.uniform(38_000, 62_000)
        if code == "KOSsosutbmott0000":
            return int(round(per, -2)), None
        if code == "KOSsosutbetalt0000":
            return round(recipients * per / 1000), None
        if code in ("KOSsosmottbarn0000", "KOSsoshovedinnt0000"):
            n = round(recipients * (0.27 if code == "KOSsosmottbarn0000" else 0.33) * rng.uniform(0.85, 1.15))
            return (CONFIDENTIAL if n < 5 else (n, None))
        # stønadstid: suppressed where the age band holds too few recipients
        if recipients * band_share[code] < 5:
            return CONFIDENTIAL
        months = kommune_base("13995", "mnd:" + region, 3.6, 6.2) * factor[code] * rng.uniform(0.93, 1.07)
        return round(min(months, 12.0), 1), None

    return _kostra_spec(
        "ssb-13995", "13995", "13995: Sosialhjelpstilfeller, utbetalt beløp og stønadstid (K) 2022 - 2025",
        "2026-03-16T07:00:00Z", codes, (2022, 2025), inner,
        """What is real and what is not:
- Real: table id and title; the KOSTRA geography dimension name; `Tid` 2022–2025; the seven
  stønadstid contents codes `KOSsosgjantmnd0000` (all recipients), `KOSgjsnitt18240000`
  (18–24), `KOSgj25290000` (25–29), `KOSgj30390000` (30–39), `KOSgj40490000` (40–49),
  `KOSgj50670000` (the oldest band; we label it 50–66, the code reads 50–67 — unverified) and
  `KOSgjsnittvklo0000` (recipients with social assistance as their main income — as a public
  investigation of the live table describes it). The live table has ~34 contents codes.
- Constructed: the other seven contents codes (recipients, recipients supporting children,
  share of 18–66, cases, amount paid, amount per recipient, main-income recipients — KOSTRA-style
  names, not SSB's), all labels, and all values (a per-kommune rate of 1.6–5.2 % of adults, Oslo
  higher; 38–62 000 kr per recipient; durations of 3–10 months, capped at 12).
- Suppression: `:` for every measure of a kommune-year with fewer than 5 recipients, for counts
  below 5, and for a duration whose age band would hold fewer than 5 recipients; `..` rarely;
  `.` for codes not valid that year.""",
    )


def table_12131() -> TableSpec:
    codes = [
        ("KOSsatsenslig0000", "Stønadssats per måned, enslig (kr)", "kr", 0, "Stock", "31.12"),
        ("KOSsatsektepar0000", "Stønadssats per måned, ektepar/samboere (kr)", "kr", 0, "Stock", "31.12"),
        ("KOSsatsbofelles0000", "Stønadssats per måned, person i bofellesskap (kr)", "kr", 0, "Stock", "31.12"),
        ("KOSsatsbarn00050000", "Stønadssats per måned, barn 0-5 år (kr)", "kr", 0, "Stock", "31.12"),
        ("KOSsatsbarn06100000", "Stønadssats per måned, barn 6-10 år (kr)", "kr", 0, "Stock", "31.12"),
        ("KOSsatsbarn11170000", "Stønadssats per måned, barn 11-17 år (kr)", "kr", 0, "Stock", "31.12"),
        ("KOSsatsstatlig0000", "Kommunen følger statlige veiledende satser (1 = ja, 0 = nei)", "kode", 0,
         "Other", "31.12"),
        ("KOSsatsvedtakmnd0000", "Vedtakstidspunkt for gjeldende satser (måned, 1-12)", "måned", 0, "Other",
         "31.12"),
    ]
    guide = {"KOSsatsenslig0000": 7_250, "KOSsatsektepar0000": 12_050, "KOSsatsbofelles0000": 6_050,
             "KOSsatsbarn00050000": 2_950, "KOSsatsbarn06100000": 3_850, "KOSsatsbarn11170000": 4_950}

    def inner(c: dict[str, str], rng: random.Random):
        region, year, code = c[KOSTRA_REGION], int(c["Tid"]), c["ContentsCode"]
        r = rng_for("12131", region, year)
        if r.random() < 0.04:
            return MISSING  # the kommune did not report its rates this year
        follows = random.Random(f"12131:follows:{region}").random() < 0.7
        if code == "KOSsatsstatlig0000":
            return int(follows), None
        if code == "KOSsatsvedtakmnd0000":
            return r.choice([1, 1, 1, 2, 6, 12]), None
        level = 1.0 if follows else random.Random(f"12131:own:{region}").uniform(0.9, 1.15)
        return int(round(guide[code] * level * (1 + 0.04 * (year - 2024)), -1)), None

    return _kostra_spec(
        "ssb-12131", "12131", "12131: Stønadssatser for sosialhjelp og vedtakstidspunkt (K) 2015 - 2025",
        "2026-03-16T07:00:00Z", codes, (2015, 2025), inner,
        """What is real and what is not:
- Real: table id and title (KOSTRA; the monthly social-assistance rates each kommune sets, and
  when they were decided), the KOSTRA geography dimension name, `ContentsCode`, `Tid`.
- Constructed: the eight contents **codes** and labels (KOSTRA-style names, not SSB's) and all
  values: 70 % of kommuner follow a guideline level (enslig ~7 250 kr/month in 2024, ±4 % a
  year), the rest set their own 0.9–1.15 × that; a 1/0 flag; a decision month.
- Suppression: `..` for about 4 % of kommune-years (not reported), `.` for codes not valid that
  year. No `:` (rates are not about persons).""",
    )


def table_12132() -> TableSpec:
    codes = [
        ("KOSbarnetrygdinnt0000", "Barnetrygd regnes som inntekt (1 = ja, 0 = nei)", 0.45),
        ("KOSbarnsinnt0000", "Barns egne inntekter regnes som inntekt (1 = ja, 0 = nei)", 0.35),
        ("KOSkontantstotte0000", "Kontantstøtte regnes som inntekt (1 = ja, 0 = nei)", 0.55),
        ("KOSinklstrom0000", "Strøm inngår i stønadssatsen (1 = ja, 0 = nei)", 0.25),
        ("KOSinkltransport0000", "Transport inngår i stønadssatsen (1 = ja, 0 = nei)", 0.8),
        ("KOSinkltelefon0000", "Telefon og internett inngår i stønadssatsen (1 = ja, 0 = nei)", 0.75),
        ("KOSinklfritid0000", "Fritidsaktiviteter for barn inngår i stønadssatsen (1 = ja, 0 = nei)", 0.4),
        ("KOSinklbarnehage0000", "Barnehageutgifter inngår i stønadssatsen (1 = ja, 0 = nei)", 0.1),
    ]
    p_yes = {c: p for c, _, p in codes}

    def inner(c: dict[str, str], rng: random.Random):
        region, year, code = c[KOSTRA_REGION], int(c["Tid"]), c["ContentsCode"]
        if rng_for("12132", region, year).random() < 0.04:
            return MISSING
        # kommuner rarely change their rules: the answer is stable per kommune, flips after 2023 for a few
        answer = random.Random(f"12132:{region}:{code}").random() < p_yes[code]
        if year >= 2024 and random.Random(f"12132:flip:{region}:{code}").random() < 0.05:
            answer = not answer
        return int(answer), None

    return _kostra_spec(
        "ssb-12132", "12132", "12132: Utgifter som inngår i stønadssatsene for økonomisk sosialhjelp (K) 2015 - 2025",
        "2026-03-16T07:00:00Z", [(c, lab, "kode", 0, "Other", "31.12") for c, lab, _ in codes], (2015, 2025),
        inner,
        """What is real and what is not:
- Real: table id and title (KOSTRA; per kommune, which expenses the social-assistance rates
  cover and whether child benefit, children's own income and cash-for-care count as income),
  the KOSTRA geography dimension name, `ContentsCode`, `Tid`; yes/no answers.
- Constructed: the eight contents **codes** and labels (KOSTRA-style names, not SSB's) and all
  values (1 = ja, 0 = nei, stable per kommune with a few changes from 2024).
- Suppression: `..` for about 4 % of kommune-years (not reported), `.` for codes not valid that
  year.""",
    )


# ============================================================================ crime (JUST)
OFFENCE_GROUPS = [
    ("ALLE", "Alle lovbruddsgrupper", 1.0), ("EIENDOM", "Eiendomstyveri", 0.27),
    ("VINNING", "Annen vinningskriminalitet", 0.09), ("VOLD", "Vold og mishandling", 0.12),
    ("SEKSUAL", "Seksuallovbrudd", 0.03), ("RUS", "Rusmiddellovbrudd", 0.1),
    ("SKADEVERK", "Skadeverk", 0.06), ("MILJO", "Miljø- og arbeidsmiljølovbrudd", 0.01),
    ("ORDEN", "Ordensforstyrrelser og integritetskrenkelser", 0.1), ("TRAFIKK", "Trafikklovbrudd", 0.16),
    ("ANNEN", "Annen lovbrudd", 0.06),
]
POPULATION_NORWAY = 5_550_000
CRIME_CODES_MD = """- Constructed codes: `LovbruddKrim` is the real dimension name, but its values here are readable
  placeholders (`ALLE`, `EIENDOM`, `VOLD`, …) for SSB's offence groups (SSB's own codes follow its
  Klass offence classification and were not available offline); the group labels are SSB's
  published group names as best known."""


def table_08484() -> TableSpec:
    share = {c: s for c, _, s in OFFENCE_GROUPS}

    def value(c: dict[str, str]):
        year, group = int(c["Tid"]), c["LovbruddKrim"]
        rng = rng_for("08484", group, year)
        total = 320_000 * (1 + 0.012 * (year - 2019)) * rng_for("08484", "tot", year).uniform(0.97, 1.03)
        count = round(total * share[group] * (1 if group == "ALLE" else rng.uniform(0.9, 1.1)))
        if c["ContentsCode"] == "Anmeldte":
            return count, None
        return round(count / POPULATION_NORWAY * 1000, 1), None

    return TableSpec(
        source_id="ssb-08484",
        table="08484",
        label="08484: Anmeldte lovbrudd, etter lovbruddsgruppe, statistikkvariabel og år",
        updated="2025-06-12T06:00:00Z",
        dimensions=[
            DimSpec("LovbruddKrim", "lovbruddsgruppe", [(c, lab) for c, lab, _ in OFFENCE_GROUPS]),
            contents([("Anmeldte", "Anmeldte lovbrudd (antall)", "lovbrudd", 0, "Flow", "Kalenderåret"),
                      ("AnmeldtePer1000", "Anmeldte lovbrudd per 1 000 innbyggere", "per 1 000", 1, "Flow",
                       "Kalenderåret")]),
            tid(2015, 2024),
        ],
        value=value,
        geography=NATIONAL_GEOGRAPHY,
        snapshot_md=f"""What is real and what is not:
- Real: table id; a national table of offences reported to the police by offence group, with
  dimensions `LovbruddKrim`, `ContentsCode`, `Tid` (a third-party description of the live table
  names exactly these three — no region).
{CRIME_CODES_MD}
- Constructed: contents codes `Anmeldte` / `AnmeldtePer1000`, the title wording, and all values
  (about 320 000 offences a year split by group, per 1 000 of 5.55 million).
- No suppression: national figures are not small-cell suppressed.""",
    )


def table_08487() -> TableSpec:
    groups = [("ALLE", "Alle lovbruddsgrupper", 1.0), ("EIENDOM", "Eiendomstyveri", 0.28),
              ("VOLD", "Vold og mishandling", 0.12), ("RUS", "Rusmiddellovbrudd", 0.11),
              ("ORDEN", "Ordensforstyrrelser og integritetskrenkelser", 0.10),
              ("TRAFIKK", "Trafikklovbrudd", 0.16),
              ("ANNEN", "Andre lovbrudd (inkl. annen vinning, skadeverk og seksuallovbrudd)", 0.23)]
    share = {c: s for c, _, s in groups}
    fylker_2020 = {"03": "Oslo", "11": "Rogaland", "15": "Møre og Romsdal", "18": "Nordland", "30": "Viken",
                   "34": "Innlandet", "38": "Vestfold og Telemark", "42": "Agder", "46": "Vestland",
                   "50": "Trøndelag", "54": "Troms og Finnmark"}
    fylker_2024 = {"03": "Oslo", "11": "Rogaland", "15": "Møre og Romsdal", "18": "Nordland", "31": "Østfold",
                   "32": "Akershus", "33": "Buskerud", "34": "Innlandet", "39": "Vestfold", "40": "Telemark",
                   "42": "Agder", "46": "Vestland", "50": "Trøndelag", "55": "Troms", "56": "Finnmark"}
    fylker = []
    for code in sorted(set(fylker_2020) | set(fylker_2024)):
        name = fylker_2024.get(code) or fylker_2020[code]
        label = name if code in fylker_2024 else f"{name} (2020-2023)"
        if code in fylker_2024 and code not in fylker_2020:
            label = f"{name} (2024-)"
        fylker.append((code, label))
    regions = [("0", "Hele landet")] + fylker + kommune_values(2020)
    counties = {c: (c in fylker_2020, c in fylker_2024) for c, _ in fylker}

    def size_of(region: str, end: int) -> float:
        if region == "0":
            return POPULATION_NORWAY
        if len(region) == 2:
            return sum(kommune_size(k) for k, _ in kommune_values(2020)
                       if k.startswith(region) and kommune_valid(k, end))
        return kommune_size(region)

    def valid(region: str, end: int) -> bool:
        if region == "0":
            return True
        if len(region) == 2:
            in_2020, in_2024 = counties[region]
            return in_2024 if end >= 2024 else in_2020
        return kommune_valid(region, end)

    def value(c: dict[str, str]):
        region, window, group = c["Gjerningssted"], c["Tid"], c["LovbruddKrim"]
        end = year_of(window)
        if not valid(region, end):
            return NOT_APPLICABLE
        rng = rng_for("08487", *c.values())
        level = 1.0 if len(region) < 4 else kommune_base("08487", region, 0.55, 1.5)
        if region in ("0301", "03"):
            level = 1.7
        per_1000 = 57 * level * share[group] * rng_for("08487", "w", region, group, window).uniform(0.9, 1.1)
        average = round(size_of(region, end) * per_1000 / 1000, 1)  # two-year average per year
        if average <= 4:
            return CONFIDENTIAL  # SSB publishes only categories with more than four offences
        if c["ContentsCode"] == "Anmeldte":
            return average, None
        return round(per_1000, 1), None

    return TableSpec(
        source_id="ssb-08487",
        table="08487",
        label="08487: Anmeldte lovbrudd, etter utvalgte lovbruddsgrupper og gjerningssted (K). "
              "Gjennomsnitt per år. Absolutte tall og per 1 000 innbyggere",
        updated="2025-06-12T06:00:00Z",
        dimensions=[
            DimSpec("Gjerningssted", "gjerningssted", regions, elimination=True, role="geo"),
            DimSpec("LovbruddKrim", "lovbruddsgruppe", [(c, lab) for c, lab, _ in groups]),
            contents([("Anmeldte", "Anmeldte lovbrudd, gjennomsnitt per år (antall)", "lovbrudd", 1, "Average",
                       "Toårsperioden"),
                      ("AnmeldtePer1000", "Anmeldte lovbrudd per 1 000 innbyggere, gjennomsnitt per år",
                       "per 1 000", 1, "Average", "Toårsperioden")]),
            windows(2015, 2023, 2, "intervall (år)"),
        ],
        value=value,
        geography="""real geography codes in the place-of-offence dimension `Gjerningssted`: `0` Hele
landet, the fylker of 2020–2023 and of 2024 (labelled with their validity), and the real
Klass 131 kommune codes since 2020 (historical ones labelled e.g. "Halden (2020-2023)"), with
`.` where a code did not exist in a window's last year""",
        snapshot_md=f"""What is real and what is not:
- Real: table id; a two-year average per year of offences reported to the police, absolute and
  per 1 000 population, by selected offence groups and place of offence (kommune), with
  `Gjerningssted` as the geography dimension and `Tid` holding two-year windows such as
  `2023-2024` (hence `period_grain` P2Y); SSB publishes only categories with more than four
  offences. The group split follows SSB's published selection (property theft, violence, drug
  offences, public order, traffic, other incl. other profit crime, criminal damage and sexual
  offences).
{CRIME_CODES_MD}
- Constructed: contents codes `Anmeldte` / `AnmeldtePer1000` and all values (about 57 offences
  per 1 000 a year nationally, a stable per-kommune level of 0.55–1.5×, Oslo 1.7×).
- Suppression: `:` where the two-year average is four or fewer (many small kommuner for the
  smaller groups, and the per-1 000 figure with it); `.` for codes not valid in a window.""",
    )


def table_09405() -> TableSpec:
    decisions = [("ALLE", "I alt", 1.0), ("OPPKL", "Oppklarte i alt", 0.45), ("TILTALE", "Tiltale", 0.08),
                 ("FORELEGG", "Forelegg", 0.2), ("PAATALEUNNL", "Påtaleunnlatelse", 0.05),
                 ("KONFLIKTRAAD", "Overført til konfliktråd", 0.01),
                 ("HENL_UKJENT", "Henlagt, ukjent gjerningsperson", 0.32),
                 ("HENL_BEVIS", "Henlagt, bevisets stilling", 0.15), ("ANDRE_UOPPKL", "Andre uoppklarte", 0.08)]
    clearance = {"ALLE": 0.45, "EIENDOM": 0.12, "VINNING": 0.35, "VOLD": 0.5, "SEKSUAL": 0.4, "RUS": 0.9,
                 "SKADEVERK": 0.15, "MILJO": 0.6, "ORDEN": 0.55, "TRAFIKK": 0.9, "ANNEN": 0.6}
    share = {c: s for c, _, s in OFFENCE_GROUPS}
    dshare = {c: s for c, _, s in decisions}

    def value(c: dict[str, str]):
        year, group, decision = int(c["Tid"]), c["LovbruddKrim"], c["PolitiAvgjorelse"]
        rng = rng_for("09405", *c.values())
        total = 300_000 * (1 + 0.01 * (year - 2019)) * share[group]
        if decision == "ALLE":
            return round(total), None
        solved = clearance[group]
        if decision == "OPPKL":
            frac = solved
        elif decision in ("TILTALE", "FORELEGG", "PAATALEUNNL", "KONFLIKTRAAD"):
            frac = solved * dshare[decision] / 0.34
        else:
            frac = (1 - solved) * dshare[decision] / 0.55
        if group == "SEKSUAL" and decision == "KONFLIKTRAAD":
            return None, "-"  # sexual offences are not referred to mediation: nil
        return round(total * frac * rng.uniform(0.9, 1.1)), None

    return TableSpec(
        source_id="ssb-09405",
        table="09405",
        label="09405: Etterforskede lovbrudd, etter lovbruddsgruppe og politiets avgjørelse",
        updated="2025-11-20T07:00:00Z",
        dimensions=[
            DimSpec("LovbruddKrim", "lovbruddsgruppe", [(c, lab) for c, lab, _ in OFFENCE_GROUPS]),
            DimSpec("PolitiAvgjorelse", "politiets avgjørelse", [(c, lab) for c, lab, _ in decisions]),
            contents([("Etterforskede", "Etterforskede lovbrudd (antall)", "lovbrudd", 0, "Flow", "Kalenderåret")]),
            tid(2015, 2024),
        ],
        value=value,
        geography=NATIONAL_GEOGRAPHY,
        snapshot_md=f"""What is real and what is not:
- Real: table id; a national table of investigated offences by offence group and the police's
  final decision, with dimensions `LovbruddKrim`, `PolitiAvgjorelse`, `ContentsCode`, `Tid` (a
  third-party description of the live table names exactly these — no region).
{CRIME_CODES_MD}
- Constructed: the `PolitiAvgjorelse` codes and labels (a plausible grouping of SSB's decision
  categories: solved — indictment, fine, waiver of prosecution, mediation; unsolved — unknown
  offender, insufficient evidence, other), the contents code, and all values.
- Suppression: `-` (nil) for sexual offences referred to mediation. National figures are not
  small-cell suppressed.""",
    )


def table_09406() -> TableSpec:
    clearance = {"ALLE": 45.0, "EIENDOM": 12.0, "VINNING": 35.0, "VOLD": 50.0, "SEKSUAL": 40.0, "RUS": 90.0,
                 "SKADEVERK": 15.0, "MILJO": 60.0, "ORDEN": 55.0, "TRAFIKK": 90.0, "ANNEN": 60.0}
    share = {c: s for c, _, s in OFFENCE_GROUPS}

    def value(c: dict[str, str]):
        year, group, code = int(c["Tid"]), c["LovbruddKrim"], c["ContentsCode"]
        rng = rng_for("09406", group, year)
        total = round(300_000 * (1 + 0.01 * (year - 2019)) * share[group] * rng.uniform(0.95, 1.05))
        pct = round(clearance[group] * rng.uniform(0.92, 1.06), 1)
        if code == "Etterforskede":
            return total, None
        if code == "Oppklarte":
            return round(total * pct / 100), None
        return pct, None

    return TableSpec(
        source_id="ssb-09406",
        table="09406",
        label="09406: Etterforskede lovbrudd og oppklaringsprosent, etter lovbruddsgruppe",
        updated="2025-11-20T07:00:00Z",
        dimensions=[
            DimSpec("LovbruddKrim", "lovbruddsgruppe", [(c, lab) for c, lab, _ in OFFENCE_GROUPS]),
            contents([("Etterforskede", "Etterforskede lovbrudd (antall)", "lovbrudd", 0, "Flow", "Kalenderåret"),
                      ("Oppklarte", "Oppklarte lovbrudd (antall)", "lovbrudd", 0, "Flow", "Kalenderåret"),
                      ("Oppklaringsprosent", "Oppklaringsprosent", "prosent", 1, "Average", "Kalenderåret")]),
            tid(2015, 2024),
        ],
        value=value,
        geography=NATIONAL_GEOGRAPHY,
        snapshot_md=f"""What is real and what is not:
- Real: table id; a national table of investigated offences and the clearance rate by offence
  group, with dimensions `LovbruddKrim`, `ContentsCode`, `Tid` (a third-party description of
  the live table names exactly these — no region; it mixes counts with a percentage).
{CRIME_CODES_MD}
- Constructed: the contents codes `Etterforskede` / `Oppklarte` / `Oppklaringsprosent` and all
  values (clearance rates by group of the order SSB reports: ~45 % overall, ~90 % for drug and
  traffic offences, ~12 % for property theft). No suppression.""",
    )


TABLES = {
    "07459": table_07459,
    "10826": table_10826,
    "06913": table_06913,
    "08764": table_08764,
    "12944": table_12944,
    "06947": table_06947,
    "06944": table_06944,
    "06083": table_06083,
    "09429": table_09429,
    "12292": table_12292,
    "12063": table_12063,
    "13995": table_13995,
    "12131": table_12131,
    "12132": table_12132,
    "08484": table_08484,
    "08487": table_08487,
    "09405": table_09405,
    "09406": table_09406,
}
