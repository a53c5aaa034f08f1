"""Constructed-snapshot specs for the SSB Statistikkbanken sources (see ssb_construct.py).

Each function returns a TableSpec: the table's dimensions (real codes where known) and a
deterministic value function. CONSTRUCTED NUMBERS — never official statistics.
"""

from __future__ import annotations

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


def region_dim(since: int = 2018) -> DimSpec:
    return DimSpec("Region", "region", kommune_values(since), elimination=True,
                   codelists=[("vs_Kommun", "Alle kommuner", "Valueset")])


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


TABLES = {
    "07459": table_07459,
}
