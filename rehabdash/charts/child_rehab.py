"""Charts of the child-rehab page (残疾儿童康复救助), pure functions of the tables the page shows,
cached by their inputs (see `by_inputs`): plotly express spends most of the page's rerun building them.
Hidden counts arrive as 0 with their marker ('<5', '*') as the bar's label."""
from __future__ import annotations

import pandas as pd
import plotly.express as px

from rehabdash.charts import by_inputs


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
