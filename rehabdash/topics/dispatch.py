"""The dispatch-meeting (调度会) view: the one definition of the dispatch indicators (each against its
annual task and 序时进度, funding execution among them), the lagging items with the unit responsible
and the shortfall, the ranking of the units one level down with the change of 名次 since the previous
snapshot of the same year, and the tables built from them.

Everything the overview page, the deck, the workbook and the bulletin show comes from one `Meeting`
(`gather`), so a figure cannot differ between them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Iterable

import pandas as pd

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n, memo
from rehabdash.kernel.contract import INDICATORS
from rehabdash.kernel.indicators import Status, ratio, time_progress, traffic_light
from rehabdash.kernel.measures import RunQuery
from rehabdash.kernel.theme import STATUS_SYMBOLS
from rehabdash.topics import child_rehab, funding, site_tasks
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


def until_of(as_of: dt.date, year: int) -> dt.date:
    """The last day counted for `year` in a snapshot taken on `as_of`."""
    return min(as_of, dt.date(year, 12, 31))


def label(lang: str, indicator: str) -> str:
    """The indicator's name in the UI language (funding execution is not a task of the contract)."""
    if indicator == FUNDING:
        return i18n.text(lang, "dispatch.funding_execution")
    return i18n.code_label(lang, "indicator", indicator)


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
    totals = funding.Totals(until_of(as_of, year), as_of, float(row["allocated_yuan"]),
                            float(row["spent_yuan"]))
    return funding_status(totals, margin)


@memo.by_inputs
def indicator_statuses(run: RunQuery, as_of: dt.date, year: int, margin: float) -> list[IndicatorStatus]:
    """Each dispatch indicator of the scope: actual to date, annual task, completion and traffic light."""
    values = run("indicator_actuals", year=year, until=until_of(as_of, year))
    targets = run("target_totals", year=year)
    return _statuses(dict(zip(values["measure"], values["value"])),
                     dict(zip(targets["indicator"], targets["target_value"])),
                     time_progress(as_of, year), margin) + [_own_funding(run, as_of, year, margin)]


@memo.by_inputs
def subunit_statuses(run: RunQuery, as_of: dt.date, year: int, margin: float) -> dict[tuple[str, str], list[IndicatorStatus]]:
    """The same per unit one level below the scope, keyed by (code, name), in code order. Funding
    execution comes from funding.subunits (the funding page's comparison of units)."""
    frame = run("subunit_indicators", year=year, until=until_of(as_of, year))
    progress = time_progress(as_of, year)
    money = funding.subunits(run, as_of, year, margin).rows
    money = money[~money["own_level"]].set_index("subunit_code") if len(money) else money
    result = {}
    for (code, name), rows in frame.groupby(["subunit_code", "subunit_name"], sort=True):
        statuses = _statuses(dict(zip(rows["measure"], rows["value"])),
                             dict(zip(rows["measure"], rows["target"])), progress, margin)
        if code in getattr(money, "index", ()):
            row = money.loc[code]
            totals = funding.Totals(until_of(as_of, year), as_of, float(row["allocated_yuan"]),
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
    """Need, served and precise-rehab service rate per subunit, from the statuses already computed."""
    rows = [(code, name, s.base or 0, s.actual, s.rate)
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
    frame = run("network_coverage", until=until_of(as_of, year)).set_index("level")
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

    @property
    def until(self) -> dt.date:
        return until_of(self.as_of, self.year)

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
        """Red and amber items with the unit responsible, the scope's own-level funds among them."""
        items = [(fmt.region_name(unit, lang), s)
                 for unit, s in lagging(self.subunits, self.scope_name, self.indicators)]
        if self.own_funding is not None and is_behind(self.own_funding):
            items.append((i18n.text(lang, "dispatch.own_level", name=fmt.region_name(self.scope_name, lang)),
                          self.own_funding))
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
        until_of(as_of, year), as_of, float(own["allocated_yuan"].iloc[0]), float(own["spent_yuan"].iloc[0])),
        margin)
    return Meeting(scope_label, scope_name, level, year, as_of, margin, indicators, subunits,
                   network_coverage(run, as_of, year), _facilities_until(run, until_of(as_of, year)),
                   holder, before, sample, own_funding, site_tasks.overdue_tasks(run, as_of))


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
    """名次 of each unit (by code) on one indicator: 1 for the best, ties share a 名次, None unranked."""
    basis = rank_basis(subunits, indicator)
    values = pd.Series({code: _rank_value(next(s for s in row if s.indicator == indicator), basis)
                        for (code, _), row in subunits.items()}, dtype=float)
    ranked = values.rank(ascending=False, method="min")
    return {code: (None if pd.isna(r) else int(r)) for code, r in ranked.items()}


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
    return frame.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


# ---- tables as the meeting reads them: raw values plus the kind of each column ---------------------
# Kinds: text, count (whole numbers), amount (in the row's unit: persons or 万元), percent (completion,
# 序时进度: one decimal), rate (two decimals), points (percentage points), status (symbol and word),
# rank_change (↑2 / ↓1). The page formats them for the screen, the workbook writes numbers with a
# number format, the deck and the bulletin read the same values.

@dataclass(frozen=True)
class Table:
    key: str  # stable name: indicators, lagging, ranking, changes, services, coverage, facilities
    title: str
    frame: pd.DataFrame
    kinds: dict[str, str]
    lang: str = "zh"
    cell_kinds: dict = field(default_factory=dict)  # (row, column) → kind, where a row differs
    codes: tuple[str, ...] = ()  # a per-unit table: each row's region code, for drill-down

    def kind(self, row: int, column: str) -> str:
        return self.cell_kinds.get((row, column), self.kinds[column])


def _t(lang: str, key: str, **values) -> str:
    return i18n.text(lang, f"dispatch.{key}", **values)


def unit_label(lang: str, unit: str) -> str:
    return _t(lang, f"unit_{unit}")


def status_text(status: Status | None, lang: str) -> str:
    """'✔ 达标' / '▲ 预警' / '✖ 滞后': readable without colour; '—' without a task."""
    if isinstance(status, str):  # a str enum that went through a pandas column
        status = Status(status)
    return "—" if status is None or (isinstance(status, float) and math.isnan(status)) else f"{STATUS_SYMBOLS[status]} {i18n.text(lang, 'status.' + status.value)}"


def no_task_text(m: Meeting, s: IndicatorStatus, lang: str) -> str:
    """What a unit without a task of `s` shows in place of the task: never 0, never green."""
    if s.indicator == FUNDING:
        return _t(lang, "funds_held_by", name=m.funds_holder) if m.funds_holder else _t(lang, "no_funds")
    return _t(lang, "no_task")


def indicator_table(m: Meeting, lang: str) -> Table:
    h = [_t(lang, k) for k in ("indicator", "unit", "actual", "target", "completion", "progress",
                               "status", "short_progress", "short_task", "rate")]
    rows = []
    for s in m.indicators:
        no_task = s.target is None
        actual = s.shown if s.hidden else (None if no_task and s.indicator == FUNDING else s.actual_in_unit)
        rows.append([label(lang, s.indicator), unit_label(lang, s.unit), actual,
                     no_task_text(m, s, lang) if no_task else s.target_in_unit,
                     s.completion, s.progress, status_text(s.status, lang),
                     s.shortfall_to_progress, s.shortfall_to_task,
                     ("*" if s.hidden else s.rate) if s.indicator in RATE_BASES else None])
    kinds = dict(zip(h, ["text", "text", "amount", "amount", "percent", "percent", "status", "amount",
                         "amount", "rate"]))
    return Table("indicators", _t(lang, "indicators"), pd.DataFrame(rows, columns=h), kinds, lang,
                 _money_rows(m.indicators, h[4]))


def lagging_table(m: Meeting, lang: str) -> Table:
    h = [_t(lang, k) for k in ("unit_responsible", "indicator", "completion", "progress", "status",
                               "short_progress", "short_task", "unit")]
    rows = [[unit, label(lang, s.indicator), s.completion, s.progress, status_text(s.status, lang),
             s.shortfall_to_progress, s.shortfall_to_task, unit_label(lang, s.unit)]
            for unit, s in m.lagging_in(lang)]
    kinds = dict(zip(h, ["text", "text", "percent", "percent", "status", "amount", "amount", "text"]))
    return Table("lagging", _t(lang, "lagging"), pd.DataFrame(rows, columns=h), kinds, lang,
                 _money_rows([s for _, s in m.lagging_in(lang)], h[2]))


def overdue_table(m: Meeting, lang: str) -> Table | None:
    """The sites past their deadline (挂图作战: the lagging list's site tasks), each with the unit and
    person responsible, deadline and days late; None where no site is overdue."""
    sites = m.overdue_sites
    if sites is None or sites.empty:
        return None
    h = [i18n.text(lang, f"tasks.{k}") for k in ("col_facility", "col_place", "col_task", "col_unit",
                                                 "col_person", "col_deadline", "col_days_late", "col_stage")]
    places = sites["township_name"].fillna(sites["district_name"])
    frame = pd.DataFrame({
        h[0]: sites["facility_name"].astype(str), h[1]: [fmt.region_name(p, lang) for p in places],
        h[2]: sites["task"].astype(str), h[3]: sites["responsible_unit"].astype(str),
        h[4]: sites["responsible_person"].astype(str),
        h[5]: [fmt.date(pd.Timestamp(d).date(), lang) for d in sites["deadline"]],
        h[6]: sites["days_late"].astype(int).tolist(),
        h[7]: [i18n.code_label(lang, "task_stage", s) for s in sites["stage"]]})
    kinds = dict(zip(h, ["text"] * 6 + ["count", "text"]))
    return Table("overdue_tasks", i18n.text(lang, "tasks.overdue_title"), frame, kinds, lang)


def rank_change_text(change: float | None) -> str:
    if change is None or pd.isna(change):
        return "—"
    change = int(change)
    return "↑" + str(change) if change > 0 else ("↓" + str(-change) if change < 0 else "→0")


def rankable(subunits: dict[tuple[str, str], list[IndicatorStatus]]) -> list[str]:
    """The indicators the units can be ranked on (funding only where they hold funds themselves)."""
    return [i for i in INDICATOR_ORDER if i != FUNDING or rank_basis(subunits, i) == "completion"]


def ranking_table(m: Meeting, by: str, lang: str) -> Table:
    """名次, unit, change of 名次, then per indicator its value and, in its own column, its light."""
    if by not in rankable(m.subunits):
        by = INDICATOR_ORDER[0]
    frame = ranking(m, by)
    h_rank, h_unit, h_change = _t(lang, "rank"), _t(lang, "unit_col"), _t(lang, "rank_change")
    kinds = {h_rank: "count", h_unit: "text", h_change: "rank_change"}
    columns = {}
    if not frame.empty:
        columns = {h_rank: frame["rank"].astype(object).where(frame["rank"].notna(), None),
                   h_unit: [fmt.region_name(u, lang) for u in frame["unit"]],
                   h_change: frame["rank_change"].astype(object).where(frame["rank_change"].notna(), None)}
        for indicator in INDICATOR_ORDER:
            basis = rank_basis(m.subunits, indicator)
            if indicator == FUNDING and basis != "completion":
                continue  # the units hold no funds of their own: nothing to rank
            word = _t(lang, "basis_" + (f"rate_{indicator}" if basis == "rate" else basis))
            name = f"{label(lang, indicator)}（{word}）" if lang == "zh" else f"{label(lang, indicator)} ({word})"
            values = [shown if isinstance(shown, str) else (None if pd.isna(v) else v)
                      for v, shown in zip(frame[indicator], frame[f"{indicator}:shown"])]
            columns[name] = values
            kinds[name] = {"completion": "rate" if indicator == FUNDING else "percent", "rate": "rate",
                           "actual": "count"}[basis]
            light = f"{label(lang, indicator)} · {_t(lang, 'status')}"
            columns[light] = [status_text(s, lang) for s in frame[f"{indicator}:status"]]
            kinds[light] = "status"
    title = _t(lang, "ranking_by", indicator=label(lang, by))
    codes = tuple(frame["code"]) if not frame.empty else ()
    return Table("ranking", title, pd.DataFrame(columns, columns=list(kinds)), kinds, lang, codes=codes)


def changes_table(m: Meeting, lang: str) -> Table | None:
    """What changed since the previous snapshot of the same year; None where there is none."""
    if m.previous is None:
        return None
    h = [_t(lang, k) for k in ("indicator", "unit", "now", "before", "change")]
    before = {s.indicator: s for s in m.previous.indicators}
    rows = []
    for s in m.indicators:
        b = before[s.indicator]
        if s.target is None and b.target is None and s.indicator == FUNDING:
            continue  # no funds at this level: nothing changed here
        if s.hidden or b.hidden:
            rows.append([label(lang, s.indicator), unit_label(lang, s.unit), s.shown or s.actual_in_unit,
                         b.shown or b.actual_in_unit, "*"])
            continue
        rows.append([label(lang, s.indicator), unit_label(lang, s.unit), s.actual_in_unit,
                     b.actual_in_unit, s.in_unit(s.actual - b.actual)])
    kinds = dict(zip(h, ["text", "text", "amount", "amount", "amount"]))
    title = _t(lang, "changes", date=fmt.date(m.previous.as_of, lang))
    return Table("changes", title, pd.DataFrame(rows, columns=h), kinds, lang)


def services_table(m: Meeting, lang: str) -> Table:
    rates = service_rates(m.subunits)
    h = [_t(lang, k) for k in ("unit_col", "need", "served", "service_rate")]
    frame = pd.DataFrame({h[0]: [fmt.region_name(u, lang) for u in rates["subunit_name"]],
                          h[1]: rates["need"], h[2]: rates["served"],
                          h[3]: rates["rate"]})
    return Table("services", _t(lang, "services"), frame, dict(zip(h, ["text", "count", "count", "rate"])), lang,
                 codes=tuple(rates["subunit_code"]))


def coverage_table(m: Meeting, lang: str) -> Table:
    h = [_t(lang, "measure"), _t(lang, "value")]
    frame = pd.DataFrame([[i18n.text(lang, "overview.township_coverage"), m.coverage["township"]],
                          [i18n.text(lang, "overview.village_coverage"), m.coverage["village"]]], columns=h)
    return Table("coverage", _t(lang, "coverage", until=fmt.date(m.until, lang)), frame,
                 dict(zip(h, ["text", "rate"])))


def facilities_table(m: Meeting, lang: str) -> Table:
    matrix = m.facilities.rename(index=lambda c: i18n.code_label(lang, "tier", c),
                                 columns=lambda c: i18n.code_label(lang, "status", c))
    tier = i18n.text(lang, "overview.tier")
    frame = matrix.reset_index(names=tier)
    frame.columns = [str(c) for c in frame.columns]
    kinds = {c: ("text" if c == tier else "count") for c in frame.columns}
    return Table("facilities", _t(lang, "facilities", until=fmt.date(m.until, lang)), frame, kinds, lang)


def tables(m: Meeting, by: str, lang: str) -> list[Table]:
    """Every table the overview page shows, in its order: what the workbook holds."""
    found = [indicator_table(m, lang), lagging_table(m, lang), overdue_table(m, lang), changes_table(m, lang),
             ranking_table(m, by, lang), services_table(m, lang), coverage_table(m, lang),
             facilities_table(m, lang)]
    return [t for t in found if t is not None]


def show(value, kind: str, lang: str) -> str:
    """A table value as the screen shows it."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "count":
        return fmt.count(value, lang)
    if kind == "amount":
        return fmt.amount(value, lang)
    if kind == "percent":
        return fmt.completion(value)
    if kind == "rate":
        return fmt.rate(value)
    if kind == "rank_change":
        return rank_change_text(value)
    return str(value)


@memo.by_inputs
def display(table: Table) -> pd.DataFrame:
    """The table with every value as text for the screen (the workbook keeps the numbers)."""
    return table.frame.assign(**{c: [show(v, table.kind(i, c), table.lang)
                                     for i, v in enumerate(table.frame[c])]
                                 for c in table.frame.columns})


def _money_rows(statuses: list[IndicatorStatus], column: str) -> dict:
    """Funding execution reads like the funding page: a rate with two decimals (58.46%)."""
    return {(i, column): "rate" for i, s in enumerate(statuses) if s.indicator == FUNDING}


# ---- short form of the lagging items ----------------------------------------------------------------

def lagging_lines(items: list[tuple[str, IndicatorStatus]], lang: str) -> list[str]:
    return [i18n.text(lang, "overview.lagging_item", unit=unit, indicator=label(lang, s.indicator),
                      completion=fmt.completion(s.completion), progress=fmt.completion(s.progress))
            for unit, s in items]


def ranking_cells(table: Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ranking as the page shows it: one cell per indicator ('110.6% ✔ 达标'), and the light of
    each cell (for its background), from the same table the workbook writes."""
    frame, shown = table.frame, display(table)
    status_columns = [c for c, k in table.kinds.items() if k == "status"]
    value_columns = [c for c in frame.columns if table.kinds[c] not in ("status",)][3:]
    texts = shown.iloc[:, :3].copy()
    lights = pd.DataFrame(index=frame.index)
    for value, status in zip(value_columns, status_columns):
        texts[value] = [v if s == "—" else f"{v} {s}" for v, s in zip(shown[value], shown[status])]
        # object dtype: a unit without any task (None) must stay None, not become NaN
        lights[value] = pd.Series([None if s == "—" else Status(_STATUS_BY_SYMBOL[s.split()[0]])
                                   for s in shown[status]], index=frame.index, dtype=object)
    return texts, lights


_STATUS_BY_SYMBOL = {symbol: status.value for status, symbol in STATUS_SYMBOLS.items()}


def facilities_until(facilities: pd.DataFrame, until: dt.date) -> pd.DataFrame:
    """Facilities as they stood on `until`: one built later was still planned then (the same rule as
    the query facility_counts_until), so a past year's map shows its year-end state."""
    opened = pd.to_datetime(facilities["opened_on"]).dt.date
    later = facilities["status"].eq("built") & opened.notna() & (opened > until)
    return facilities.assign(status=facilities["status"].where(~later, "planned_near"))
