"""Measures: a count this year to date with what it is measured against, and the time window of a view.

The shared vocabulary of every topic module: `RunQuery` (a named query bound to one snapshot and
scope, i.e. `Filters.run`), `Measure`, and the bound parameters of "this year up to the snapshot date,
and last year to the same date". Pure: no Streamlit, no DuckDB.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from rehabdash.kernel.indicators import Status, ratio, traffic_light, year_on_year

RunQuery = Callable[..., pd.DataFrame]  # Filters.run: a named query bound to one snapshot and scope


@dataclass(frozen=True)
class Measure:
    """A count this year to date, with what it is measured against."""

    value: float | None
    last_year: float | None = None  # same period of the previous year
    base: float | None = None  # denominator of its rate: need, applicants, allocated funds
    target: float | None = None  # annual task (年度任务)

    @property
    def rate(self) -> float | None:
        return ratio(self.value, self.base)

    @property
    def completion(self) -> float | None:
        return ratio(self.value, self.target)

    @property
    def change(self) -> float | None:
        return year_on_year(self.value, self.last_year)


@dataclass(frozen=True)
class TaskFigure:
    """An indicator against its annual task and 序时进度: the one type a topic page reports one in
    (rehab's tasks, the devices' fitting); the dispatch meeting's IndicatorStatus adds its shortfalls
    and disclosure control on top of the same rule."""

    indicator: str
    measure: Measure  # value = actual to date, target = annual task, last_year = same period
    time_progress: float  # 序时进度 of the view
    margin: float  # how far below 序时进度 is still amber

    @property
    def status(self) -> Status | None:
        return traffic_light(self.measure.completion, self.time_progress, self.margin)


def year_row(frame: pd.DataFrame, year: int) -> dict:
    rows = frame[frame["year"] == year]
    return rows.iloc[0].to_dict() if len(rows) else {}


def measure_of(frame: pd.DataFrame, year: int, value: str, base: str, target=None) -> Measure:
    now, before = year_row(frame, year), year_row(frame, year - 1)
    return Measure(now.get(value), before.get(value), now.get(base), target)


def period_end(as_of: dt.date, year: int) -> dt.date:
    """The last day counted for `year` in a snapshot taken on `as_of`: 31 December of a past year."""
    return min(as_of, dt.date(year, 12, 31))


def is_year_end(day: dt.date) -> bool:
    """Whether a period ending on `day` is the whole year."""
    return (day.month, day.day) == (12, 31)


def year_window(as_of: dt.date, year: int) -> dict:
    """Bound parameters for 'this year up to the snapshot date, and last year to the same date'."""
    until = period_end(as_of, year)
    try:
        until_last_year = until.replace(year=year - 1)
    except ValueError:  # 29 February
        until_last_year = dt.date(year - 1, 2, 28)
    return {"year": year, "until": until, "until_last_year": until_last_year}
