"""Months as the reporting cycle (报送) counts them: a month is its first day.

Pure date arithmetic shared by the import (ingest/reports.py) and the read side (topics/reporting.py).
"""
from __future__ import annotations

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def next_month(month: dt.date) -> dt.date:
    return month_end(month) + dt.timedelta(days=1)


def previous_month(day: dt.date) -> dt.date:
    return month_start(month_start(day) - dt.timedelta(days=1))


def collecting_month(complete: dt.date | None, today: dt.date | None = None,
                     newest: dt.date | None = None) -> dt.date:
    """The month being collected: the month before today, but not beyond the month after `complete`
    (the newest month every unit has reported): a board whose figures stop at August collects
    September first, however late it is. Where nothing has been reported yet, the month after the
    newest snapshot's date (`newest`): a deployment set up on 31 December collects January first."""
    default = previous_month(today or dt.date.today())
    complete = complete or newest
    return default if complete is None else min(default, next_month(month_start(complete)))
