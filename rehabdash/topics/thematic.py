"""The thematic map's data (专题图): one value per unit one level below the scope, by a chosen
indicator, and its class for the shading.

Coverage comes from the map's own data (townships with a built station, villages with a built room);
the rates and the task completion from the dispatch figures (`dispatch.subunit_statuses`), so the map
and the overview never disagree. Task completion is classed by its traffic light against 序时进度 where
the units have a task of their own; where none has (a district's townships: the task is held by the
district) they are judged as the dispatch ranking judges them (`dispatch.rank_basis`), by their service
rate, here against the scope's own, and the legend's note says so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n, memo
from rehabdash.kernel.columns import Column, status_text
from rehabdash.kernel.indicators import Status, ratio, time_progress, traffic_light
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
    note: str = ""  # what the classes measure when it is not the units' own task (legend and table say it)


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
        wanted = "devices_fitted" if indicator == "fitting_rate" else "precise_rehab_served"
        units = {key: next(s for s in items if s.indicator == wanted)
                 for key, items in dispatch.subunit_statuses(run, as_of, year, margin).items()}
        if indicator == "task_completion":
            return _task_completion(run, data, scope_root, units, as_of, year, margin, lang, progress)
        frame = pd.DataFrame([(code, name, s.rate) for (code, name), s in units.items()],
                             columns=["subunit_code", "subunit_name", "value"])
    frame["klass"] = frame["value"].map(rate_class)
    frame["text"] = frame["value"].map(lambda v: _percent(v) if v is not None and pd.notna(v)
                                       else i18n.text(lang, "thematic.no_value"))
    return Thematic(indicator, frame.reset_index(drop=True), rate_classes(lang), progress)


def _task_completion(run: RunQuery, data, scope_root: str, units: dict, as_of: dt.date, year: int,
                     margin: float, lang: str, progress: float) -> Thematic:
    """Precise-rehab task completion of each unit against 序时进度; where no unit has a task of its
    own, each unit's service rate against the scope's (the task is held one level up)."""
    statuses = [s.status for s in units.values()]  # kept out of the frame: pandas makes str enums str
    values = [s.completion for s in units.values()]
    classes = tuple(status_text(Status(c), lang) for c in STATUS_CLASSES)
    note = ""
    if dispatch.rank_basis({key: [s] for key, s in units.items()}, "precise_rehab_served") != "completion":
        own = next(s for s in dispatch.indicator_statuses(run, as_of, year, margin)
                   if s.indicator == "precise_rehab_served")
        values = [s.rate for s in units.values()]
        statuses = [traffic_light(v, own.rate, margin) if own.rate is not None else None for v in values]
        scope = fmt.region_name(_scope_name(data, scope_root), lang)
        points = fmt.amount(round(margin * 100, 1), lang)
        classes = tuple(f"{STATUS_SYMBOLS[Status(c)]} "
                        + i18n.text(lang, f"thematic.rate_{c}", scope=scope, points=points) for c in STATUS_CLASSES)
        note = (i18n.text(lang, "thematic.task_held", scope=scope, completion=fmt.completion(own.completion),
                          progress=fmt.completion(progress), rate=fmt.rate(own.rate))
                if own.target is not None else i18n.text(lang, "thematic.no_task_anywhere", scope=scope))
    frame = pd.DataFrame({"subunit_code": [code for code, _ in units], "subunit_name": [name for _, name in units],
                          "value": pd.Series(values, dtype=float)})
    frame["klass"] = [STATUS_CLASSES.index(s.value) if s is not None else -1 for s in statuses]
    missing = i18n.text(lang, "thematic.no_value" if note else "thematic.no_task")
    frame["text"] = [missing if s is None else f"{STATUS_SYMBOLS[s]} {_percent(v)}" for v, s in zip(values, statuses)]
    return Thematic("task_completion", frame, classes, progress, note)


def _scope_name(data, scope_root: str) -> str:
    regions = getattr(data, "regions", None)
    own = regions[regions["region_code"] == scope_root] if regions is not None else ()
    return str(own["name"].iloc[0]) if len(own) else scope_root


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def scope_shading(run: RunQuery, data: fm.MapData | fm.UnitMap, scope_root: str, as_of: dt.date, year: int,
                  margin: float, lang: str, indicator: str = "") -> Thematic | None:
    """The shading of a scope's map: above the city always (``indicator``, else fm.UNIT_THEME), from
    the city down only when an indicator is chosen (None otherwise)."""
    if isinstance(data, fm.UnitMap):
        indicator = indicator or fm.UNIT_THEME
    if not indicator:
        return None
    return subunit_values(run, data, scope_root, indicator, as_of, year, margin, lang)
