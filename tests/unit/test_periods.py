"""Period parsing for every grain and every upstream spelling in the module's table."""

from __future__ import annotations

import re
from datetime import date

import pytest

from atlas_ingest.periods import (
    CANONICAL_PERIOD_REGEX,
    GRAINS,
    PeriodError,
    is_valid_period_id,
    parse_period,
)


@pytest.mark.parametrize(
    ("raw", "grain", "period_id", "parsed_grain", "start", "end"),
    [
        # P1Y
        ("2024", "P1Y", "2024", "P1Y", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024", None, "2024", "P1Y", date(2024, 1, 1), date(2024, 12, 31)),
        (" 2024 ", "P1Y", "2024", "P1Y", date(2024, 1, 1), date(2024, 12, 31)),
        ("2020_2020", "P1Y", "2020", "P1Y", date(2020, 1, 1), date(2020, 12, 31)),  # FHI's AAR codes
        # P1M
        ("2024M03", "P1M", "2024M03", "P1M", date(2024, 3, 1), date(2024, 3, 31)),
        ("2024-03", "P1M", "2024M03", "P1M", date(2024, 3, 1), date(2024, 3, 31)),
        ("202403", "P1M", "2024M03", "P1M", date(2024, 3, 1), date(2024, 3, 31)),
        ("2024M02", "P1M", "2024M02", "P1M", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        ("2023M02", None, "2023M02", "P1M", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-12", None, "2024M12", "P1M", date(2024, 12, 1), date(2024, 12, 31)),
        # P3M
        ("2024K1", "P3M", "2024K1", "P3M", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024Q2", "P3M", "2024K2", "P3M", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024-Q3", "P3M", "2024K3", "P3M", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024K4", None, "2024K4", "P3M", date(2024, 10, 1), date(2024, 12, 31)),
        # rolling windows
        ("2022-2023", "P2Y", "2022-2023", "P2Y", date(2022, 1, 1), date(2023, 12, 31)),
        ("2019-2021", "P3Y", "2019-2021", "P3Y", date(2019, 1, 1), date(2021, 12, 31)),
        ("2019_2021", "P3Y", "2019-2021", "P3Y", date(2019, 1, 1), date(2021, 12, 31)),
        ("2019-2021", None, "2019-2021", "P3Y", date(2019, 1, 1), date(2021, 12, 31)),
        ("2017_2021", "P5Y", "2017-2021", "P5Y", date(2017, 1, 1), date(2021, 12, 31)),
        # school years
        ("2023-2024", "SCHOOL_YEAR", "2023-2024", "SCHOOL_YEAR", date(2023, 8, 1), date(2024, 7, 31)),
        ("2023-24", "SCHOOL_YEAR", "2023-2024", "SCHOOL_YEAR", date(2023, 8, 1), date(2024, 7, 31)),
        ("2023/2024", "SCHOOL_YEAR", "2023-2024", "SCHOOL_YEAR", date(2023, 8, 1), date(2024, 7, 31)),
        ("202324", "SCHOOL_YEAR", "2023-2024", "SCHOOL_YEAR", date(2023, 8, 1), date(2024, 7, 31)),
        ("1999-00", "SCHOOL_YEAR", "1999-2000", "SCHOOL_YEAR", date(1999, 8, 1), date(2000, 7, 31)),
        ("2023-24", None, "2023-2024", "SCHOOL_YEAR", date(2023, 8, 1), date(2024, 7, 31)),
        # points
        ("2024-01-01", "POINT", "2024-01-01", "POINT", date(2024, 1, 1), date(2024, 1, 1)),
        ("2024-02-29", None, "2024-02-29", "POINT", date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_every_grain_and_spelling(raw, grain, period_id, parsed_grain, start, end):
    p = parse_period(raw, grain)
    assert (p.period_id, p.grain, p.start, p.end) == (period_id, parsed_grain, start, end)
    assert re.match(CANONICAL_PERIOD_REGEX, p.period_id)
    assert is_valid_period_id(p.period_id)


def test_same_text_different_grain_school_year_vs_rolling_window():
    school = parse_period("2023-2024", "SCHOOL_YEAR")
    rolling = parse_period("2023-2024", "P2Y")
    assert school.period_id == rolling.period_id == "2023-2024"
    assert (school.grain, school.start, school.end) == ("SCHOOL_YEAR", date(2023, 8, 1), date(2024, 7, 31))
    assert (rolling.grain, rolling.start, rolling.end) == ("P2Y", date(2023, 1, 1), date(2024, 12, 31))
    assert school.year == 2024 and rolling.year == 2024


def test_same_text_month_or_school_year_by_grain():
    assert parse_period("2023-24", "SCHOOL_YEAR").grain == "SCHOOL_YEAR"
    with pytest.raises(PeriodError, match="month 24"):
        parse_period("2023-24", "P1M")
    # `2011-12` is December 2011 for a monthly source and 2011/12 for a school-year source.
    assert parse_period("2011-12", "P1M").period_id == "2011M12"
    assert parse_period("2011-12", "SCHOOL_YEAR").period_id == "2011-2012"


@pytest.mark.parametrize(
    ("raw", "grain", "message"),
    [
        ("2024M13", "P1M", "month 13 out of range"),
        ("2024M00", "P1M", "month 0 out of range"),
        ("2024-13", "P1M", "month 13 out of range"),
        ("202413", None, "month 13 out of range"),
        ("2021-2019", "P3Y", "ends before it starts"),
        ("2021_2019", None, "ends before it starts"),
        ("2024-2024", "SCHOOL_YEAR", "ends before it starts"),
        ("2023-2025", "SCHOOL_YEAR", "two consecutive years"),
        ("2019-2021", "P2Y", "spans 3 years, but the source's grain is P2Y"),
        ("2019-2022", None, "4-year window is not a known grain"),
        ("2024K5", "P3M", "cannot parse period '2024K5' as a P3M period"),
        ("2024", "P1M", "cannot parse period '2024' as a P1M period"),
        ("2024K1", "P1Y", "cannot parse period '2024K1' as a P1Y period"),
        ("1850", "P1Y", "outside 1900–2100"),
        ("2024-02-30", "POINT", "day is out of range"),
        ("2024-13-01", None, "month must be in 1..12"),
        ("", None, "cannot parse period ''"),
        ("abc", None, "cannot parse period 'abc'"),
        ("2024M3", "P1M", "cannot parse period"),
        ("24", "P1Y", "cannot parse period '24'"),
        ("2024", "P7Y", "unknown period grain 'P7Y'"),
    ],
)
def test_errors(raw, grain, message):
    with pytest.raises(PeriodError, match=re.escape(message)):
        parse_period(raw, grain)


def test_period_error_is_a_value_error():
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize(
    ("period_id", "valid"),
    [("2024", True), ("2024M03", True), ("2024K1", True), ("2019-2021", True), ("2024-01-01", True),
     ("2024-03", False), ("2024Q1", False), ("2019_2021", False), ("2023-24", False), ("x", False)],
)
def test_is_valid_period_id_accepts_only_canonical_ids(period_id, valid):
    assert is_valid_period_id(period_id) is valid
    assert bool(re.match(CANONICAL_PERIOD_REGEX, period_id)) is valid


def test_grains_match_the_manifest_enum():
    from atlas_ingest.manifest import PeriodGrain

    assert set(GRAINS) == {g.value for g in PeriodGrain}


# ------------------------------------------------------------------------------------ data intervals
from atlas_ingest.periods import periods_in_interval  # noqa: E402


@pytest.mark.parametrize("grain, start, end, expected", [
    ("P1Y", date(2021, 1, 1), date(2022, 1, 1), ["2021"]),                 # a yearly interval
    ("P1Y", date(2023, 3, 3), date(2023, 4, 3), ["2023"]),                 # a monthly run inside 2023
    ("P1Y", date(2021, 1, 1), date(2024, 1, 1), ["2021", "2022", "2023"]),
    ("P1M", date(2024, 1, 5), date(2024, 2, 5), ["2024M01", "2024M02"]),   # monthly, release on the 5th
    ("P1M", date(2024, 12, 1), date(2025, 1, 1), ["2024M12"]),
    ("P3M", date(2024, 1, 1), date(2024, 7, 1), ["2024K1", "2024K2"]),
    ("P3Y", date(2021, 1, 1), date(2022, 1, 1), ["2019-2021"]),           # windows by the year they end
    ("SCHOOL_YEAR", date(2023, 9, 1), date(2024, 9, 1), ["2023-2024", "2024-2025"]),
    ("POINT", date(2024, 1, 1), date(2025, 1, 1), []),
    ("P1Y", date(2024, 5, 1), date(2024, 5, 1), ["2024"]),                 # a zero-length interval
])
def test_periods_in_interval(grain, start, end, expected):
    assert periods_in_interval(grain, start, end) == expected
