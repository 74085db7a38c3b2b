import datetime as dt

import pytest

from rehabdash.kernel.indicators import (
    Status,
    ratio,
    time_progress,
    traffic_light,
    year_on_year,
)


def test_ratio_refuses_to_divide_by_nothing():
    assert ratio(6260, 6287) == pytest.approx(0.995705, abs=1e-6)
    assert ratio(5, 0) is None
    assert ratio(None, 5) is None


@pytest.mark.parametrize("as_of, year, expected", [
    (dt.date(2024, 12, 31), 2024, 1.0),
    (dt.date(2025, 8, 31), 2024, 1.0),  # a past year is complete
    (dt.date(2025, 8, 31), 2026, 0.0),
    (dt.date(2025, 8, 31), 2025, 243 / 365),
    (dt.date(2024, 6, 30), 2024, 182 / 366),  # leap year
])
def test_time_progress(as_of, year, expected):
    assert time_progress(as_of, year) == pytest.approx(expected)


@pytest.mark.parametrize("completion, expected", [
    (0.70, Status.GREEN),
    (0.60, Status.GREEN),  # exactly on time progress is on track
    (0.5999, Status.AMBER),
    (0.55, Status.AMBER),  # exactly at the margin is still amber
    (0.5499, Status.RED),
    (0.0, Status.RED),
])
def test_traffic_light_edges(completion, expected):
    assert traffic_light(completion, progress=0.60, margin=0.05) is expected


def test_traffic_light_without_target():
    assert traffic_light(None, 0.5, 0.05) is None


def test_year_on_year():
    assert year_on_year(170, 112) == pytest.approx(0.5179, abs=1e-4)
    assert year_on_year(10, 0) is None


def test_places_share_ties_skip_after_them_and_give_none_where_all_are_equal():
    import pandas as pd

    from rehabdash.kernel.indicators import places

    got = places(pd.Series([0.5, 0.9, 0.5, None, 0.7], index=list("abcde")))
    assert got.astype(object).where(got.notna(), None).to_dict() == {"a": 3, "b": 1, "c": 3, "d": None, "e": 2}
    assert places(pd.Series([1.0, 1.0, 1.0])).isna().all()  # 源汇区's nine townships at 100 %
    assert list(places(pd.Series([0.4]))) == [1]  # a single unit is first
