"""Indicator arithmetic as officials compute it: rates, task completion, 序时进度 and traffic lights."""
from __future__ import annotations

import datetime as dt
from enum import Enum

import pandas as pd


class Status(str, Enum):
    """Traffic light of an indicator against time progress; always shown with its word, not colour alone."""

    GREEN = "green"  # 达标: completion at or above 序时进度
    AMBER = "amber"  # 预警: below, but within the margin
    RED = "red"  # 滞后: further behind


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as '—', never as 0 %)."""
    if part is None or not whole:
        return None
    return part / whole


def time_progress(as_of: dt.date, year: int) -> float:
    """序时进度: share of `year` elapsed at the snapshot date (1.0 for a past year, 0.0 for a future one)."""
    if year < as_of.year:
        return 1.0
    if year > as_of.year:
        return 0.0
    days_in_year = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1
    return as_of.timetuple().tm_yday / days_in_year


def traffic_light(completion: float | None, progress: float, margin: float) -> Status | None:
    """Green at or above progress, amber within `margin` below it, red further below; None without a target."""
    if completion is None:
        return None
    # Round away float noise so 0.6 - 0.05 is exactly the amber edge an official would compute.
    gap = round(progress - completion, 9)
    if gap <= 0:
        return Status.GREEN
    if gap <= round(margin, 9):
        return Status.AMBER
    return Status.RED


def year_on_year(current: float | None, previous: float | None) -> float | None:
    """Relative change on the same period last year (0.517 = +51.7 %), None without a base."""
    if current is None or not previous:
        return None
    return current / previous - 1


def places(values: pd.Series) -> pd.Series:
    """THE 名次 rule: 1 for the highest value, ties share a 名次 (1, 2, 2, 4), no value no 名次. Where
    every unit has the same value (源汇区's townships: no task, each served all its need) a ranking says
    nothing: none has a 名次 rather than all being 1st. Integers, missing as <NA>."""
    values = values.astype(float)
    if values.count() > 1 and values.nunique() == 1:
        return pd.Series(pd.NA, index=values.index, dtype="Int64")
    return values.rank(ascending=False, method="min").astype("Int64")
