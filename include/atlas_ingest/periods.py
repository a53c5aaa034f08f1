"""Period ids as the sources publish them, and their grain and dates.

One canonical id per grain so that every source's periods join `dim_period`:

| grain        | id           | as upstream writes it                         |
|--------------|--------------|-----------------------------------------------|
| P1Y          | `2024`       | `2024`, `2024_2024` (FHI)                     |
| P1M          | `2024M03`    | `2024M03` (SSB), `2024-03`, `202403`          |
| P3M          | `2024K1`     | `2024K1` (SSB), `2024Q1`, `2024-Q1`           |
| P2Y/P3Y/P5Y  | `2019-2021`  | `2019-2021`, `2019_2021` (FHI)                |
| SCHOOL_YEAR  | `2023-2024`  | `2023-2024`, `2023-24`, `2023/2024`, `202324` |
| POINT        | `2024-01-01` | `2024-01-01`                                  |

A rolling window and a school year both look like `YYYY-YYYY`; they differ by span (a school
year spans exactly one year boundary), so `parse_period` needs the manifest's grain to
disambiguate `2023-2024` and never guesses.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

GRAINS = ("P1Y", "P1M", "P3M", "P2Y", "P3Y", "P5Y", "SCHOOL_YEAR", "POINT")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    period_id: str
    grain: str
    start: date
    end: date  # inclusive

    @property
    def year(self) -> int:
        return self.end.year


_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})(?:M|-)?(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})[-_ ]?[KQ]([1-4])$")
_SPAN = re.compile(r"^(\d{4})\s*[-_/]\s*(\d{2}|\d{4})$")
_POINT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _year_ok(y: int) -> int:
    if not 1900 <= y <= 2100:
        raise PeriodError(f"year {y} is outside 1900–2100")
    return y


def _is_short_school_year(text: str) -> bool:
    m = re.match(r"^(\d{4})-(\d{2})$", text)
    return bool(m) and (int(m[1]) + 1) % 100 == int(m[2])


def parse_period(raw: str, grain: str | None = None) -> Period:
    """Parse an upstream period string; `grain` (from the manifest) resolves ambiguity."""
    text = str(raw).strip()
    if grain is not None and grain not in GRAINS:
        raise PeriodError(f"unknown period grain {grain!r}")

    if m := _POINT.match(text):
        try:
            d = date(_year_ok(int(m[1])), int(m[2]), int(m[3]))
        except ValueError as exc:  # 2024-02-30: a PeriodError, so callers quarantine it
            raise PeriodError(f"{text!r}: {exc}") from None
        return Period(d.isoformat(), "POINT", d, d)
    if (m := _YEAR.match(text)) and grain in (None, "P1Y", "POINT"):
        y = _year_ok(int(m[1]))
        return Period(str(y), "P1Y", date(y, 1, 1), date(y, 12, 31))
    if (m := _QUARTER.match(text)) and grain in (None, "P3M"):
        y, q = _year_ok(int(m[1])), int(m[2])
        first = 3 * (q - 1) + 1
        return Period(f"{y}K{q}", "P3M", date(y, first, 1),
                      date(y, first + 2, calendar.monthrange(y, first + 2)[1]))
    # `2024-03` also looks like a span (`2023-24`): a P1M source reads it as a month; without a
    # grain it is a month unless it is a school year (the two digits are the next year's).
    if (m := _MONTH.match(text)) and (grain == "P1M" or (grain is None and not _is_short_school_year(text))):
        y, mo = _year_ok(int(m[1])), int(m[2])
        if not 1 <= mo <= 12:
            raise PeriodError(f"{text!r}: month {mo} out of range")
        return Period(f"{y}M{mo:02d}", "P1M", date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1]))
    if m := _SPAN.match(text):
        first = _year_ok(int(m[1]))
        second = int(m[2]) if len(m[2]) == 4 else (first // 100) * 100 + int(m[2])
        if len(m[2]) == 2 and second < first:
            second += 100
        _year_ok(second)
        if second == first and len(m[2]) == 4 and grain in (None, "P1Y"):
            # FHI writes single years as one-year windows: `2020_2020`.
            return Period(str(first), "P1Y", date(first, 1, 1), date(first, 12, 31))
        if second <= first:
            raise PeriodError(f"{text!r}: span ends before it starts")
        span = second - first + 1
        if grain == "SCHOOL_YEAR" or (grain is None and span == 2 and len(m[2]) == 2):
            if second != first + 1:
                raise PeriodError(f"{text!r}: a school year spans two consecutive years")
            return Period(f"{first}-{second}", "SCHOOL_YEAR", date(first, 8, 1), date(second, 7, 31))
        rolling = f"P{span}Y"
        if grain not in (None, rolling):
            raise PeriodError(f"{text!r} spans {span} years, but the source's grain is {grain}")
        if rolling not in GRAINS:
            raise PeriodError(f"{text!r}: a {span}-year window is not a known grain")
        return Period(f"{first}-{second}", rolling, date(first, 1, 1), date(second, 12, 31))
    # An 8-digit school year as Udir writes it in ids: 202324 is not a month (month 24).
    if grain == "SCHOOL_YEAR" and (m := re.match(r"^(\d{4})(\d{2})$", text)):
        return parse_period(f"{m[1]}-{m[2]}", "SCHOOL_YEAR")
    expected = f" as a {grain} period" if grain else ""
    raise PeriodError(f"cannot parse period {text!r}{expected}")


def is_valid_period_id(period_id: str) -> bool:
    """True when `period_id` is already in canonical form (what raw.* stores)."""
    try:
        return parse_period(period_id).period_id == period_id
    except PeriodError:
        return False


# Canonical ids, as a regular expression (used by the GX raw suites).
CANONICAL_PERIOD_REGEX = r"^(\d{4}|\d{4}M(0[1-9]|1[0-2])|\d{4}K[1-4]|\d{4}-\d{4}|\d{4}-\d{2}-\d{2})$"


def periods_in_interval(grain: str, start: date, end: date) -> list[str]:
    """Canonical ids of the periods of `grain` a data interval [start, end) covers.

    A period counts when it overlaps the interval (a monthly run inside 2023 backfills the year
    2023); rolling windows count by the year they end in, school years by overlap. POINT sources
    have no interval semantics and return [] (the caller falls back to the latest data).
    """
    if end <= start:
        end = start + timedelta(days=1)
    last = end - timedelta(days=1)
    if grain == "P1Y":
        return [str(y) for y in range(start.year, last.year + 1)]
    if grain == "P1M":
        out, y, m = [], start.year, start.month
        while (y, m) <= (last.year, last.month):
            out.append(f"{y}M{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    if grain == "P3M":
        out, y, q = [], start.year, (start.month - 1) // 3 + 1
        while (y, q) <= (last.year, (last.month - 1) // 3 + 1):
            out.append(f"{y}K{q}")
            y, q = (y + 1, 1) if q == 4 else (y, q + 1)
        return out
    if grain in ("P2Y", "P3Y", "P5Y"):
        span = int(grain[1])
        return [f"{y - span + 1}-{y}" for y in range(start.year, last.year + 1)]
    if grain == "SCHOOL_YEAR":
        first = start.year if start.month >= 8 else start.year - 1
        final = last.year if last.month >= 8 else last.year - 1
        return [f"{y}-{y + 1}" for y in range(first, final + 1)]
    return []


def periods_ended_in_interval(grain: str, start: date, end: date, lag_months: int = 0) -> list[str]:
    """Canonical ids of the periods of `grain` whose last day falls in [start, end), shifted
    `lag_months` back: the periods a run on that interval can expect to be published.

    Monthly and quarterly grains only (the sources that publish per period after a release lag);
    other grains fall back to `periods_in_interval` of the shifted interval."""
    if end <= start:
        end = start + timedelta(days=1)
    start, end = _shift_months(start, -lag_months), _shift_months(end, -lag_months)
    if grain not in ("P1M", "P3M"):
        return periods_in_interval(grain, start, end)
    out = []
    for period_id in periods_in_interval(grain, start, end):
        last_day = parse_period(period_id, grain).end
        if start <= last_day < end:
            out.append(period_id)
    return out


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
