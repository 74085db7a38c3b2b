"""Charts layer: plotly figures drawn from topic results (frames and small dataclasses).

May import kernel and plotly; never Streamlit, DuckDB or the store: a chart is a pure function of the
data it is given, so a page, an export or a test draws the same figure.
"""
from __future__ import annotations

import plotly.express as px

from rehabdash.kernel.theme import PALETTE


def apply_plotly_defaults() -> None:
    """Every plotly express chart uses the palette unless it says otherwise."""
    px.defaults.color_discrete_sequence = list(PALETTE)
