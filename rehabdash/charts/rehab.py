"""The charts and tables of the 精准康复与残疾预防 page, built from rehabdash.topics.rehab's frames with headers
and labels in the UI language; the page only places them (ui.chart_with_data, ui.table_with_download).

Each chart function returns (figure, table): the table is the chart's data as the reader sees it,
which the page shows under the chart with its Excel download. `status_text` is ui.status_words()
(symbol and word, columns.StatusWords), passed in so that a traffic light reads the same here as on
every page and the chart stays cached by its inputs.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable

import pandas as pd
import plotly.express as px

from rehabdash.charts import by_inputs
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.theme import PALETTE, STATUS_COLORS, STATUS_MARKERS

StatusText = Callable[[object], str]


def _t(lang: str, key: str, **values) -> str:
    return i18n.text(lang, f"rehab.{key}", **values)


def _bar_height(rows: int) -> int:
    return 140 + 30 * rows


def _count_or_dash(value, lang: str):
    """A count for a table cell: the number itself (the Excel download keeps it a number), '—' without."""
    return "—" if fmt.is_missing(value) or pd.isna(value) else int(value)


MAX_PLACES = 4  # beyond this many districts a card names their number, the table still names them all


def places_text(places: list[str], lang: str) -> str:
    """Where a project or activity took place, for a table cell: the districts' names, or '—'."""
    return ("、" if lang == "zh" else ", ").join(places) if places else "—"


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def places_caption(places: list[str], lang: str) -> str:
    """The same for a card's caption, which Streamlit reads as Markdown: names come from the data, so
    every Markdown character in them is escaped; beyond MAX_PLACES districts, their number."""
    if len(places) > MAX_PLACES:
        return _t(lang, "places_many", count=len(places))
    return _MARKDOWN_SPECIALS.sub(r"\\\1", places_text(places, lang))


# ---------------------------------------------------------------------------- precise rehab

@by_inputs
def by_type(types: pd.DataFrame, lang: str, scope_label: str):
    """Need vs served per disability type: grouped bars (pattern as well as colour)."""
    need, served = _t(lang, "need_col"), _t(lang, "served_col")
    labelled = types.assign(label=[i18n.code_label(lang, "disability_type", c) for c in types["disability_type"]])
    long = labelled.melt(id_vars="label", value_vars=["need", "served"], var_name="measure", value_name="persons")
    long["measure"] = long["measure"].map({"need": need, "served": served})
    figure = px.bar(
        long, x="persons", y="label", color="measure", barmode="group", orientation="h", text="persons",
        pattern_shape="measure", pattern_shape_map={need: "", served: "/"},
        color_discrete_map={need: PALETTE[4], served: PALETTE[0]},
        title=_t(lang, "by_type_chart", scope=scope_label),
        labels={"label": _t(lang, "disability_type"), "persons": _t(lang, "persons"),
                "measure": _t(lang, "measure")},
    )
    figure.update_traces(textposition="outside", cliponaxis=False)  # labels beside the hatching, readable
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=_bar_height(2 * len(types)))
    table = pd.DataFrame({
        _t(lang, "disability_type"): labelled["label"], need: labelled["need"], served: labelled["served"],
        _t(lang, "rate_col"): labelled["rate"].map(fmt.rate),
    })
    return figure, table


@by_inputs
def by_subunit(subunits: pd.DataFrame, lang: str, scope_label: str, status_text: StatusText,
               progress: float | None = None):
    """The units one level down, ranked: completion of the task against 序时进度 with the traffic light
    (colour, marker shape and word), or the service rate where units have no task (townships)."""
    has_task = bool(subunits["completion"].notna().any())
    value = "completion" if has_task else "rate"
    texts = subunits["status"].map(status_text)
    no_light = status_text(None)
    shown = subunits.assign(status_text=texts).iloc[::-1]  # rank 1 at the top of the chart
    value_label = _t(lang, "completion_col" if has_task else "rate_col")
    number = fmt.completion if has_task else fmt.rate
    figure = px.scatter(
        shown, x=value, y="subunit_name", color="status_text", symbol="status_text",
        text=[f"{number(v)}  {s}" if has_task else number(v) for v, s in zip(shown[value], shown["status_text"])],
        color_discrete_map={**{status_text(s): c for s, c in STATUS_COLORS.items()}, no_light: PALETTE[0]},
        symbol_map={**{status_text(s): m for s, m in STATUS_MARKERS.items()}, no_light: "circle"},
        title=_t(lang, "subunits_chart" if has_task else "subunits_rate_chart", scope=scope_label),
        labels={"subunit_name": _t(lang, "subunit"), value: value_label, "status_text": _t(lang, "status_col")},
    )
    # Values sit close together (rates near 100 %): dots on a non-zero axis show the differences.
    figure.update_traces(textposition="middle left", marker_size=13)
    low, high = float(shown[value].min()), float(shown[value].max())
    if has_task and progress is not None:  # completion is read against 序时进度: draw it
        low, high = min(low, progress), max(high, progress)
        figure.add_vline(x=progress, line_dash="dash", line_color="#555555",
                         annotation_text=_t(lang, "progress", progress=fmt.completion(progress)),
                         annotation_position="top")
    span = max(high - low, 0.01)
    figure.update_xaxes(tickformat=".0%" if has_task else ".1%", range=[low - 0.8 * span, high + 0.08 * span])
    figure.update_layout(height=_bar_height(len(shown)), showlegend=bool(has_task))
    table = pd.DataFrame({
        _t(lang, "rank"): subunits["rank"].map(lambda r: "—" if pd.isna(r) else int(r)),
        _t(lang, "subunit"): subunits["subunit_name"],
        _t(lang, "need_col"): subunits["need"], _t(lang, "served_col"): subunits["served"],
        _t(lang, "rate_col"): subunits["rate"].map(fmt.rate),
        _t(lang, "target_col"): subunits["target"].map(lambda v: _count_or_dash(v, lang)),
        _t(lang, "completion_col"): subunits["completion"].map(fmt.completion),
        _t(lang, "status_col"): texts,
    })
    return figure, table


@by_inputs
def by_month(months: pd.DataFrame, lang: str, scope_label: str, year: int):
    """Persons served month by month, this year against last (line style and marker as well as colour)."""
    month_col, year_col, persons = _t(lang, "month"), _t(lang, "year"), _t(lang, "served_month")
    this_year, last_year = (_t(lang, "year_label", year=y) for y in (year, year - 1))
    labels = [_t(lang, "month_label", month=m) for m in months["month"]]
    lines = pd.concat([
        pd.DataFrame({month_col: labels, year_col: this_year, persons: months["this_year"]}),
        pd.DataFrame({month_col: labels, year_col: last_year, persons: months["last_year"]}),
    ]).dropna()
    figure = px.line(lines, x=month_col, y=persons, color=year_col, line_dash=year_col, symbol=year_col,
                     markers=True, title=_t(lang, "monthly_chart", scope=scope_label),
                     color_discrete_map={this_year: PALETTE[0], last_year: PALETTE[1]})
    figure.update_layout(height=380)
    table = pd.DataFrame({
        month_col: labels, this_year: months["this_year"], last_year: months["last_year"],
        _t(lang, "cumulative", year=year): months["this_year_cumulative"],
        _t(lang, "cumulative", year=year - 1): months["last_year_cumulative"],
    })
    return figure, table


# ---------------------------------------------------------------------------- prevention, outreach

def _years_long(frame: pd.DataFrame, lang: str, year: int):
    """Activity counts of this year and last as one long frame (a row per kind and year) for plotly,
    with the kinds' labels, the three column names and the two year labels."""
    kind_col, year_col, count_col = _t(lang, "item"), _t(lang, "year"), _t(lang, "count")
    this_year, last_year = (_t(lang, "year_label", year=y) for y in (year, year - 1))
    labels = [i18n.code_label(lang, "activity_kind", k) for k in frame.index]
    long = pd.concat([
        pd.DataFrame({kind_col: labels, year_col: this_year, count_col: frame["this_year"].to_numpy()}),
        pd.DataFrame({kind_col: labels, year_col: last_year, count_col: frame["last_year"].to_numpy()}),
    ])
    return long, labels, (kind_col, year_col, count_col), (this_year, last_year)


def _this_and_last_year(frame: pd.DataFrame, lang: str, year: int, title: str):
    """Grouped bars of this year and last year for each kind of activity, values written on the bars."""
    long, labels, (kind_col, year_col, count_col), (this_year, last_year) = _years_long(frame, lang, year)
    figure = px.bar(long, x=count_col, y=kind_col, color=year_col, barmode="group", orientation="h",
                    text=count_col, pattern_shape=year_col, pattern_shape_map={this_year: "", last_year: "/"},
                    color_discrete_map={this_year: PALETTE[0], last_year: PALETTE[1]}, title=title)
    figure.update_traces(textposition="outside", cliponaxis=False)
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=_bar_height(2 * len(frame)))
    return figure, labels


@by_inputs
def prevention(frame: pd.DataFrame, lang: str, scope_label: str, year: int, status_text: StatusText):
    figure, labels = _this_and_last_year(frame, lang, year, _t(lang, "prevention_chart", scope=scope_label))
    table = pd.DataFrame({
        _t(lang, "item"): labels,
        _t(lang, "year_label", year=year): frame["this_year"].to_numpy(),
        _t(lang, "year_label", year=year - 1): frame["last_year"].to_numpy(),
        _t(lang, "change_col"): frame["change"].map(lambda v: fmt.change(v, lang)).to_numpy(),
        _t(lang, "target_col"): frame["target"].map(lambda v: _count_or_dash(v, lang)).to_numpy(),
        _t(lang, "completion_col"): frame["completion"].map(fmt.completion).to_numpy(),
        _t(lang, "status_col"): frame["status"].map(status_text).to_numpy(),
        _t(lang, "places_col"): frame["places"].map(lambda p: places_text(p, lang)).to_numpy(),
    })
    return figure, table


@by_inputs
def outreach(frame: pd.DataFrame, lang: str, scope_label: str, year: int):
    """Dots, not bars, on a log axis: counts run from 22 clinics to 2,500 people, and a bar's length on a
    log axis would mislead; the values are written beside the dots and in the table."""
    long, labels, (kind_col, year_col, count_col), (this_year, last_year) = _years_long(frame, lang, year)
    long = long[long[count_col] > 0]  # a log axis has no place for zero; the table still shows it
    figure = px.scatter(long, x=count_col, y=kind_col, color=year_col, symbol=year_col, text=count_col,
                        color_discrete_map={this_year: PALETTE[0], last_year: PALETTE[1]},
                        symbol_map={this_year: "circle", last_year: "diamond-open"},
                        title=_t(lang, "outreach_chart", scope=scope_label), log_x=True)
    # this year's figure right of its dot, last year's left of it, so the two never overlap
    figure.for_each_trace(lambda trace: trace.update(
        marker_size=12, textposition="middle right" if trace.name == this_year else "middle left"))
    if len(long):
        low, high = math.log10(long[count_col].min()), math.log10(long[count_col].max())
        figure.update_xaxes(range=[low - 0.45, high + 0.45])
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=_bar_height(2 * len(frame)))
    table = pd.DataFrame({
        _t(lang, "item"): labels,
        _t(lang, "year_label", year=year): frame["this_year"].to_numpy(),
        _t(lang, "year_label", year=year - 1): frame["last_year"].to_numpy(),
        _t(lang, "change_col"): frame["change"].map(lambda v: fmt.change(v, lang)).to_numpy(),
    })
    return figure, table


# ---------------------------------------------------------------------------- projects, training

def project_label(kind: str, lang: str) -> str:
    if kind == "mental_medication":
        return i18n.code_label(lang, "activity_kind", kind)
    return i18n.code_label(lang, "project_kind", kind)


def projects(frame: pd.DataFrame, lang: str, year: int) -> pd.DataFrame:
    """One row per project: what it is, where, persons (this and last year), bases, employed."""
    return pd.DataFrame({
        _t(lang, "project"): [project_label(k, lang) for k in frame.index],
        _t(lang, "places_col"): frame["places"].map(lambda p: places_text(p, lang)).to_numpy(),
        _t(lang, "persons_year", year=year): frame["persons"].map(lambda v: _count_or_dash(v, lang)).to_numpy(),
        _t(lang, "persons_year", year=year - 1): frame["persons_last_year"].map(
            lambda v: _count_or_dash(v, lang)).to_numpy(),
        _t(lang, "bases"): frame["bases"].map(lambda v: _count_or_dash(v, lang)).to_numpy(),
        _t(lang, "employed"): frame["employed"].map(lambda v: _count_or_dash(v, lang)).to_numpy(),
    })


def training(table: pd.DataFrame, lang: str, year: int) -> pd.DataFrame:
    return pd.DataFrame({
        _t(lang, "item"): [_t(lang, f"training_{k}") for k in table.index],
        _t(lang, "year_label", year=year): table["this_year"].map(lambda v: _count_or_dash(v, lang)).to_numpy(),
        _t(lang, "year_label", year=year - 1): table["last_year"].map(lambda v: _count_or_dash(v, lang)).to_numpy(),
    })
