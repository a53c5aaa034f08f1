"""Which periods a run fetches (pipeline.periods_for_run): params, backfill intervals, latest."""

from __future__ import annotations

from datetime import datetime, timezone

from atlas_ingest.manifest import get_manifest
from atlas_ingest.pipeline import periods_for_run

UTC = timezone.utc


def test_a_backfill_run_fetches_the_periods_of_its_interval_in_oslo_time():
    m = get_manifest("ssb-07459")  # P1Y
    # the yearly interval 2021-01-01T00:00+01:00 .. 2022-01-01T00:00+01:00, as Airflow stores it (UTC)
    periods = periods_for_run(m, params={}, run_type="backfill",
                              data_interval_start=datetime(2020, 12, 31, 23, tzinfo=UTC),
                              data_interval_end=datetime(2021, 12, 31, 23, tzinfo=UTC))
    assert periods == ["2021"]


def test_scheduled_and_manual_runs_take_the_latest_data_unless_periods_are_named():
    m = get_manifest("ssb-07459")
    start, end = datetime(2026, 10, 3, 4, tzinfo=UTC), datetime(2026, 11, 3, 5, tzinfo=UTC)
    assert periods_for_run(m, params={}, run_type="scheduled", data_interval_start=start, data_interval_end=end) is None
    assert periods_for_run(m, params={}, run_type="manual", data_interval_start=start, data_interval_end=end) is None
    assert periods_for_run(m, params={"periods": ["2023", "2024"]}, run_type="manual",
                           data_interval_start=start, data_interval_end=end) == ["2023", "2024"]


def test_named_periods_are_canonicalised_by_the_source_grain():
    m = get_manifest("ssb-12944")  # P3Y rolling windows
    assert periods_for_run(m, params={"periods": ["2019_2021"]}, run_type="manual",
                           data_interval_start=None, data_interval_end=None) == ["2019-2021"]


def test_a_named_period_of_another_grain_is_refused_with_the_source_and_the_grain():
    import pytest

    from atlas_ingest.periods import PeriodError

    quarterly = get_manifest("nav-sykefravaer")  # P3M: `2025-11` is a month, not a quarter
    with pytest.raises(PeriodError, match=r"nav-sykefravaer: the run's `periods` param '2025-11' is not a P3M period"):
        periods_for_run(quarterly, params={"periods": ["2025-11"]}, run_type="manual",
                        data_interval_start=None, data_interval_end=None)
    assert periods_for_run(get_manifest("nav-helt-ledige"), params={"periods": ["2025-11"]}, run_type="manual",
                           data_interval_start=None, data_interval_end=None) == ["2025M11"]
