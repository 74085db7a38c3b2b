"""辅具适配: need vs fitted and the annual task, the service points (辅具服务站点), and the
community sharing/rental of devices (社区辅具租赁/共享): loans, returns and the stock placed at stations.

Every function takes `run` (a Filters.run: a named query bound to one snapshot and scope) plus the
snapshot date and year; rates, completion, 序时进度 and traffic lights come from indicators.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import memo
from rehabdash.kernel.config import CreditRule, amber_margin, credit_rule
from rehabdash.kernel.credit import OUTCOMES, credit_scores, loan_outcomes as credit_outcomes
from rehabdash.kernel.contract import DEVICE_TYPES, FUNDING_SOURCES, STATION_KINDS
from rehabdash.kernel.indicators import ratio, time_progress, traffic_light
from rehabdash.kernel.measures import Measure, RunQuery, TaskFigure, year_row, year_window

# ---------------------------------------------------------------------------- fitting

@dataclass(frozen=True)
class Fitting(TaskFigure):
    """Persons fitted this year to date (the measure: base = need, target = annual task) against the
    annual task and 序时进度, and the need."""

    need: Measure  # value = need, last_year = need in the same period last year

    @property
    def fitted(self) -> Measure:
        return self.measure

    @property
    def last_year_rate(self) -> float | None:
        return ratio(self.fitted.last_year, self.need.last_year)


@memo.by_inputs
def fitting(run: RunQuery, as_of: dt.date, year: int, margin: float | None = None) -> Fitting:
    totals = run("device_totals", **year_window(as_of, year))
    now, before = year_row(totals, year), year_row(totals, year - 1)
    target = run("target_totals", year=year).set_index("indicator")["target_value"].get("devices_fitted")
    fitted = Measure(now.get("fitted"), before.get("fitted"), now.get("need"), target)
    progress = time_progress(as_of, year)
    margin = amber_margin() if margin is None else margin
    return Fitting("devices_fitted", fitted, progress, margin, Measure(now.get("need"), before.get("need")))


@memo.by_inputs
def by_device_type(run: RunQuery, as_of: dt.date, year: int) -> pd.DataFrame:
    """Need, fitted and fitting rate of every device type (zeros where the scope has none)."""
    until = year_window(as_of, year)["until"]
    frame = (run("device_totals_by_type", year=year, until=until).set_index("device_type")
             .reindex(list(DEVICE_TYPES), fill_value=0).rename_axis("device_type").reset_index())
    return frame.assign(rate=[ratio(f, n) for f, n in zip(frame["fitted"], frame["need"])])


@memo.by_inputs
def by_subunit(run: RunQuery, as_of: dt.date, year: int, margin: float | None = None) -> pd.DataFrame:
    """Need, fitted, fitting rate, annual task, completion and traffic light of each unit one level
    below the scope that has any need or fitting; units without a task (townships) have no light."""
    until = year_window(as_of, year)["until"]
    frame = run("device_totals_by_subunit", year=year, until=until)
    frame = frame[(frame["need"] > 0) | (frame["fitted"] > 0)].reset_index(drop=True)
    target = frame["target"].astype(object).where(frame["target"].notna(), None)
    progress = time_progress(as_of, year)
    margin = amber_margin() if margin is None else margin
    completion = [ratio(f, t) for f, t in zip(frame["fitted"], target)]
    return frame.assign(
        target=target,
        rate=[ratio(f, n) for f, n in zip(frame["fitted"], frame["need"])],
        completion=completion,
        # object dtype keeps the Status members (pandas would turn a str-enum list into plain strings)
        status=pd.Series([traffic_light(c, progress, margin) for c in completion], index=frame.index,
                         dtype=object),
    )


# ---------------------------------------------------------------------------- service points

@dataclass(frozen=True)
class ServicePoints:
    """The service points open at the end of the period (the year, or the snapshot date within it)."""

    stations: pd.DataFrame  # station_id, name, kind, region_code, district_name, township_name, lon, lat, opened_on
    total: Measure  # open now; last_year = open a year earlier
    by_kind: pd.Series  # kind -> open now, every kind


@memo.by_inputs
def service_points(run: RunQuery, as_of: dt.date, year: int) -> ServicePoints:
    window = year_window(as_of, year)
    now = run("device_station_counts", until=window["until"]).set_index("kind")["stations"]
    before = run("device_station_counts", until=window["until_last_year"])["stations"].sum()
    return ServicePoints(
        stations=run("device_station_list", until=window["until"]),
        total=Measure(int(now.sum()), int(before)),
        by_kind=now.reindex(list(STATION_KINDS), fill_value=0).astype(int),
    )


@memo.by_inputs
def openings_by_year(stations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Points opened in each year up to `year`, by kind, and how many of that kind were open at its end."""
    if stations.empty:
        return pd.DataFrame(columns=["year", "kind", "opened", "open_at_end"])
    opened_year = pd.to_datetime(stations["opened_on"]).dt.year
    years = range(int(opened_year.min()), year + 1)
    counts = (pd.crosstab(opened_year, stations["kind"])
              .reindex(index=years, columns=list(STATION_KINDS), fill_value=0))
    counts.index.name, counts.columns.name = "year", "kind"
    opened = counts.stack().rename("opened")
    open_at_end = counts.cumsum().stack().rename("open_at_end")
    return pd.concat([opened, open_at_end], axis=1).reset_index().astype(
        {"opened": int, "open_at_end": int})


# ---------------------------------------------------------------------------- loans and stock

@dataclass(frozen=True)
class Loans:
    """Loans of shared devices lent during the year, as they stand at the snapshot date."""

    lent: int
    returned: int
    overdue: int  # not returned, past the due date and not lost
    lost: int  # recorded lost (from its due date): no longer out, never coming back

    @property
    def on_loan(self) -> int:  # still out with the borrower, overdue or not (lost ones are not)
        return self.lent - self.returned - self.lost

    @property
    def return_rate(self) -> float | None:
        return ratio(self.returned, self.lent)


@memo.by_inputs
def loan_totals(run: RunQuery, as_of: dt.date, year: int) -> Loans:
    row = run("device_loan_totals", year=year, as_of=as_of).iloc[0]
    return Loans(int(row["loans"]), int(row["returned"]), int(row["overdue"]), int(row["lost"]))


LOAN_COLUMNS = ["loans", "returned", "on_loan", "overdue", "lost", "return_rate"]


@memo.by_inputs
def loans_by(run: RunQuery, as_of: dt.date, year: int, stations: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Loans of the year per station ('station': with the station's name, kind and place) and per
    device type ('device_type'), each with returned, on loan, overdue, lost and the return rate."""
    loans = run("device_loans_by_station", year=year, as_of=as_of)

    def summed(key: str) -> pd.DataFrame:
        frame = loans.groupby(key, as_index=False)[["loans", "returned", "overdue", "lost"]].sum()
        frame = frame.astype({"loans": int, "returned": int, "overdue": int, "lost": int})
        frame["on_loan"] = frame["loans"] - frame["returned"] - frame["lost"]
        frame["return_rate"] = [ratio(r, n) for r, n in zip(frame["returned"], frame["loans"])]
        return frame[[key, *LOAN_COLUMNS]]

    place = stations[["station_id", "name", "kind", "district_name", "township_name"]]
    per_station = place.merge(summed("station_id"), on="station_id", how="inner")
    per_type = summed("device_type").set_index("device_type")
    per_type = per_type.reindex([d for d in DEVICE_TYPES if d in per_type.index]).reset_index()
    return {"station": per_station.sort_values("loans", ascending=False, ignore_index=True),
            "device_type": per_type}


LOAN_OUTCOMES = ("returned", "in_term", "overdue", "lost")


def loan_outcomes(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Long form of a loans_by frame for a stacked chart: every loan is exactly one of returned,
    on loan and not yet due (in_term), overdue, or lost."""
    parts = frame.assign(in_term=frame["on_loan"] - frame["overdue"])
    return parts.melt(id_vars=[key], value_vars=list(LOAN_OUTCOMES), var_name="outcome", value_name="count")


@dataclass(frozen=True)
class Stock:
    """Shared devices placed at the service points (社区共享辅具)."""

    per_station: pd.DataFrame  # station columns, one column per device type, total, placed_in_year
    placed_in_year: pd.DataFrame  # device_type, source, station_kind, quantity (device_stock_totals)

    @property
    def total(self) -> int:
        return int(self.per_station["total"].sum()) if len(self.per_station) else 0

    @property
    def placed(self) -> int:
        return int(self.placed_in_year["quantity"].sum())

    @property
    def placed_by_source(self) -> pd.Series:
        """Pieces placed in the year by source of the devices (e.g. 212 wheelchairs from higher level)."""
        sources = self.placed_in_year.groupby("source")["quantity"].sum()
        return sources.reindex([c for c in FUNDING_SOURCES if c in sources.index]).astype(int)


@memo.by_inputs
def stock(run: RunQuery, as_of: dt.date, year: int, stations: pd.DataFrame) -> Stock:
    window = year_window(as_of, year)
    rows = run("device_stock_by_station", year=year, until=window["until"])
    held = set(rows["device_type"].unique())  # once, not once per device type (31,000 rows in a nation)
    quantities = (rows.pivot_table(index="station_id", columns="device_type", values="quantity", aggfunc="sum")
                  .reindex(columns=[d for d in DEVICE_TYPES if d in held])
                  .fillna(0).astype(int))
    quantities["total"] = quantities.sum(axis=1)
    quantities["placed_in_year"] = rows.groupby("station_id")["placed_in_year"].sum().astype(int)
    place = stations[["station_id", "name", "kind", "district_name", "township_name"]]
    per_station = place.merge(quantities.reset_index(), on="station_id", how="inner")
    placed = run("device_stock_totals", year=year)
    return Stock(per_station, placed.astype({"quantity": int}))


# ---------------------------------------------------------------------------- credit (信用积分)

CREDIT_BAND = 10  # points per bar of the distribution, counted from the threshold
CREDIT_COUNTS = ["loans", "on_time", "late", "lost", "refused"]


@dataclass(frozen=True)
class Credit:
    """Borrowers' credit scores (kernel/credit.py) and the loans the score counts, totals only: no
    borrower reference leaves this function."""

    rule: CreditRule
    until: dt.date  # the day the scores and outcomes stand on (the year's end, or the snapshot date)
    bands: pd.DataFrame  # low, high, borrowers, below (bool): borrowers of the year by score band
    per_station: pd.DataFrame  # place columns, loans, on_time, late, lost, refused: stations with any
    refused: int  # requests of the year refused for low credit
    mean: float | None  # the borrowers' mean score (None without borrowers)

    @property
    def borrowers(self) -> int:
        return int(self.bands["borrowers"].sum())

    @property
    def below(self) -> int:
        return int(self.bands.loc[self.bands["below"], "borrowers"].sum())


@memo.by_inputs
def credit(run: RunQuery, as_of: dt.date, year: int, stations: pd.DataFrame) -> Credit:
    """The credit of the borrowers who borrowed or asked in the year at the scope's points, scored on
    their loans there up to the year's end (or the snapshot date), grouped in bands of CREDIT_BAND
    points from the threshold up and down; and per station the year's loans by outcome on that day."""
    until = year_window(as_of, year)["until"]
    rule = credit_rule()
    history = run("device_loan_history", until=until)
    of_year = history[pd.to_datetime(history["lent_on"]).dt.year == year]
    # loans without a reference (a version published before there were any) have nobody to score
    scores = credit_scores(history, until, rule).reindex(of_year["borrower_ref"].dropna().unique())
    low = rule.threshold + (scores - rule.threshold) // CREDIT_BAND * CREDIT_BAND
    counts = low.value_counts()
    edges = range(int(low.min()), int(low.max()) + 1, CREDIT_BAND) if len(low) else []
    bands = pd.DataFrame({"low": list(edges)})
    bands["high"] = bands["low"] + CREDIT_BAND - 1
    bands["borrowers"] = [int(counts.get(edge, 0)) for edge in bands["low"]]
    bands["below"] = bands["low"] < rule.threshold
    bands["low"] = bands["low"].clip(lower=0)  # a score is never below 0 (threshold 65: 0–4, not -5–4)

    outcomes = pd.crosstab(of_year["station_id"], credit_outcomes(of_year, until)).reindex(
        columns=list(OUTCOMES), fill_value=0)
    outcomes["loans"] = outcomes.drop(columns="refused").sum(axis=1)
    place = stations[["station_id", "name", "kind", "district_name", "township_name"]]
    per_station = place.merge(outcomes[CREDIT_COUNTS].astype(int).reset_index(), on="station_id", how="inner")
    per_station = per_station.sort_values(["late", "lost", "refused", "loans"], ascending=False, ignore_index=True)
    return Credit(rule, until, bands, per_station, int(outcomes["refused"].sum()),
                  float(scores.mean()) if len(scores) else None)
