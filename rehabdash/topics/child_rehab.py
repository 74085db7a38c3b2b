"""残疾儿童康复救助 (child rehabilitation assistance): the figures of the child page, from named queries.

Every table here comes out with its small-number care already applied (rehabdash.kernel.suppression): at
township level, counts of 1–4 children read '<5' and what would give them back reads '*'. Pages and
downloads show these tables as they are, so nothing shown can be more exact than the rule allows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from rehabdash.kernel import memo, suppression
from rehabdash.kernel.config import suppress_below
from rehabdash.kernel.contract import AGE_BANDS, DISABILITY_TYPES
from rehabdash.kernel.indicators import ratio
from rehabdash.kernel.measures import (
    Measure,
    RunQuery,
    measure_of,
    year_row,
    year_window,
)
from rehabdash.kernel.scope import Scope

TOTAL = "total"  # index of the total row of a breakdown
DIMENSIONS = {"disability_type": DISABILITY_TYPES, "age_band": AGE_BANDS}
COUNTS = ("applicants", "aided", "early_intervention")  # counts of children: the suppressed cells
# Columns computed from counts; each is hidden wherever a count it comes from is. Money follows the
# children it was spent on: with a public per-child standard, funds would give the count back.
DERIVED = {
    "coverage": ("aided", "applicants"),
    "funds_yuan": ("aided",),
    "funds_per_child": ("aided",),
    "share": ("aided",),
}


def threshold(scope: Scope) -> int:
    """The suppression threshold for this scope: the configured one at township level, else 0 (off)."""
    return suppress_below() if scope.township else 0


# ---------------------------------------------------------------------------- disclosure control

TOWNSHIP_COUNTS = {"aided": "children_aided", "applicants": "children_applicants",
                   "early_intervention": "early_intervention"}  # column → indicator measure


@dataclass(frozen=True)
class Disclosure:
    """What of the scope's children counts may be shown, for every output (page, XLSX, PPTX).

    ``own``: at township scope with the care on, the township's counts as they may be shown (keys of
    TOWNSHIP_COUNTS; rounded, '<5' or '*', from the district's whole sibling set), else empty: the
    scope's figures are shown as they are. ``townships``: at district scope, whether the subunit rows
    (townships) must go through :func:`protect_subunits`."""

    below: int = 0
    own: dict = field(default_factory=dict)
    townships: bool = False

    @property
    def active(self) -> bool:
        return bool(self.own)


@memo.by_inputs
def disclosure(run_parent: RunQuery | None, scope: Scope, as_of: dt.date, year: int) -> Disclosure:
    """The one entry point: the disclosure control of `scope`'s children figures.

    `run_parent` runs a named query on the township's district (``Filters.run_parent``); it is only
    called at township scope. Off (``below`` 0) by REHAB_SUPPRESS_BELOW=0."""
    below = suppress_below()
    if below <= 0 or not scope.district:
        return Disclosure()
    if not scope.township:
        return Disclosure(below, townships=True)
    until = year_window(as_of, year)["until"]
    siblings = run_parent("child_rehab_by_subunit", year=year, until=until).set_index("subunit_code")
    shown = suppression.protect_townships(siblings[list(TOWNSHIP_COUNTS)], below)
    own = shown.loc[scope.township].to_dict() if scope.township in shown.index else \
        {column: 0 for column in TOWNSHIP_COUNTS}
    return Disclosure(below, own=own)


def protect_subunits(values: pd.DataFrame, below: int) -> pd.DataFrame:
    """Township rows (ALL townships of one district) x indicator measures, children's measures
    ('children_aided', 'children_applicants') as they may be shown; other measures unchanged."""
    columns = [c for c in TOWNSHIP_COUNTS.values() if c in values]
    return values.assign(**suppression.protect_townships(values[columns], below)) if columns else values


def _protect(table: pd.DataFrame, below: int, *, total_row: bool) -> pd.DataFrame:
    return suppression.protect(
        table, [c for c in COUNTS if c in table], below, total_row=total_row,
        follow={column: sources for column, sources in DERIVED.items() if column in table},
    )


# ---------------------------------------------------------------------------- headline

FIGURES = ("aided", "applicants", "coverage", "funds_yuan", "funds_per_child", "early_intervention")


@dataclass(frozen=True)
class Headline:
    aided: Measure  # base = applicants: the 应救尽救 coverage
    applicants: Measure
    early_intervention: Measure  # small children given early intervention, of the aided
    funds: Measure  # yuan spent on the aided children
    coverage_last_year: float | None

    @property
    def funds_per_child(self) -> Measure:
        return Measure(ratio(self.funds.value, self.aided.value),
                       ratio(self.funds.last_year, self.aided.last_year))

    def table(self) -> pd.DataFrame:
        """This year and the same period last year as two rows, one column per figure."""
        rows = {
            "aided": self.aided, "applicants": self.applicants, "funds_yuan": self.funds,
            "funds_per_child": self.funds_per_child, "early_intervention": self.early_intervention,
            "coverage": Measure(self.aided.rate, self.coverage_last_year),
        }
        return pd.DataFrame({name: [rows[name].value, rows[name].last_year] for name in FIGURES},
                            index=["this_year", "last_year"])


@memo.by_inputs
def headline(run: RunQuery, as_of: dt.date, year: int) -> Headline:
    totals = run("child_rehab_totals", **year_window(as_of, year))
    last_year = year_row(totals, year - 1)
    return Headline(
        aided=measure_of(totals, year, "aided", "applicants"),
        applicants=measure_of(totals, year, "applicants", None),
        early_intervention=measure_of(totals, year, "early_intervention", None),
        funds=measure_of(totals, year, "funds_yuan", None),
        coverage_last_year=ratio(last_year.get("aided"), last_year.get("applicants")),
    )


@dataclass(frozen=True)
class Figure:
    """One headline figure as it may be shown: a marker instead of the value where it is hidden."""

    value: float | str | None
    change: float | None  # relative change on last year; points for the coverage rate


@memo.by_inputs
def figures(h: Headline, below: int, disclosed: Disclosure | None = None) -> dict[str, Figure]:
    """The headline with small-number care: a change is hidden when either year's figure is.

    With a township's `disclosed` counts, those are shown and every rate, sum of money and change
    is hidden ('*'): computed from exact counts they would give them back."""
    if disclosed is not None and disclosed.active:
        return {name: Figure(disclosed.own.get(name, suppression.COMPLEMENTARY), None) for name in FIGURES}
    table = h.table()
    shown = _protect(table, below, total_row=False)
    result = {}
    for name in FIGURES:
        now, before = table[name]
        hidden = any(suppression.is_hidden(v) for v in shown[name])
        if hidden or now is None or before is None or pd.isna(now) or pd.isna(before):
            change = None
        elif name == "coverage":
            change = now - before  # a rate changes by percentage points
        else:
            change = Measure(now, before).change
        result[name] = Figure(shown.at["this_year", name], change)
    return result


# ---------------------------------------------------------------------------- month by month

@memo.by_inputs
def cumulative_by_month(run: RunQuery, as_of: dt.date, year: int) -> pd.DataFrame:
    """Children aided from January to each month: this year up to the snapshot date, last year whole."""
    until = year_window(as_of, year)["until"]
    monthly = run("child_rehab_monthly", year=year, until=until)
    by_year = monthly.pivot_table(index="month", columns="year", values="aided", aggfunc="sum")
    by_year = by_year.reindex(index=range(1, 13), columns=[year, year - 1]).fillna(0).cumsum()
    frame = pd.DataFrame({"month": range(1, 13), "this_year": by_year[year].to_numpy(),
                          "last_year": by_year[year - 1].to_numpy()})
    frame.loc[frame["month"] > until.month, "this_year"] = None  # not reported yet
    return frame.astype({"this_year": "Int64", "last_year": "Int64"})


# ---------------------------------------------------------------------------- breakdowns

def _with_total(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (numbers only) with a last row of column sums, indexed TOTAL, each column's type kept."""
    return pd.concat([frame, frame.sum().to_frame(TOTAL).T]).astype(frame.dtypes.to_dict())


@memo.by_inputs
def breakdown(run: RunQuery, as_of: dt.date, year: int, dimension: str, below: int) -> pd.DataFrame:
    """Applicants, aided, coverage, early intervention and funds per code of `dimension`
    ('disability_type' or 'age_band'; every code listed, zero where none) and a total row."""
    until = year_window(as_of, year)["until"]
    frame = run("child_rehab_breakdown", dimension=dimension, year=year, until=until)
    columns = ["applicants", "aided", "early_intervention", "funds_yuan"]
    frame = frame.set_index("category")[columns].reindex(DIMENSIONS[dimension], fill_value=0)
    table = _with_total(frame.astype({c: int for c in COUNTS}))
    table.insert(2, "coverage", [ratio(a, n) for a, n in zip(table["aided"], table["applicants"])])
    return _protect(table, below, total_row=True)


@memo.by_inputs
def institutions(run: RunQuery, as_of: dt.date, year: int, below: int) -> pd.DataFrame:
    """Designated institutions serving children: in the scope, or taking the scope's children this year.

    Each with its children from the scope, funds and share of the scope's load (its children /
    all the scope's children), most children first, and a total row.
    """
    until = year_window(as_of, year)["until"]
    frame = run("child_rehab_institutions", year=year, until=until).set_index("institution_id")
    body = frame[["aided", "funds_yuan"]].astype({"aided": int})
    table = _with_total(body)
    table["share"] = [ratio(a, table.at[TOTAL, "aided"]) for a in table["aided"]]
    described = frame[["name", "kind", "ownership", "district_name"]].reindex(table.index)
    shown = pd.concat([described, _protect(table, below, total_row=True)], axis=1)
    # Hidden rows go last in code order: ranked by their true counts, they would tell 4 from 1.
    hidden = shown["aided"].map(suppression.is_hidden) & (shown.index != TOTAL)
    return pd.concat([shown[~hidden].iloc[:-1], shown[hidden].sort_index(), shown.iloc[[-1]]])
