"""The dispatch-meeting (调度会) view: indicators against annual task and 序时进度, subunit ranking,
change since the previous snapshot, and the lagging items with the unit responsible."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.contract import INDICATORS
from rehabdash.kernel.indicators import Status, ratio, time_progress, traffic_light
from rehabdash.kernel.measures import RunQuery
from rehabdash.kernel.theme import STATUS_SYMBOLS

# Indicators in the order a meeting reads them; each with the measure its rate divides by, if any.
INDICATOR_ORDER = (
    "precise_rehab_served",
    "devices_fitted",
    "children_aided",
    "cataract_surgery",
    "township_stations_built",
    "village_rooms_built",
)
RATE_BASES = {
    "precise_rehab_served": "precise_rehab_need",
    "devices_fitted": "devices_need",
    "children_aided": "children_applicants",
}
assert set(INDICATOR_ORDER) == set(INDICATORS)


def until_of(as_of: dt.date, year: int) -> dt.date:
    """The last day counted for `year` in a snapshot taken on `as_of`."""
    return min(as_of, dt.date(year, 12, 31))


@dataclass(frozen=True)
class IndicatorStatus:
    indicator: str
    actual: float
    target: float | None
    base: float | None  # denominator of the indicator's rate (need, applicants), if it has one
    progress: float
    margin: float
    # Disclosure control (child_rehab.disclosure): what may be shown instead of `actual` ('<5', '*',
    # a rounded count); completion, rate and traffic light are then hidden, as they give it back.
    shown: object = None

    @property
    def completion(self) -> float | None:
        return None if self.shown is not None else ratio(self.actual, self.target)

    @property
    def rate(self) -> float | None:
        return None if self.shown is not None else ratio(self.actual, self.base)

    @property
    def status(self) -> Status | None:
        return traffic_light(self.completion, self.progress, self.margin)


def _statuses(values: dict, targets: dict, progress: float, margin: float) -> list[IndicatorStatus]:
    return [
        IndicatorStatus(
            indicator, float(values.get(indicator, 0) or 0), _number(targets.get(indicator)),
            _number(values.get(RATE_BASES[indicator])) if indicator in RATE_BASES else None,
            progress, margin,
        )
        for indicator in INDICATOR_ORDER
    ]


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _disclosed(s: IndicatorStatus, shown) -> IndicatorStatus:
    """`s` as disclosure control lets it be shown: the number only where it is a rounded count."""
    value = None if isinstance(shown, str) else float(shown)
    return dataclasses.replace(s, actual=value, base=None, shown=shown)


def indicator_statuses(run: RunQuery, as_of: dt.date, year: int, margin: float,
                       disclosure=None) -> list[IndicatorStatus]:
    """Each indicator of the scope: actual to date, annual target, completion and traffic light.
    `disclosure` (child_rehab.disclosure of the scope) controls the children's figure."""
    values = run("indicator_actuals", year=year, until=until_of(as_of, year))
    targets = run("target_totals", year=year)
    statuses = _statuses(dict(zip(values["measure"], values["value"])),
                         dict(zip(targets["indicator"], targets["target_value"])),
                         time_progress(as_of, year), margin)
    if disclosure is not None and disclosure.active:
        statuses = [_disclosed(s, disclosure.own["aided"]) if s.indicator == "children_aided" else s
                    for s in statuses]
    return statuses


def subunit_statuses(run: RunQuery, as_of: dt.date, year: int, margin: float,
                     disclosure=None) -> dict[tuple[str, str], list[IndicatorStatus]]:
    """The same per unit one level below the scope, keyed by (code, name), in code order.
    With `disclosure` of a district, its townships' children figures are controlled as a set."""
    frame = run("subunit_indicators", year=year, until=until_of(as_of, year))
    progress = time_progress(as_of, year)
    shown = None
    if disclosure is not None and disclosure.townships and len(frame):
        from rehabdash.topics.child_rehab import (
            protect_subunits,  # the topic layer owns the rule
        )

        wide = frame.pivot_table(index="subunit_code", columns="measure", values="value", aggfunc="sum")
        shown = protect_subunits(wide.fillna(0), disclosure.below)
    result = {}
    for (code, name), rows in frame.groupby(["subunit_code", "subunit_name"], sort=True):
        statuses = _statuses(dict(zip(rows["measure"], rows["value"])),
                             dict(zip(rows["measure"], rows["target"])), progress, margin)
        if shown is not None and "children_aided" in shown:
            statuses = [_disclosed(s, shown.at[code, "children_aided"]) if s.indicator == "children_aided"
                        else s for s in statuses]
        result[(code, name)] = statuses
    return result


def service_rates(subunits: dict[tuple[str, str], list[IndicatorStatus]]) -> pd.DataFrame:
    """Need, served and precise-rehab service rate per subunit, from the statuses already computed."""
    rows = [(code, name, s.base or 0, s.actual, s.rate)
            for (code, name), statuses in subunits.items()
            for s in statuses if s.indicator == "precise_rehab_served"]
    return pd.DataFrame(rows, columns=["subunit_code", "subunit_name", "need", "served", "rate"])


def lagging(subunits: dict[tuple[str, str], list[IndicatorStatus]], scope_name: str,
            own: list[IndicatorStatus]) -> list[tuple[str, IndicatorStatus]]:
    """Red items with the unit responsible: the subunits' where they have targets, else the scope's own."""
    items = [(name, s) for (_, name), statuses in subunits.items() for s in statuses
             if s.status is Status.RED]
    if not any(s.target is not None for statuses in subunits.values() for s in statuses):
        items = [(scope_name, s) for s in own if s.status is Status.RED]
    return sorted(items, key=lambda item: (item[1].completion or 0) - item[1].progress)


def changes_since(current: list[IndicatorStatus], previous: list[IndicatorStatus]) -> dict[str, float]:
    """Indicator → increase of its actual since the previous snapshot (same scope and year)."""
    before = {s.indicator: s for s in previous}
    # A controlled figure has no change: two snapshots' exact counts differenced give a month's children.
    return {s.indicator: None if s.shown is not None or getattr(before.get(s.indicator), "shown", None) is not None
            else s.actual - (before[s.indicator].actual if s.indicator in before else 0) for s in current}


def network_coverage(run: RunQuery, as_of: dt.date, year: int) -> dict[str, float | None]:
    """Share of townships with a built station and of villages with a built room, by `until`."""
    frame = run("network_coverage", until=until_of(as_of, year)).set_index("level")
    return {level: ratio(frame.at[level, "units_with_built_facility"], frame.at[level, "units"])
            if level in frame.index else None for level in ("township", "village")}


# ---- tables as the meeting reads them (headers and labels in the UI language) ----------------------

def _headers(lang: str, *keys: str) -> list[str]:
    return [i18n.text(lang, f"overview.{key}") for key in keys]


def actual_text(s: IndicatorStatus, lang: str) -> str:
    """The actual as it may be shown: a marker ('<5', '*') or the count."""
    return s.shown if isinstance(s.shown, str) else fmt.count(s.actual, lang)


def _cell(s: IndicatorStatus, lang: str) -> str:
    """'110.6% ✔ 达标' where the unit has a task, else the bare actual."""
    if s.shown is not None:
        return actual_text(s, lang)
    if s.target is None:
        return fmt.count(s.actual, lang)
    status = i18n.text(lang, f"status.{s.status.value}")
    return f"{fmt.completion(s.completion)} {STATUS_SYMBOLS[s.status]} {status}"


def indicator_frame(statuses: list[IndicatorStatus], lang: str) -> pd.DataFrame:
    """The indicator table: actual, task, completion, 序时进度, traffic light (symbol and word), rate."""
    rows = [
        (i18n.code_label(lang, "indicator", s.indicator), actual_text(s, lang),
         fmt.count(s.target, lang), fmt.completion(s.completion), fmt.completion(s.progress),
         "—" if s.status is None else f"{STATUS_SYMBOLS[s.status]} {i18n.text(lang, 'status.' + s.status.value)}",
         fmt.rate(s.rate) if s.base is not None else ("*" if s.shown is not None and s.indicator in RATE_BASES else ""))
        for s in statuses
    ]
    return pd.DataFrame(rows, columns=_headers(
        lang, "indicator", "actual", "target", "completion", "time_progress", "status", "rate"))


def ranking_frames(subunits: dict[tuple[str, str], list[IndicatorStatus]], lang: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Subunit x indicator: the cell texts, and the traffic light of each cell (None without a task)."""
    columns = [i18n.code_label(lang, "indicator", i) for i in INDICATOR_ORDER]
    names = [name for _, name in subunits]
    texts = pd.DataFrame([[_cell(s, lang) for s in row] for row in subunits.values()],
                         index=names, columns=columns)
    lights = pd.DataFrame([[s.status for s in row] for row in subunits.values()],
                          index=names, columns=columns)
    texts.index.name = lights.index.name = i18n.text(lang, "overview.subunit")
    return texts, lights


def lagging_lines(items: list[tuple[str, IndicatorStatus]], lang: str) -> list[str]:
    return [i18n.text(lang, "overview.lagging_item", unit=unit,
                      indicator=i18n.code_label(lang, "indicator", s.indicator),
                      completion=fmt.completion(s.completion), progress=fmt.completion(s.progress))
            for unit, s in items]


def changes_frame(changes: dict[str, float], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        [(i18n.code_label(lang, "indicator", i), "*" if changes[i] is None else f"{changes[i]:+,.0f}")
         for i in INDICATOR_ORDER],
        columns=_headers(lang, "indicator", "change_unit"))
