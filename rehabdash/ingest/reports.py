"""The reporting cycle (报送) on the write side: the month a workbook reports, and the report rows a
publish records in the snapshot's `reports` table (contract.REPORTS).

- A workbook reports one month, declared on its instructions sheet or on the upload page (the
  command line's --month); by default the month being collected (kernel.months.collecting_month).
- Its monthly rows must lie in that month; event rows (loans, returns, site-task updates) in or before it.
- A reporting unit is the township or district whose rows the workbook carries (a village's rows count
  for its township; loans and stock for their station's region; site tasks for their facility's).
- A report of a month earlier than the newest snapshot's, or of a month a unit has already reported for
  that table, is a correction (补报/更正) and needs a reason.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from rehabdash.ingest.scope_rules import INSTITUTION_TABLES, unit_places
from rehabdash.kernel.contract import REPORTS, TABLES
from rehabdash.kernel.months import month_start


NOT_REPORTS = ("regions",)  # the region tree is kept, not reported
_BY_STATION = ("device_loans", "device_stock")


def _unit_of(regions: pd.DataFrame) -> dict[str, str]:
    """Region code → its reporting unit: a village's township, any other region itself."""
    levels = dict(zip(regions["region_code"], regions["level"]))
    parents = dict(zip(regions["region_code"], regions["parent_code"]))
    return {code: parents.get(code) if level == "village" and parents.get(code) else code
            for code, level in levels.items()}


def units(imported: dict[str, pd.DataFrame], known: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(region_code, table_name) of every reporting unit and table the imported rows carry. `known`
    holds the regions, stations and facilities of the snapshot with the imported ones."""
    unit_of = _unit_of(known["regions"])
    station_region = dict(zip(known["device_stations"]["station_id"], known["device_stations"]["region_code"]))
    facility_region = dict(zip(known["facilities"]["facility_id"], known["facilities"]["region_code"]))
    found = []
    for table, frame in imported.items():
        if table in NOT_REPORTS or table not in TABLES or not len(frame):
            continue
        if "region_code" in frame:
            codes = frame["region_code"]
        elif "township_code" in frame:
            codes = frame["township_code"]
        elif table in _BY_STATION:
            codes = frame["station_id"].map(station_region)
        elif table in INSTITUTION_TABLES:  # an alliance's rows count for each member's place
            places = unit_places(known["institutions"], known["alliances"])
            codes = pd.Series([region for unit in frame[INSTITUTION_TABLES[table]]
                               for _, region in places.get(unit, ())], dtype=object)
        else:
            codes = frame["facility_id"].map(facility_region)
        for code in codes.dropna().unique():
            found.append((unit_of.get(code, code), table))
    return pd.DataFrame(sorted(set(found)), columns=["region_code", "table_name"])


def rows(carried: pd.DataFrame, month: dt.date, previous: pd.DataFrame, newest: dt.date | None,
         reason: str = "") -> pd.DataFrame:
    """The report rows of `carried` (units() of a workbook) for `month`, before publishing adds when
    and who: a correction where the month is before `newest`'s month or was reported before."""
    before = set(zip(previous["region_code"], previous["table_name"],
                     pd.to_datetime(previous["month"]).dt.date)) if len(previous) else set()
    earlier = newest is not None and month < month_start(newest)
    frame = carried.assign(month=month)
    frame["correction"] = [earlier or (code, table, month) in before
                           for code, table in zip(frame["region_code"], frame["table_name"])]
    frame["reason"] = reason
    return frame


def stamped(report_rows: pd.DataFrame, account: str, at: dt.datetime) -> pd.DataFrame:
    """The report rows as published: when (local time) and by which signed-in account."""
    frame = report_rows.assign(reported_at=at.isoformat(timespec="seconds"), account=account)
    frame["correction"] = frame["correction"].astype(bool)
    return frame[list(REPORTS)]
