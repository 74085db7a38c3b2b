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
import plotly.graph_objects as go

from rehabdash.kernel.contract import FUNDING_SOURCES, PROGRAMS
from rehabdash.kernel.measures import year_window
from rehabdash.kernel.indicators import Status, ratio, time_progress, traffic_light, year_on_year
from rehabdash.kernel.measures import RunQuery
from rehabdash.store.snapshots import Snapshot
from rehabdash.kernel.theme import PALETTE, STATUS_COLORS, STATUS_MARKERS

RunAt = Callable[[Snapshot], RunQuery]  # a snapshot → Filters.run on it, same scope
Label = Callable[[str], str]

# Plotly marker shapes, so a status reads from the shape as well as the colour and the word.


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


def is_year_end(day: dt.date) -> bool:
    return (day.month, day.day) == (12, 31)


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


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def sankey(lines: pd.DataFrame, value: str, source_label: Label, program_label: Label,
           amount: Callable[[float], str], title: str) -> go.Figure:
    """Sources on the left flowing to programmes on the right; each node names its amount, so the
    figure reads without telling colours apart. `value` is 'allocated_yuan' or 'spent_yuan'."""
    lines = lines[lines[value] > 0]
    sources = [c for c in FUNDING_SOURCES if c in set(lines["source"])]
    programs = [c for c in PROGRAMS if c in set(lines["program"])]
    totals = {**lines.groupby("source")[value].sum().to_dict(),
              **lines.groupby("program")[value].sum().to_dict()}
    nodes = sources + programs
    index = {("source", c): i for i, c in enumerate(sources)}
    index.update({("program", c): len(sources) + i for i, c in enumerate(programs)})
    colors = {c: PALETTE[i] for i, c in enumerate(FUNDING_SOURCES)}
    figure = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(
            label=[f"{(source_label if i < len(sources) else program_label)(c)} {amount(totals[c])}"
                   for i, c in enumerate(nodes)],
            color=[colors[c] for c in sources] + ["#999999"] * len(programs),
            pad=18, thickness=18,
        ),
        link=dict(
            source=[index[("source", s)] for s in lines["source"]],
            target=[index[("program", p)] for p in lines["program"]],
            value=(lines[value] / 10_000).round(2).tolist(),
            color=[_rgba(colors[s], 0.35) for s in lines["source"]],
            customdata=[f"{source_label(s)} → {program_label(p)}: {amount(v)}"
                        for s, p, v in zip(lines["source"], lines["program"], lines[value])],
            hovertemplate="%{customdata}<extra></extra>",
        ),
    ))
    figure.update_layout(title=title, height=max(360, 60 * max(len(sources), len(programs))),
                         font_size=13)
    return figure


# ---------------------------------------------------------------------------- subunits compared

@dataclass(frozen=True)
class Subunits:
    rows: pd.DataFrame  # one row per subunit, then the scope's own level (own_level) if it holds funds
    recorded_below: bool  # False: the funding of the scope is not split over its subunits


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


def recorded_above(run: RunQuery, year: int) -> pd.Series | None:
    """The nearest unit above the scope that holds the year's funding itself, if any."""
    frame = run("funding_recorded_above", year=year)
    return frame.iloc[0] if len(frame) else None


# ---------------------------------------------------------------------------- through the year

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


# ---------------------------------------------------------------------------- figures with a status

def add_status_markers(figure: go.Figure, x: list, y: list, statuses: list[Status | None],
                       texts: list[str], status_text: Callable[[Status | None], str], **trace) -> None:
    """One trace per status: colour, marker shape and the word in the legend (never colour alone)."""
    for status in dict.fromkeys(statuses):
        picked = [i for i, s in enumerate(statuses) if s == status]
        figure.add_scatter(
            x=[x[i] for i in picked], y=[y[i] for i in picked], text=[texts[i] for i in picked],
            name=status_text(status),
            marker=dict(size=13, color=STATUS_COLORS.get(status, "#999999"),
                        symbol=STATUS_MARKERS.get(status, "diamond"), line=dict(width=1, color="#333333")),
            **trace,
        )


def execution_by_unit(rows: pd.DataFrame, progress: float, status_text: Callable, progress_label: str,
                      rate: Callable[[float], str], title: str, axis_title: str) -> go.Figure:
    """Execution rate of each unit as a dot against a vertical line at 序时进度."""
    ranked = rows.sort_values("execution", na_position="first")
    figure = go.Figure()
    add_status_markers(
        figure, ranked["execution"].tolist(), ranked["label"].tolist(), ranked["status"].tolist(),
        [f"{rate(e)} {status_text(s)}" for e, s in zip(ranked["execution"], ranked["status"])],
        status_text, mode="markers+text", cliponaxis=False, textposition="middle right",
    )
    figure.add_vline(x=progress, line_dash="dash", line_color="#555555",
                     annotation_text=progress_label, annotation_position="top")
    # Not from zero: the units sit close together and the question is which side of the line each is on.
    shown = [e for e in ranked["execution"] if e is not None and pd.notna(e)] + [progress]
    spread = max(max(shown) - min(shown), 0.02)
    figure.update_xaxes(tickformat=".0%", title=axis_title,
                        range=[min(shown) - spread * 0.15, max(shown) + spread * 0.3])
    figure.update_layout(title=title, height=160 + 34 * len(ranked), legend_title_text="", showlegend=True,
                         margin=dict(r=90))
    return figure


def execution_over_time(points: pd.DataFrame, line: pd.DataFrame, status_text: Callable,
                        rate: Callable[[float], str], names: dict[str, str], title: str) -> go.Figure:
    """Execution at each snapshot date against the straight line of 序时进度 over the year."""
    figure = go.Figure()
    figure.add_scatter(x=line["day"], y=line["progress"], mode="lines", name=names["progress"],
                       line=dict(color="#555555", dash="dash"))
    figure.add_scatter(x=points["day"], y=points["execution"], mode="lines", name=names["execution"],
                       line=dict(color=PALETTE[0], width=2), hoverinfo="skip")
    add_status_markers(
        figure, points["day"].tolist(), points["execution"].tolist(), points["status"].tolist(),
        [f"{rate(e)} {status_text(s)}" for e, s in zip(points["execution"], points["status"])],
        status_text, mode="markers+text", cliponaxis=False, textposition="top left",
    )
    figure.update_xaxes(range=[line["day"].iloc[0], line["day"].iloc[-1]], tickformat=names["tick"],
                        title=names["day"])
    figure.update_yaxes(tickformat=".0%", range=[0, 1.1], title=names["axis"])
    figure.update_layout(title=title, height=420, legend_title_text="", showlegend=True)
    return figure
