"""The dispatch meeting as people read it: the tables, words and lights of the overview page, the
deck, the workbook and the bulletin, and the overview's chart, all made from the values of one
topics.dispatch.Meeting. Nothing here is computed again, and nothing is read back from the words.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.express as px

from rehabdash.charts import by_inputs
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n, memo, suppression
from rehabdash.kernel.config import suppress_below
from rehabdash.kernel.columns import KINDS, status_text
from rehabdash.kernel.indicators import Status
from rehabdash.topics import dispatch, institutions
from rehabdash.topics.dispatch import FUNDING, INDICATOR_ORDER, RATE_BASES, IndicatorStatus, Meeting


# ---- words ---------------------------------------------------------------------------------------

def label(lang: str, indicator: str) -> str:
    """The indicator's name in the UI language (funding execution is not a task of the contract)."""
    if indicator == FUNDING:
        return i18n.text(lang, "dispatch.funding_execution")
    return i18n.code_label(lang, "indicator", indicator)


def _t(lang: str, key: str, **values) -> str:
    return i18n.text(lang, f"dispatch.{key}", **values)


def unit_label(lang: str, unit: str) -> str:
    return _t(lang, f"unit_{unit}")


def no_task_text(m: Meeting, s: IndicatorStatus, lang: str) -> str:
    """What a unit without a task of `s` shows in place of the task: never 0, never green."""
    if s.indicator == FUNDING:
        return _t(lang, "funds_held_by", name=m.funds_holder) if m.funds_holder else _t(lang, "no_funds")
    return _t(lang, "no_task")


def period_label(m: Meeting, lang: str) -> str:
    """'2025年1月至2025年8月 · 数据截至 2025年8月31日' (or the whole year for a closed one)."""
    as_of = fmt.date(m.as_of, lang)
    if m.year_end:
        return i18n.text(lang, "overview.caption", scope="", year=m.year, as_of=as_of).lstrip(" ·")
    return i18n.text(lang, "overview.caption_ytd", scope="", year=m.year, until=fmt.month(m.until, lang),
                     as_of=as_of).lstrip(" ·")


# ---- tables as the meeting reads them: raw values plus the kind of each column ---------------------
# Kinds (kernel.columns.KINDS): text, count (whole numbers), amount (in the row's unit: persons or
# 万元), percent (completion, 序时进度: one decimal), rate (two decimals), status (symbol and word),
# rank_change (↑2 / ↓1). The page formats them for the screen, the workbook writes numbers with a
# number format, the deck and the bulletin read the same values.

@dataclass(frozen=True)
class Table:
    """A table as the meeting reads it: words as text, figures as numbers with the kind of each column
    (kernel.columns.KINDS: how the screen shows it, how the workbook formats it)."""

    key: str  # stable name: indicators, lagging, ranking, changes, services, coverage, facilities
    title: str
    frame: pd.DataFrame
    kinds: dict[str, str]
    lang: str = "zh"
    cell_kinds: dict = field(default_factory=dict)  # (row, column) → kind, where a row differs
    codes: tuple[str, ...] = ()  # a per-unit table: each row's region code, for drill-down
    # status column → the light of each row (a Status, or None without a task): the values the words
    # of that column say, for shading a cell; never read back from the words
    lights: dict[str, tuple[Status | None, ...]] = field(default_factory=dict)
    note: str = ""  # what '<5', '*' and rounded counts mean, where the table has any (shown beside it)

    def kind(self, row: int, column: str) -> str:
        return self.cell_kinds.get((row, column), self.kinds[column])


def controlled(s: IndicatorStatus):
    """A count as a cell: as it is where no control applies; under disclosure control its marker
    ('<5', '*') as text, a rounded count as the number it is (the table's note says it is rounded)."""
    if s.shown is None:
        return s.actual_in_unit
    return s.shown if suppression.is_hidden(s.shown) else s.actual


def disclosure_note(statuses, lang: str) -> str:
    """The note of a table or figure showing any of `statuses` under disclosure control, else ''."""
    return suppression.note(lang, suppress_below()) if any(s.hidden for s in statuses) else ""


def indicator_table(m: Meeting, lang: str) -> Table:
    h = [_t(lang, k) for k in ("indicator", "unit", "actual", "target", "completion", "progress",
                               "status", "short_progress", "short_task", "rate")]
    rows = []
    for s in m.indicators:
        no_task = s.target is None
        actual = controlled(s) if s.hidden else (None if no_task and s.indicator == FUNDING else s.actual_in_unit)
        rows.append([label(lang, s.indicator), unit_label(lang, s.unit), actual,
                     no_task_text(m, s, lang) if no_task else s.target_in_unit,
                     s.completion, s.progress, status_text(s.status, lang),
                     s.shortfall_to_progress, s.shortfall_to_task,
                     ("*" if s.hidden else s.rate) if s.indicator in RATE_BASES else None])
    kinds = dict(zip(h, ["text", "text", "amount", "amount", "percent", "percent", "status", "amount",
                         "amount", "rate"]))
    return Table("indicators", _t(lang, "indicators"), pd.DataFrame(rows, columns=h), kinds, lang,
                 _money_rows(m.indicators, h[4]), lights={h[6]: tuple(s.status for s in m.indicators)},
                 note=disclosure_note(m.indicators, lang))


def lagging_table(m: Meeting, lang: str) -> Table:
    h = [_t(lang, k) for k in ("unit_responsible", "indicator", "completion", "progress", "status",
                               "short_progress", "short_task", "unit")]
    items = m.lagging_in(lang)
    rows = [[unit, label(lang, s.indicator), s.completion, s.progress, status_text(s.status, lang),
             s.shortfall_to_progress, s.shortfall_to_task, unit_label(lang, s.unit)]
            for unit, s in items]
    kinds = dict(zip(h, ["text", "text", "percent", "percent", "status", "amount", "amount", "text"]))
    return Table("lagging", _t(lang, "lagging"), pd.DataFrame(rows, columns=h), kinds, lang,
                 _money_rows([s for _, s in items], h[2]), lights={h[4]: tuple(s.status for _, s in items)})


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


def lagging_institutions_table(m: Meeting, lang: str) -> Table | None:
    """The designated institutions behind (a failed assessment, follow-up problems unsolved past the
    limit), each answering for its own; None where none is."""
    frame = m.lagging_institutions
    if frame is None or frame.empty:
        return None
    h = [_t(lang, "unit_col"), i18n.text(lang, "institutions.lagging_what")]
    shown = pd.DataFrame({h[0]: frame["name"].astype(str), h[1]: institutions.lagging_lines(frame, lang)})
    return Table("lagging_institutions", i18n.text(lang, "institutions.lagging_title"), shown,
                 dict.fromkeys(h, "text"), lang)


def ranking_table(m: Meeting, by: str, lang: str) -> Table:
    """名次, unit, change of 名次, then per indicator its value and, in its own column, its light."""
    if by not in dispatch.rankable(m.subunits):
        by = INDICATOR_ORDER[0]
    frame = dispatch.ranking(m, by)
    h_rank, h_unit, h_change = _t(lang, "rank"), _t(lang, "unit_col"), _t(lang, "rank_change")
    kinds = {h_rank: "count", h_unit: "text", h_change: "rank_change"}
    columns, lights = {}, {}
    by_code = {code: {s.indicator: s for s in row} for (code, _), row in m.subunits.items()}
    cell_kinds = {}
    if not frame.empty:
        columns = {h_rank: frame["rank"].astype(object).where(frame["rank"].notna(), None),
                   h_unit: [fmt.region_name(u, lang) for u in frame["unit"]],
                   h_change: frame["rank_change"].astype(object).where(frame["rank_change"].notna(), None)}
        for indicator in INDICATOR_ORDER:
            basis = dispatch.rank_basis(m.subunits, indicator)
            if indicator == FUNDING and basis != "completion":
                continue  # the units hold no funds of their own: nothing to rank
            word = _t(lang, "basis_" + (f"rate_{indicator}" if basis == "rate" else basis))
            name = f"{label(lang, indicator)}（{word}）" if lang == "zh" else f"{label(lang, indicator)} ({word})"
            statuses = [by_code[code][indicator] for code in frame["code"]]
            values = [controlled(s) if s.hidden else (None if pd.isna(v) else v)
                      for v, s in zip(frame[indicator], statuses)]
            columns[name] = values
            kinds[name] = {"completion": "rate" if indicator == FUNDING else "percent", "rate": "rate",
                           "actual": "count"}[basis]
            # a unit's controlled count stands where its rate would (the rate would give the count back)
            cell_kinds.update({(i, name): "count" for i, s in enumerate(statuses) if s.hidden})
            light = f"{label(lang, indicator)} · {_t(lang, 'status')}"
            lights[light] = tuple(frame[f"{indicator}:status"])
            columns[light] = [status_text(s, lang) for s in lights[light]]
            kinds[light] = "status"
    title = _t(lang, "ranking_by", indicator=label(lang, by))
    codes = tuple(frame["code"]) if not frame.empty else ()
    return Table("ranking", title, pd.DataFrame(columns, columns=list(kinds)), kinds, lang, cell_kinds, codes=codes,
                 lights=lights, note=disclosure_note([s for row in m.subunits.values() for s in row], lang))


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
            rows.append([label(lang, s.indicator), unit_label(lang, s.unit), controlled(s), controlled(b), "*"])
            continue
        rows.append([label(lang, s.indicator), unit_label(lang, s.unit), s.actual_in_unit,
                     b.actual_in_unit, s.in_unit(s.actual - b.actual)])
    kinds = dict(zip(h, ["text", "text", "amount", "amount", "amount_change"]))
    title = _t(lang, "changes", date=fmt.date(m.previous.as_of, lang))
    return Table("changes", title, pd.DataFrame(rows, columns=h), kinds, lang,
                 note=disclosure_note([*m.indicators, *m.previous.indicators], lang))


def services_table(m: Meeting, lang: str) -> Table:
    rates = dispatch.service_rates(m.subunits)
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
    found = [indicator_table(m, lang), lagging_table(m, lang), overdue_table(m, lang),
             lagging_institutions_table(m, lang), changes_table(m, lang),
             ranking_table(m, by, lang), services_table(m, lang), coverage_table(m, lang),
             facilities_table(m, lang)]
    return [t for t in found if t is not None]


def show(value, kind: str, lang: str):
    """A table value as the screen shows it (the one table of formats by kind)."""
    if isinstance(value, str):
        return value
    if fmt.is_missing(value):
        return "—"
    return KINDS[kind].show(value, lang)


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
    shown = display(table)
    status_columns = [c for c, k in table.kinds.items() if k == "status"]
    value_columns = [c for c in table.frame.columns if table.kinds[c] != "status"][3:]
    texts = shown.iloc[:, :3].copy()
    lights = pd.DataFrame(index=table.frame.index)
    for value, status in zip(value_columns, status_columns):
        light = table.lights[status]
        texts[value] = [v if s is None else f"{v} {word}" for v, s, word in zip(shown[value], light, shown[status])]
        # object dtype: a unit without any task (None) must stay None, not become NaN
        lights[value] = pd.Series(light, index=table.frame.index, dtype=object)
    return texts, lights


# ---- chart ---------------------------------------------------------------------------------------

@by_inputs
def service_rates(rates: pd.DataFrame, lang: str, scope_label: str):
    """Service rate of each unit one level down (dispatch.service_rates), lowest first.

    Rates sit close to 100 %: dots on a non-zero axis show the differences honestly, bars would not.
    None where no unit has a rate (nothing collected at that level): no empty axes."""
    ranked = rates.dropna(subset=["rate"]).sort_values("rate")
    if ranked.empty:
        return None
    figure = px.scatter(
        ranked, x="rate", y="subunit_name", text=ranked["rate"].map(fmt.rate),
        title=i18n.text(lang, "overview.subunits_chart", scope=scope_label),
        labels={"subunit_name": i18n.text(lang, "overview.subunit"), "rate": i18n.text(lang, "overview.rate_col")},
    )
    figure.update_traces(textposition="middle right", marker_size=12)
    figure.update_xaxes(tickformat=".1%")
    figure.update_layout(height=min(120 + 32 * len(ranked), 460))
    return figure
