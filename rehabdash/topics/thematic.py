"""The thematic map's data (专题图): one value per unit one level below the scope, by a chosen
indicator, and its class for the shading.

Coverage comes from the map's own data (townships with a built station, villages with a built room);
the rates and the task completion from the dispatch figures (`dispatch.subunit_statuses`), so the map
and the overview never disagree. Task completion is classed by its traffic light against 序时进度.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import i18n, memo
from rehabdash.kernel.columns import Column, status_text
from rehabdash.kernel.indicators import Status, ratio, time_progress
from rehabdash.kernel.measures import RunQuery
from rehabdash.kernel.scope import ancestry
from rehabdash.kernel.theme import STATUS_SYMBOLS
from rehabdash.topics import dispatch
from rehabdash.topics import facility_map as fm

# The table under the thematic map: each unit with its value as the map labels it.
VALUE_COLUMNS = (Column("subunit_name", "thematic.col_unit", "text"), Column("text", "thematic.col_value", "text"))

INDICATORS = ("station_coverage", "room_coverage", "service_rate", "fitting_rate", "task_completion")
# Class edges of the rates and coverages (shares): below 60 %, 60–80 %, 80–95 %, 95 % and above.
RATE_EDGES = (0.6, 0.8, 0.95)
STATUS_CLASSES = ("red", "amber", "green")  # task completion: 滞后, 预警, 达标


@dataclass(frozen=True)
class Thematic:
    indicator: str
    values: pd.DataFrame  # subunit_code, subunit_name, value (share or None), klass (0..n-1 or -1), text
    classes: tuple[str, ...]  # the legend's class names, in the language asked for
    progress: float  # 序时进度 of the year at the snapshot date


def rate_class(value) -> int:
    if value is None or pd.isna(value):
        return -1
    return sum(value >= edge for edge in RATE_EDGES)


def rate_classes(lang: str) -> tuple[str, ...]:
    pct = [f"{round(e * 100)}%" for e in RATE_EDGES]
    return (i18n.text(lang, "thematic.below", edge=pct[0]),
            i18n.text(lang, "thematic.between", low=pct[0], high=pct[1]),
            i18n.text(lang, "thematic.between", low=pct[1], high=pct[2]),
            i18n.text(lang, "thematic.above", edge=pct[2]))


def _coverage(data: fm.MapData, coverage: pd.DataFrame, scope_root: str) -> pd.DataFrame:
    """Per subunit: townships, townships with a built station, villages, villages with a room."""
    regions = data.regions
    parents = dict(zip(regions["region_code"], regions["parent_code"]))
    subunits = regions[regions["parent_code"] == scope_root]
    codes = set(subunits["region_code"])

    def subunit_of(code):
        return next((c for c in ancestry(code, parents) if c in codes), None)

    built = fm.townships_without_station(data)
    towns = coverage.assign(subunit_code=coverage["township_code"].map(subunit_of),
                            with_station=~coverage["township_code"].isin(built))
    sums = towns.groupby("subunit_code").agg(townships=("township_code", "count"),
                                             with_station=("with_station", "sum"),
                                             villages=("villages", "sum"),
                                             villages_with_room=("villages_with_room", "sum"))
    return subunits[["region_code", "name"]].rename(columns={"region_code": "subunit_code",
                                                             "name": "subunit_name"}) \
        .merge(sums, left_on="subunit_code", right_index=True, how="left")


def _unit_coverage(data: fm.UnitMap) -> pd.DataFrame:
    """The same sums above the city, where SQL counted them per unit (map_subunit_counts)."""
    return data.units.rename(columns={"townships_with_station": "with_station"})[
        ["subunit_code", "subunit_name", "townships", "with_station", "villages", "villages_with_room"]]


@memo.by_inputs
def subunit_values(run: RunQuery, data: fm.MapData | fm.UnitMap, scope_root: str, indicator: str, as_of: dt.date,
                   year: int, margin: float, lang: str) -> Thematic:
    """The chosen indicator for every unit one level below the scope, classed for the shading."""
    progress = time_progress(as_of, year)
    if indicator in ("station_coverage", "room_coverage"):
        table = (_unit_coverage(data) if isinstance(data, fm.UnitMap)
                 else _coverage(data, fm.township_coverage(run, data), scope_root))
        num, den = (("with_station", "townships") if indicator == "station_coverage"
                    else ("villages_with_room", "villages"))
        values = [ratio(n, d) if pd.notna(d) else None for n, d in zip(table[num], table[den])]
        frame = table[["subunit_code", "subunit_name"]].assign(value=values)
    else:
        statuses = dispatch.subunit_statuses(run, as_of, year, margin)
        wanted = "devices_fitted" if indicator == "fitting_rate" else "precise_rehab_served"
        rows = []
        for (code, name), items in statuses.items():
            s = next(s for s in items if s.indicator == wanted)
            if indicator == "task_completion":
                rows.append((code, name, s.completion, s.status))
            else:
                rows.append((code, name, s.rate, None))
        frame = pd.DataFrame(rows, columns=["subunit_code", "subunit_name", "value", "status"])
    if indicator == "task_completion":
        frame["klass"] = [STATUS_CLASSES.index(s.value) if s is not None else -1 for s in frame["status"]]
        frame["text"] = [_status_text(v, s, lang) for v, s in zip(frame["value"], frame["status"])]
        classes = tuple(status_text(Status(c), lang) for c in STATUS_CLASSES)
    else:
        frame["klass"] = frame["value"].map(rate_class)
        frame["text"] = frame["value"].map(lambda v: _percent(v) if v is not None and pd.notna(v)
                                           else i18n.text(lang, "thematic.no_value"))
        classes = rate_classes(lang)
    return Thematic(indicator, frame.drop(columns=["status"], errors="ignore").reset_index(drop=True),
                    classes, progress)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _status_text(value, status, lang: str) -> str:
    if value is None or pd.isna(value) or status is None:
        return i18n.text(lang, "thematic.no_task")
    return f"{STATUS_SYMBOLS[status]} {_percent(value)}"


def scope_shading(run: RunQuery, data: fm.MapData | fm.UnitMap, scope_root: str, as_of: dt.date, year: int,
                  margin: float, lang: str, indicator: str = "") -> Thematic | None:
    """The shading of a scope's map: above the city always (``indicator``, else fm.UNIT_THEME), from
    the city down only when an indicator is chosen (None otherwise)."""
    if isinstance(data, fm.UnitMap):
        indicator = indicator or fm.UNIT_THEME
    if not indicator:
        return None
    return subunit_values(run, data, scope_root, indicator, as_of, year, margin, lang)
