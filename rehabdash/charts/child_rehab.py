"""Charts of the child-rehab page (残疾儿童康复救助), pure functions of the tables the page shows,
cached by their inputs (see `by_inputs`): plotly express spends most of the page's rerun building them.
Hidden counts arrive as 0 with their marker ('<5', '*') as the bar's label."""
from __future__ import annotations

import pandas as pd
import plotly.express as px

from rehabdash.charts import by_inputs
from rehabdash.kernel import i18n
from rehabdash.kernel.columns import Column, present
from rehabdash.kernel.suppression import is_hidden
from rehabdash.topics.child_rehab import TOTAL


def _label_outside(figure, values, orientation: str) -> None:
    """Bar labels beside the bars (a hidden count has no bar to hold its '<5'), with room for them."""
    figure.update_traces(textposition="outside", cliponaxis=False)
    room = [0, max([*values, 1]) * 1.15]
    if orientation == "h":
        figure.update_xaxes(range=room)
    else:
        figure.update_yaxes(range=room)


@by_inputs
def monthly(lines: pd.DataFrame, month: str, aided: str, year: str, title: str):
    """Cumulative children aided by month, one line (dash and symbol too) per year."""
    return px.line(lines, x=month, y=aided, color=year, line_dash=year, symbol=year, markers=True, title=title)


@by_inputs
def breakdown(bars: pd.DataFrame, category: str, aided: str, labels: list[str], orientation: str, title: str):
    """Children aided per category, horizontal (first category on top) or vertical bars."""
    axes = {"x": category, "y": aided} if orientation == "v" else {"x": aided, "y": category}
    figure = px.bar(bars, **axes, orientation=orientation, text=labels, title=title)
    _label_outside(figure, bars[aided], orientation)
    if orientation == "h":
        figure.update_yaxes(autorange="reversed")
    return figure


@by_inputs
def institutions(bars: pd.DataFrame, institution: str, aided: str, ownership: str, labels: list[str], title: str):
    """Children aided per designated institution; ownership by pattern as well as colour."""
    figure = px.bar(bars, x=aided, y=institution, color=ownership, pattern_shape=ownership,
                    orientation="h", text=labels, title=title)
    figure.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=list(bars[institution]))
    _label_outside(figure, bars[aided], "h")
    figure.update_layout(height=160 + 30 * len(bars))
    return figure


# ---------------------------------------------------------------------------- the page's tables and charts
# Each returns (figure, table): the chart and the same data as the table under it (its text alternative
# and Excel download), from one topic result. Hidden counts keep their marker in the table.

def monthly_view(months: pd.DataFrame, year: int, lang: str, scope_label: str):
    """Cumulative children aided by month, this year and last (topics.child_rehab.cumulative_by_month)."""
    text = lambda key, **values: i18n.text(lang, f"child_rehab.{key}", **values)  # noqa: E731
    month, aided, year_col = text("month"), text("cumulative"), text("year")
    table = months.assign(month=[text("month_label", month=m) for m in months["month"]]).rename(columns={
        "month": month, "this_year": text("year_col", year=year), "last_year": text("year_col", year=year - 1)})
    lines = table.melt(id_vars=month, var_name=year_col, value_name=aided).dropna()
    return monthly(lines, month, aided, year_col, text("monthly_chart", scope=scope_label)), table


def _bars_of(table: pd.DataFrame, column: str) -> tuple[pd.DataFrame, list[str]]:
    """The rows of `table` to draw (all but the total) and their bar labels: a hidden count is drawn
    as no bar, labelled with its marker, so the chart shows no more than the table."""
    rows = table.iloc[:-1]
    labels = [str(v) for v in rows[column]]
    return rows.assign(**{column: [0 if is_hidden(v) else v for v in rows[column]]}), labels


def _total_or(lang: str, index: pd.Index, label) -> list[str]:
    return [i18n.text(lang, "child_rehab.total") if i == TOTAL else label(i) for i in index]


BREAKDOWN_COLUMNS = (
    Column("applicants", "child_rehab.applicants_col"), Column("aided", "child_rehab.aided_col"),
    Column("coverage", "child_rehab.coverage_col", "rate"), Column("early_intervention", "child_rehab.early_col"),
    Column("funds_yuan", "child_rehab.funds_col", "wan_number"),
)


def breakdown_view(frame: pd.DataFrame, dimension: str, orientation: str, lang: str, scope_label: str):
    """Children per disability type or age band with the total row (topics.child_rehab.breakdown)."""
    category = i18n.text(lang, f"child_rehab.{dimension}")
    labels = _total_or(lang, frame.index, lambda code: i18n.code_label(lang, dimension, code))
    table = present(frame, BREAKDOWN_COLUMNS, lang)
    table.insert(0, category, labels)
    aided = i18n.text(lang, "child_rehab.aided_col")
    bars, bar_labels = _bars_of(table, aided)
    title = i18n.text(lang, f"child_rehab.{dimension}_chart", scope=scope_label)
    return breakdown(bars, category, aided, bar_labels, orientation, title), table


INSTITUTION_COLUMNS = (
    Column("kind", "child_rehab.kind", "code:institution_kind"), Column("ownership", "child_rehab.ownership", "code:ownership"),
    Column("district_name", "child_rehab.district", "text"), Column("aided", "child_rehab.aided_col"),
    Column("funds_yuan", "child_rehab.funds_col", "wan_number"), Column("share", "child_rehab.share_col", "rate"),
)


def institutions_view(frame: pd.DataFrame, lang: str, scope_label: str):
    """Designated institutions with their children and share, and the total row
    (topics.child_rehab.institutions); no chart (None) for a total row alone."""
    table = present(frame.assign(district_name=frame["district_name"].fillna("")), INSTITUTION_COLUMNS, lang)
    for column in ("kind", "ownership"):  # the total row has no kind or ownership
        header = i18n.text(lang, f"child_rehab.{column}")
        table[header] = [v if isinstance(k, str) else "" for v, k in zip(table[header], frame[column])]
    institution = i18n.text(lang, "child_rehab.institution")
    table.insert(0, institution, _total_or(lang, frame.index, lambda i: frame.at[i, "name"]))
    if len(frame) <= 1:
        return None, table
    aided, ownership = (i18n.text(lang, f"child_rehab.{k}") for k in ("aided_col", "ownership"))
    bars, labels = _bars_of(table, aided)
    title = i18n.text(lang, "child_rehab.institutions_chart", scope=scope_label)
    return institutions(bars, institution, aided, ownership, labels, title), table
