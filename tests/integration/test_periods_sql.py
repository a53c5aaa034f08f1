"""raw.period_start/raw.period_end (SQL, used by the loader and dbt) agree with atlas_ingest.periods."""

from __future__ import annotations

import pytest

from atlas_ingest.periods import parse_period

pytestmark = pytest.mark.integration

CASES = [("2024", "P1Y"), ("2024M02", "P1M"), ("2023M12", "P1M"), ("2024K1", "P3M"), ("2024K4", "P3M"),
         ("2019-2021", "P3Y"), ("2022-2023", "P2Y"), ("2015-2019", "P5Y"), ("2023-2024", "SCHOOL_YEAR"),
         ("2024-01-01", "POINT"), ("2020M02", "P1M")]


@pytest.mark.parametrize("period_id, grain", CASES)
def test_sql_and_python_agree(db, period_id, grain):
    expected = parse_period(period_id, grain)
    start, end = db.execute("SELECT raw.period_start(%s, %s), raw.period_end(%s, %s)",
                            (period_id, grain, period_id, grain)).fetchone()
    assert (start, end) == (expected.start, expected.end)
