"""Charts layer: plotly figures drawn from topic results (frames and small dataclasses).

May import kernel and plotly; never Streamlit, DuckDB or the store: a chart is a pure function of the
data it is given, so a page, an export or a test draws the same figure.
"""
from __future__ import annotations

import functools

import plotly.express as px

from rehabdash.kernel import memo
from rehabdash.kernel.theme import PALETTE


def apply_plotly_defaults() -> None:
    """Every plotly express chart uses the palette unless it says otherwise."""
    px.defaults.color_discrete_sequence = list(PALETTE)


# ------------------------------------------------------------------ figures cached by their inputs
# A figure is a pure function of its arguments (see above), and plotly express spends most of a
# page's rerun validating the figure it builds (bench/profile.py). So a chart function decorated
# with `by_inputs` draws each distinct input once per process: every session of a snapshot, and
# every rerun that did not change the data, gets the same figure object (kernel.memo: what is keyed,
# and how). A call with anything else (a callable, whose result may depend on the session) is drawn
# as before. The figure is shared: callers must not change it (ui.plotly_chart draws a defused copy,
# the exports only read).
_figures = memo.store(512)
by_inputs = functools.partial(memo.by_inputs, into=_figures, share=True)


def clear_figures() -> None:
    """Forget every cached figure (the bench's cold runs)."""
    _figures.clear()
