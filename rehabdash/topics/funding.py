"""资金投入: funds allocated and spent by source and programme, execution against 序时进度 through the
year and on the same date last year, and the units one level below the scope compared.

Where "spent as of a day" comes from. A snapshot's own year shows what was spent by the snapshot date;
every earlier year in it is complete. So the funds of year Y as of day D are read from
  1. the snapshot taken on D, if there is one (and it is not newer than the chosen snapshot); else
  2. the chosen snapshot, when D is 31 December and the chosen snapshot was taken on or after it
     (the year is complete in it); else
  3. nowhere: the page says there is no comparable snapshot rather than set a part of one year against
     a whole other year, or guess a figure for a day no snapshot was taken.
The same rule gives the change on the same date last year (D = the chosen date one year earlier) and
the execution through the year (D = each snapshot date within the year). Every read goes through the
named query `funding_totals`, constrained to the same scope, on the snapshot the rule picks.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable

import pandas as pd

from rehabdash.kernel import memo
from rehabdash.kernel.contract import FUNDING_SOURCES, PROGRAMS
from rehabdash.kernel.indicators import (
    Status,
    ratio,
    time_progress,
    traffic_light,
    year_on_year,
)
from rehabdash.kernel.measures import RunQuery, is_year_end, year_window
from rehabdash.store.snapshots import Snapshot

RunAt = Callable[[Snapshot], RunQuery]  # a snapshot → Filters.run on it, same scope



def statuses(values: list[Status | None], index=None) -> pd.Series:
    """A column of traffic lights that stay Status members (pandas would turn a str enum into str)."""
    return pd.Series(values, index=index, dtype=object)


# ---------------------------------------------------------------------------- spent as of a day

@dataclass(frozen=True)
class Totals:
    """Funds of the year of `day` as they stood on `day`, read from the snapshot taken on `snapshot`."""

    day: dt.date
    snapshot: dt.date
    allocated: float
    spent: float

    @property
    def execution(self) -> float | None:
        return ratio(self.spent, self.allocated)

    @property
    def progress(self) -> float:
        return time_progress(self.day, self.day.year)

    def status(self, margin: float) -> Status | None:
        return traffic_light(self.execution, self.progress, margin)


def snapshot_for(day: dt.date, snapshots: Iterable[Snapshot], chosen: Snapshot) -> Snapshot | None:
    """The snapshot that says what was spent by `day`, by the rule in the module docstring."""
    taken_that_day = [s for s in snapshots if s.valid and s.as_of == day and s.as_of <= chosen.as_of]
    if taken_that_day:
        return taken_that_day[0]
    if is_year_end(day) and chosen.as_of >= day:
        return chosen
    return None


def totals_as_of(day: dt.date, run_at: RunAt, snapshots: Iterable[Snapshot],
                 chosen: Snapshot) -> Totals | None:
    """Allocated and spent of `day`'s year as of `day`; None when no snapshot can say."""
    snapshot = snapshot_for(day, snapshots, chosen)
    if snapshot is None:
        return None
    row = run_at(snapshot)("funding_totals", year=day.year).iloc[0]
    return Totals(day, snapshot.as_of, float(row["allocated_yuan"]), float(row["spent_yuan"]))


# ---------------------------------------------------------------------------- headline

@dataclass(frozen=True)
class Headline:
    now: Totals
    same_day_last_year: dt.date
    last_year: Totals | None  # None: no snapshot was taken on that day
    registered_disabled: int | None  # 持证残疾人数 of the scope
    margin: float

    @property
    def status(self) -> Status | None:
        return self.now.status(self.margin)

    @property
    def spent_change(self) -> float | None:
        return None if self.last_year is None else year_on_year(self.now.spent, self.last_year.spent)

    @property
    def allocated_change(self) -> float | None:
        return None if self.last_year is None else year_on_year(self.now.allocated, self.last_year.allocated)

    @property
    def spent_per_person(self) -> float | None:
        return ratio(self.now.spent, self.registered_disabled)


@memo.by_inputs
def headline(run_at: RunAt, snapshots: list[Snapshot], chosen: Snapshot, year: int,
             margin: float) -> Headline:
    """Allocated, spent and execution of the year to the chosen date, and the same date last year."""
    window = year_window(chosen.as_of, year)
    now = totals_as_of(window["until"], run_at, snapshots, chosen)
    assert now is not None  # the chosen snapshot always speaks for its own date or a complete year
    own = run_at(chosen)("funding_by_subunit", year=year)
    own = own[own["own_level"]]
    registered = int(own["registered_disabled"].iloc[0]) if len(own) and pd.notna(
        own["registered_disabled"].iloc[0]) else None
    day = window["until_last_year"]
    return Headline(now, day, totals_as_of(day, run_at, snapshots, chosen), registered, margin)


# ---------------------------------------------------------------------------- sources → programmes

@memo.by_inputs
def flows(run: RunQuery, year: int) -> pd.DataFrame:
    """Allocated and spent of each (source, programme) line that has money, in the contract's order."""
    frame = run("funding_by_source", year=year)
    frame = frame[(frame["allocated_yuan"] > 0) | (frame["spent_yuan"] > 0)]
    order = {code: i for i, code in enumerate(FUNDING_SOURCES + PROGRAMS)}
    frame = frame.sort_values(["source", "program"], key=lambda codes: codes.map(order))
    return frame.reset_index(drop=True).assign(
        execution=[ratio(s, a) for s, a in zip(frame["spent_yuan"], frame["allocated_yuan"])])


def by_source(lines: pd.DataFrame) -> pd.DataFrame:
    """Allocated, spent and execution of every source (zeros where the scope has none)."""
    frame = (lines.groupby("source")[["allocated_yuan", "spent_yuan"]].sum()
             .reindex(list(FUNDING_SOURCES), fill_value=0).rename_axis("source").reset_index())
    return frame.assign(
        execution=[ratio(s, a) for s, a in zip(frame["spent_yuan"], frame["allocated_yuan"])])


# ---------------------------------------------------------------------------- subunits compared

@dataclass(frozen=True)
class Subunits:
    rows: pd.DataFrame  # one row per subunit, then the scope's own level (own_level) if it holds funds
    recorded_below: bool  # False: the funding of the scope is not split over its subunits


@memo.by_inputs
def subunits(run: RunQuery, as_of: dt.date, year: int, margin: float) -> Subunits:
    """Allocated, spent, execution with its traffic light, and funds per registered disabled person
    of each unit one level below the scope; funds per person only where the unit's own count applies
    (not for the scope's own level, whose money serves all its units)."""
    frame = run("funding_by_subunit", year=year)
    below = frame[~frame["own_level"]]
    recorded_below = bool((below["funding_rows"] > 0).any())
    own = frame[frame["own_level"] & (frame["funding_rows"] > 0)]
    frame = pd.concat([below, own], ignore_index=True) if recorded_below else below.iloc[0:0]
    progress = time_progress(as_of, year)
    execution = [ratio(s, a) for s, a in zip(frame["spent_yuan"], frame["allocated_yuan"])]
    people = [None if own else n for own, n in zip(frame["own_level"], frame["registered_disabled"])]
    return Subunits(frame.assign(
        execution=execution,
        progress=progress,
        status=statuses([traffic_light(e, progress, margin) for e in execution], frame.index),
        allocated_per_person=[ratio(a, p) for a, p in zip(frame["allocated_yuan"], people)],
        spent_per_person=[ratio(s, p) for s, p in zip(frame["spent_yuan"], people)],
    ), recorded_below)


@memo.by_inputs
def recorded_above(run: RunQuery, year: int) -> pd.Series | None:
    """The nearest unit above the scope that holds the year's funding itself, if any."""
    frame = run("funding_recorded_above", year=year)
    return frame.iloc[0] if len(frame) else None


# ---------------------------------------------------------------------------- through the year

@memo.by_inputs
def through_the_year(run_at: RunAt, snapshots: list[Snapshot], chosen: Snapshot, year: int,
                     margin: float) -> pd.DataFrame:
    """Allocated, spent and execution as of each snapshot date of the year up to the chosen one (and
    the year's end when the chosen snapshot holds the complete year), each with 序时进度 and status."""
    until = year_window(chosen.as_of, year)["until"]
    days = sorted({s.as_of for s in snapshots if s.valid and s.as_of.year == year and s.as_of <= until}
                  | {until})
    points = [t for t in (totals_as_of(d, run_at, snapshots, chosen) for d in days) if t is not None]
    return pd.DataFrame({
        "day": [t.day for t in points],
        "snapshot": [t.snapshot for t in points],
        "allocated_yuan": [t.allocated for t in points],
        "spent_yuan": [t.spent for t in points],
        "execution": [t.execution for t in points],
        "progress": [t.progress for t in points],
        "status": statuses([t.status(margin) for t in points]),
    })


def time_line(year: int) -> pd.DataFrame:
    """The straight line of 序时进度 over the year: from 1 January to 31 December."""
    days = [dt.date(year, 1, 1), dt.date(year, 12, 31)]
    return pd.DataFrame({"day": days, "progress": [time_progress(d, year) for d in days]})




