"""Charts layer: plotly figures drawn from topic results (frames and small dataclasses), and the
tables and words a topic's values are read in where pages and exports share them (dispatch).

May import kernel, topics and plotly; never Streamlit, DuckDB or the store: a chart is a pure function
of the data it is given, so a page, an export or a test draws the same figure.
"""
from __future__ import annotations

import functools

import plotly.express as px
from plotly.basedatatypes import BaseFigure

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
# as before.
_figures = memo.store(512)


def by_inputs(draw):
    """Decorator: the figure `draw(*args, **kwargs)` returned last time for the same inputs.

    The figure (and the table of a chart that returns both) is shared, so callers must not change
    it: a figure is marked ``_rehab_shared`` and ui.plotly_chart draws a defused copy of it (the
    exports only read)."""
    @functools.wraps(draw)
    def cached(*args, **kwargs):
        try:
            key = memo.key_of(draw, args, kwargs)
        except memo.Unkeyable:
            return draw(*args, **kwargs)
        return _figures.get_or_compute(key, lambda: _marked(draw(*args, **kwargs)))

    cached.uncached = draw
    return cached


def _marked(drawn):
    """The figure drawn (or each figure of a (figure, table) pair) marked as shared."""
    for each in drawn if isinstance(drawn, (tuple, list)) else (drawn,):
        if isinstance(each, BaseFigure):
            each._rehab_shared = True  # plotly figures take attributes whose names start with "_"
    return drawn


def clear_figures() -> None:
    """Forget every cached figure (the bench's cold runs)."""
    _figures.clear()
