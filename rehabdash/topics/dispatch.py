"""The dispatch-meeting (调度会) figures: the one definition of the dispatch indicators (each against its
annual task and 序时进度, funding execution among them), the lagging items with the unit responsible
and the shortfall, and the ranking of the units one level down with the change of 名次 since the
previous snapshot of the same year. Values only: figures, `Status` members, shortfalls in each
indicator's unit.

Everything the overview page, the deck, the workbook and the bulletin show comes from one `Meeting`
(`gather`), so a figure cannot differ between them; charts.dispatch turns it into the tables, words
and lights they show.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from collections.abc import Iterable

import pandas as pd

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n, measures, memo
from rehabdash.kernel.contract import INDICATORS
from rehabdash.kernel.indicators import Status, places, ratio, time_progress, traffic_light
from rehabdash.kernel.measures import RunQuery
from rehabdash.kernel.config import follow_up_days
from rehabdash.topics import child_rehab, funding, institutions, site_tasks
from rehabdash.topics.overview import facility_matrix

FUNDING = "funding_execution"  # spent ÷ allocated against 序时进度, by the funding page's rule
# Indicators in the order a meeting reads them; each with the measure its rate divides by, if any.
TASK_INDICATORS = (
    "precise_rehab_served",
    "devices_fitted",
    "children_aided",
    "cataract_surgery",
    "township_stations_built",
    "village_rooms_built",
)
INDICATOR_ORDER = (*TASK_INDICATORS, FUNDING)
RATE_BASES = {
    "precise_rehab_served": "precise_rehab_need",
    "devices_fitted": "devices_need",
    "children_aided": "children_applicants",
}
# The unit a shortfall is counted in: persons, operations, sites, or 万元 for money.
UNITS = {
    "precise_rehab_served": "persons", "devices_fitted": "persons", "children_aided": "persons",
    "cataract_surgery": "operations", "township_stations_built": "sites",
    "village_rooms_built": "sites", FUNDING: "wan_yuan",
}
CHILDREN = "children_aided"
assert set(TASK_INDICATORS) == set(INDICATORS)


@dataclass(frozen=True)
class IndicatorStatus:
    """One indicator of one unit: actual to date against the annual task (for funds: spent against
    allocated, in yuan), 序时进度 and the traffic light."""

    indicator: str
    actual: float
    target: float | None
    base: float | None  # denominator of the indicator's rate (need, applicants), if it has one
    progress: float
    margin: float
    shown: str | None = None  # disclosure control: text shown instead of the actual (children's counts)

    @property
    def completion(self) -> float | None:
        return None if self.hidden else ratio(self.actual, self.target)

    @property
    def rate(self) -> float | None:
        return None if self.hidden else ratio(self.actual, self.base)

    @property
    def hidden(self) -> bool:
        return self.shown is not None

    @property
    def status(self) -> Status | None:
        return None if self.hidden else traffic_light(ratio(self.actual, self.target), self.progress, self.margin)

    @property
    def unit(self) -> str:
        return UNITS[self.indicator]

    def in_unit(self, value: float | None) -> float | None:
        """A value of this indicator in the unit it is reported in (万元 for money)."""
        if value is None:
            return None
        return round(value / fmt.WAN, 2) if self.unit == "wan_yuan" else value

    @property
    def actual_in_unit(self) -> float | None:
        return None if self.hidden else self.in_unit(self.actual)

    @property
    def target_in_unit(self) -> float | None:
        return self.in_unit(self.target)

    def _short(self, goal: float | None) -> float | None:
        if goal is None or self.hidden:
            return None
        missing = max(0.0, goal - self.actual)
        # Persons and sites come whole: 3.2 persons short is 4 more to serve.
        return self.in_unit(missing) if self.unit == "wan_yuan" else float(math.ceil(round(missing, 9)))

    @property
    def shortfall_to_progress(self) -> float | None:
        """What is still missing to reach 序时进度 today (0 when on track), in the indicator's unit."""
        return None if self.target is None else self._short(self.progress * self.target)

    @property
    def shortfall_to_task(self) -> float | None:
        """What is still missing to reach the annual task, in the indicator's unit."""
        return self._short(self.target)


def _statuses(values: dict, targets: dict, progress: float, margin: float) -> list[IndicatorStatus]:
    return [
        IndicatorStatus(
            indicator, float(values.get(indicator, 0) or 0), _number(targets.get(indicator)),
            _number(values.get(RATE_BASES[indicator])) if indicator in RATE_BASES else None,
            progress, margin,
        )
        for indicator in TASK_INDICATORS
    ]


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def funding_status(totals: funding.Totals, margin: float) -> IndicatorStatus:
    """Funding execution as the funding page reads it (funding.Totals: spent ÷ allocated of the year as
    of the day, against that day's 序时进度); no task where the unit holds no funds itself."""
    return IndicatorStatus(FUNDING, totals.spent, totals.allocated or None, None, totals.progress, margin)


def _own_funding(run: RunQuery, as_of: dt.date, year: int, margin: float) -> IndicatorStatus:
    row = run("funding_totals", year=year).iloc[0]
    totals = funding.Totals(measures.period_end(as_of, year), as_of, float(row["allocated_yuan"]),
                            float(row["spent_yuan"]))
    return funding_status(totals, margin)


@memo.by_inputs
def indicator_statuses(run: RunQuery, as_of: dt.date, year: int, margin: float) -> list[IndicatorStatus]:
    """Each dispatch indicator of the scope: actual to date, annual task, completion and traffic light."""
    values = run("indicator_actuals", year=year, until=measures.period_end(as_of, year))
    targets = run("target_totals", year=year)
    return _statuses(dict(zip(values["measure"], values["value"])),
                     dict(zip(targets["indicator"], targets["target_value"])),
                     time_progress(as_of, year), margin) + [_own_funding(run, as_of, year, margin)]


@memo.by_inputs
def subunit_statuses(run: RunQuery, as_of: dt.date, year: int, margin: float) -> dict[tuple[str, str], list[IndicatorStatus]]:
    """The same per unit one level below the scope, keyed by (code, name), in code order. Funding
    execution comes from funding.subunits (the funding page's comparison of units)."""
    frame = run("subunit_indicators", year=year, until=measures.period_end(as_of, year))
    progress = time_progress(as_of, year)
    money = funding.subunits(run, as_of, year, margin).rows
    money = money[~money["own_level"]].set_index("subunit_code") if len(money) else money
    result = {}
    for (code, name), rows in frame.groupby(["subunit_code", "subunit_name"], sort=True):
        statuses = _statuses(dict(zip(rows["measure"], rows["value"])),
                             dict(zip(rows["measure"], rows["target"])), progress, margin)
        if code in getattr(money, "index", ()):
            row = money.loc[code]
            totals = funding.Totals(measures.period_end(as_of, year), as_of, float(row["allocated_yuan"]),
                                    float(row["spent_yuan"]))
            statuses.append(funding_status(totals, margin))
        else:  # the unit holds no funds of its own
            statuses.append(IndicatorStatus(FUNDING, 0.0, None, None, progress, margin))
        result[(code, name)] = statuses
    return result


def _disclosed(s: IndicatorStatus, shown) -> IndicatorStatus:
    """`s` as disclosure control lets it be shown: a marker ('<5', '*') hides the count, a rounded
    count stands in for it; its rate (its base is the applicants) is hidden either way."""
    if isinstance(shown, str):  # nothing of the count may reach a sum, a sort or a difference
        return dataclasses.replace(s, actual=0.0, base=None, shown=shown)
    return dataclasses.replace(s, actual=float(shown), base=None, shown=fmt.count(shown))


def disclose_children(statuses: list[IndicatorStatus], disclosure, earlier: bool = False) -> list[IndicatorStatus]:
    """THE place the scope's own children's count passes through (indicator table, lagging, deck,
    workbook, bulletin and the overview card read the statuses returned here), under the disclosure
    control of `disclosure` (child_rehab.disclosure of the scope; None or inactive: shown as it is).
    An `earlier` snapshot's count of a controlled township is hidden: set against today's it would
    give the month's few children back."""
    if disclosure is None or not disclosure.active:
        return statuses
    shown = "*" if earlier else disclosure.own["aided"]
    return [_disclosed(s, shown) if s.indicator == CHILDREN else s for s in statuses]


def disclose_subunits(subunits: dict[tuple[str, str], list[IndicatorStatus]],
                      disclosure) -> dict[tuple[str, str], list[IndicatorStatus]]:
    """The townships of a district (ranking, lagging) with their children's counts controlled as one
    sibling set, so no township is given back by the district total minus the others."""
    if disclosure is None or not disclosure.townships or not subunits:
        return subunits
    children = {code: next(s for s in row if s.indicator == CHILDREN) for (code, _), row in subunits.items()}
    values = pd.DataFrame({"children_aided": [s.actual for s in children.values()],
                           "children_applicants": [s.base or 0 for s in children.values()]},
                          index=list(children))
    shown = child_rehab.protect_subunits(values, disclosure.below)
    return {(code, name): [_disclosed(s, shown.at[code, "children_aided"]) if s.indicator == CHILDREN else s
                           for s in row]
            for (code, name), row in subunits.items()}


def service_rates(subunits: dict[tuple[str, str], list[IndicatorStatus]]) -> pd.DataFrame:
    """Need, served and precise-rehab service rate per subunit, from the statuses already computed.
    Where no need is reported for a unit (villages: the figures are collected per township) need and
    served are None, not 0: nothing was collected there."""
    rows = [(code, name, s.base, None if s.base is None else s.actual, s.rate)
            for (code, name), statuses in subunits.items()
            for s in statuses if s.indicator == "precise_rehab_served"]
    return pd.DataFrame(rows, columns=["subunit_code", "subunit_name", "need", "served", "rate"])


def is_behind(s: IndicatorStatus) -> bool:
    return s.status in (Status.RED, Status.AMBER)


def lagging(subunits: dict[tuple[str, str], list[IndicatorStatus]], scope_name: str,
            own: list[IndicatorStatus]) -> list[tuple[str, IndicatorStatus]]:
    """Red and amber items with the unit responsible: for each indicator the subunits' where they have
    a task of it (or hold funds), else the scope's own; reddest first."""
    items = []
    for indicator in INDICATOR_ORDER:
        below = [(name, s) for (_, name), statuses in subunits.items() for s in statuses
                 if s.indicator == indicator]
        if any(s.target is not None for _, s in below):
            items += [(name, s) for name, s in below if is_behind(s)]
        else:
            items += [(scope_name, s) for s in own if s.indicator == indicator and is_behind(s)]
    return sorted(items, key=lambda item: (item[1].status is not Status.RED,
                                           (item[1].completion or 0) - item[1].progress))


def changes_since(current: list[IndicatorStatus], previous: list[IndicatorStatus]) -> dict[str, float | None]:
    """Indicator → increase of its actual since the previous snapshot (same scope and year); None
    where disclosure control hides either count (the difference would give a small number back)."""
    before = {s.indicator: s for s in previous}
    return {s.indicator: None if s.hidden or (s.indicator in before and before[s.indicator].hidden)
            else s.actual - (before[s.indicator].actual if s.indicator in before else 0) for s in current}


@memo.by_inputs
def network_coverage(run: RunQuery, as_of: dt.date, year: int) -> dict[str, float | None]:
    """Share of townships with a built station and of villages with a built room, by `until`."""
    frame = run("network_coverage", until=measures.period_end(as_of, year)).set_index("level")
    return {level: ratio(frame.at[level, "units_with_built_facility"], frame.at[level, "units"])
            if level in frame.index else None for level in ("township", "village")}


def previous_snapshot(snapshots: Iterable, chosen, year: int):
    """The snapshot to compare with: the newest valid one before the chosen, taken in the same year as
    it and in the year shown. For a past year the snapshots all hold the same complete year, so there
    is nothing to compare (None)."""
    if chosen.as_of.year != year:
        return None
    earlier = [s for s in snapshots if s.valid and s.as_of < chosen.as_of and s.as_of.year == year]
    return max(earlier, key=lambda s: s.as_of, default=None)


# ---- the meeting: one gathering for page, deck, workbook and bulletin -----------------------------

@dataclass(frozen=True)
class Previous:
    as_of: dt.date
    indicators: list[IndicatorStatus]
    subunits: dict[tuple[str, str], list[IndicatorStatus]]


@dataclass(frozen=True)
class Meeting:
    scope_label: str  # '包头市 / 青山区'
    scope_name: str  # '青山区': the unit responsible for the scope's own figures
    level: str  # the scope's level: city, district, township
    year: int
    as_of: dt.date
    margin: float
    indicators: list[IndicatorStatus]
    subunits: dict[tuple[str, str], list[IndicatorStatus]]
    coverage: dict[str, float | None]
    facilities: pd.DataFrame  # tier x status as of `until`
    funds_holder: str | None = None  # where the scope has no funds of its own: the unit that holds them
    previous: Previous | None = None
    sample: bool = True
    own_funding: IndicatorStatus | None = None  # the funds the scope's own level holds beside its units'
    # sites past their deadline with the unit responsible (site_tasks.overdue_tasks), most overdue first
    overdue_sites: pd.DataFrame | None = None
    reporting: object | None = None  # reporting.Progress of the month being collected; None for a closed year
    # designated institutions behind (institutions.lagging): a failed assessment or follow-up problems
    # open past REHAB_FOLLOW_UP_DAYS, the institution answering for each
    lagging_institutions: pd.DataFrame | None = None

    @property
    def until(self) -> dt.date:
        return measures.period_end(self.as_of, self.year)

    def __memo_key__(self) -> tuple:
        """Its content. A Meeting is read and never changed, so kernel.memo keeps the fingerprint on it:
        the three meeting files are keyed by it on every run of the overview."""
        return tuple(getattr(self, field.name) for field in dataclasses.fields(self))

    @property
    def no_subunits_key(self) -> str:
        """What an empty ranking says: above a township the units are there, their figures are not yet
        (a new deployment's first snapshot); a township has none to rank."""
        return "overview.no_subunits" if self.level == "township" else "overview.no_subunit_figures"

    @property
    def progress(self) -> float:
        return time_progress(self.as_of, self.year)

    @property
    def year_end(self) -> bool:
        return (self.until.month, self.until.day) == (12, 31)

    def status(self, indicator: str) -> IndicatorStatus:
        return next(s for s in self.indicators if s.indicator == indicator)

    @property
    def has_tasks(self) -> bool:
        """Whether any indicator has a task (or funds) at this level or one level down."""
        return any(s.target is not None for s in self.indicators) or any(
            s.target is not None for row in self.subunits.values() for s in row)

    @property
    def lagging(self) -> list[tuple[str, IndicatorStatus]]:
        return self.lagging_in("zh")

    def lagging_in(self, lang: str) -> list[tuple[str, IndicatorStatus]]:
        """Red and amber items with the unit responsible, the scope's own-level funds among them. The
        list names the units below; where the scope itself is responsible its line says 本级."""
        own = i18n.text(lang, "dispatch.own_level", name=fmt.region_name(self.scope_name, lang))
        items = [(own if unit == self.scope_name else fmt.region_name(unit, lang), s)
                 for unit, s in lagging(self.subunits, self.scope_name, self.indicators)]
        if self.own_funding is not None and is_behind(self.own_funding):
            items.append((own, self.own_funding))
        return sorted(items, key=lambda item: (item[1].status is not Status.RED,
                                               (item[1].completion or 0) - item[1].progress))

    @property
    def changes(self) -> dict[str, float] | None:
        return None if self.previous is None else changes_since(self.indicators, self.previous.indicators)


def _facilities_until(run: RunQuery, until: dt.date) -> pd.DataFrame:
    return facility_matrix(run("facility_counts_until", until=until))


# Shared, not handed out: every caller (the overview, the deck, the workbook, the bulletin) only reads
# the meeting, and copying its hundreds of statuses for each caller was a tenth of the overview's run.
@memo.by_inputs(share=True)
def gather(run: RunQuery, as_of: dt.date, year: int, margin: float, scope_label: str, scope_name: str,
           level: str, previous: tuple[dt.date, RunQuery] | None = None, sample: bool = True,
           disclosure=None) -> Meeting:
    """Everything the dispatch view shows, from the named queries of one snapshot and scope (and the
    previous snapshot of the same year for the changes and the change of 名次). `disclosure`
    (child_rehab.disclosure of the scope) controls the children's counts of the scope and its units;
    the previous snapshot's are controlled the same way, so the change gives nothing back."""
    indicators = disclose_children(indicator_statuses(run, as_of, year, margin), disclosure)
    subunits = disclose_subunits(subunit_statuses(run, as_of, year, margin), disclosure)
    holder = None
    if indicators[-1].target is None:
        above = funding.recorded_above(run, year)
        holder = None if above is None else str(above["name"])
    before = None
    if previous is not None:
        day, run_before = previous
        before = Previous(day, disclose_children(indicator_statuses(run_before, day, year, margin), disclosure,
                                                  earlier=True),
                          disclose_subunits(subunit_statuses(run_before, day, year, margin), disclosure))
    money = funding.subunits(run, as_of, year, margin)
    own = money.rows[money.rows["own_level"]] if money.recorded_below else money.rows.iloc[0:0]
    own_funding = None if own.empty else funding_status(funding.Totals(
        measures.period_end(as_of, year), as_of, float(own["allocated_yuan"].iloc[0]), float(own["spent_yuan"].iloc[0])),
        margin)
    return Meeting(scope_label, scope_name, level, year, as_of, margin, indicators, subunits,
                   network_coverage(run, as_of, year), _facilities_until(run, measures.period_end(as_of, year)),
                   holder, before, sample, own_funding, site_tasks.overdue_tasks(run, as_of),
                   lagging_institutions=institutions.lagging(run, as_of, year, follow_up_days()))


# ---- ranking ---------------------------------------------------------------------------------------

def rank_basis(subunits: dict[tuple[str, str], list[IndicatorStatus]], indicator: str) -> str:
    """What units are ranked on for an indicator: completion where they have its task, else the rate
    where it has one, else the actual."""
    row = [s for statuses in subunits.values() for s in statuses if s.indicator == indicator]
    if any(s.target is not None for s in row):
        return "completion"
    return "rate" if indicator in RATE_BASES else "actual"


def _rank_value(s: IndicatorStatus, basis: str) -> float | None:
    return {"completion": s.completion, "rate": s.rate, "actual": None if s.hidden else s.actual}[basis]


def ranks(subunits: dict[tuple[str, str], list[IndicatorStatus]], indicator: str) -> dict[str, int | None]:
    """名次 of each unit (by code) on one indicator (kernel.indicators.places), None unranked."""
    basis = rank_basis(subunits, indicator)
    values = pd.Series({code: _rank_value(next(s for s in row if s.indicator == indicator), basis)
                        for (code, _), row in subunits.items()}, dtype=float)
    return {code: (None if pd.isna(r) else int(r)) for code, r in places(values).items()}


def all_tied(subunits: dict[tuple[str, str], list[IndicatorStatus]], indicator: str) -> bool:
    """Whether the units are left without 名次 on an indicator because they all have the same value."""
    return len(subunits) > 1 and all(r is None for r in ranks(subunits, indicator).values())


def ranking(m: Meeting, by: str) -> pd.DataFrame:
    """One row per unit one level down, best first on `by`: 名次, change of 名次 since the previous
    snapshot of the same year (positive = moved up; None without one), and for every indicator the
    value ranked on and its light."""
    now = ranks(m.subunits, by)
    before = ranks(m.previous.subunits, by) if m.previous is not None else {}
    rows = []
    for (code, name), statuses in m.subunits.items():
        row = {"code": code, "unit": name, "rank": now[code],
               "rank_change": (before[code] - now[code]) if now[code] and before.get(code) else None}
        for s in statuses:
            basis = rank_basis(m.subunits, s.indicator)
            row[s.indicator] = _rank_value(s, basis)
            row[f"{s.indicator}:status"] = s.status
            row[f"{s.indicator}:shown"] = s.shown
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    for indicator in INDICATOR_ORDER:  # pandas would turn the str-enum lights into plain strings
        frame[f"{indicator}:status"] = funding.statuses([r[f"{indicator}:status"] for r in rows], frame.index)
    return frame.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


def rankable(subunits: dict[tuple[str, str], list[IndicatorStatus]]) -> list[str]:
    """The indicators the units can be ranked on (funding only where they hold funds themselves)."""
    return [i for i in INDICATOR_ORDER if i != FUNDING or rank_basis(subunits, i) == "completion"]

