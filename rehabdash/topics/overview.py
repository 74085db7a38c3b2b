"""Headline figures of the overview page, from named queries, with the indicator arithmetic applied."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import memo
from rehabdash.kernel.contract import FACILITY_STATUSES, TIERS
from rehabdash.kernel.indicators import time_progress
from rehabdash.kernel.measures import Measure, RunQuery, measure_of, year_window


@dataclass(frozen=True)
class Headline:
    served: Measure
    fitted: Measure
    children: Measure  # base = applicants: the 应救尽救 coverage
    funds: Measure  # value = spent, base = allocated: the execution rate
    facilities: pd.DataFrame  # tier x status counts, every combination present
    time_progress: float


def facility_matrix(counts: pd.DataFrame) -> pd.DataFrame:
    """Tier x status table of facility counts with zeros where the scope has none."""
    matrix = counts.pivot_table(index="tier", columns="status", values="facilities", aggfunc="sum")
    return matrix.reindex(index=list(TIERS), columns=list(FACILITY_STATUSES)).fillna(0).astype(int)


@memo.by_inputs
def headline(run: RunQuery, as_of: dt.date, year: int) -> Headline:
    window = year_window(as_of, year)
    targets = run("target_totals", year=year).set_index("indicator")["target_value"].to_dict()
    funds = run("funding_totals", year=year).iloc[0]
    return Headline(
        served=measure_of(run("rehab_services_totals", **window), year, "served", "need",
                        targets.get("precise_rehab_served")),
        fitted=measure_of(run("device_totals", **window), year, "fitted", "need",
                        targets.get("devices_fitted")),
        children=measure_of(run("child_rehab_totals", **window), year, "aided", "applicants",
                          targets.get("children_aided")),
        funds=Measure(funds["spent_yuan"], base=funds["allocated_yuan"]),
        facilities=facility_matrix(run("facility_counts")),
        time_progress=time_progress(as_of, year),
    )

