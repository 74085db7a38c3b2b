"""Charts layer: plotly figures drawn from topic results (frames and small dataclasses).

May import kernel and plotly; never Streamlit, DuckDB or the store: a chart is a pure function of the
data it is given, so a page, an export or a test draws the same figure.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import threading
from collections import OrderedDict

import pandas as pd
import plotly.express as px

from rehabdash.kernel.theme import PALETTE


def apply_plotly_defaults() -> None:
    """Every plotly express chart uses the palette unless it says otherwise."""
    px.defaults.color_discrete_sequence = list(PALETTE)


# ------------------------------------------------------------------ figures cached by their inputs
# A figure is a pure function of its arguments (see above), and plotly express spends most of a
# page's rerun validating the figure it builds (bench/profile.py). So a chart function decorated
# with `by_inputs` draws each distinct input once per process: every session of a snapshot, and
# every rerun that did not change the data, gets the same figure. Only plain data is keyed (frames,
# series, text, numbers, dates, enums, frozen dataclasses and containers of them); a call with
# anything else (a callable, whose result may depend on the session) is drawn as before.
_CACHE_SIZE = 256
_figures: OrderedDict = OrderedDict()
_figures_lock = threading.Lock()


class _Unkeyable(Exception):
    pass


def _fingerprint(value):
    if isinstance(value, (str, int, float, bool, type(None), dt.date, enum.Enum)):
        return (type(value).__name__, value)
    if isinstance(value, (pd.DataFrame, pd.Series)):
        try:
            rows = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
        except TypeError as unhashable:  # cells holding lists or dicts
            raise _Unkeyable from unhashable
        names = tuple(map(str, value.columns)) if isinstance(value, pd.DataFrame) else (str(value.name),)
        dtypes = tuple(map(str, value.dtypes)) if isinstance(value, pd.DataFrame) else (str(value.dtype),)
        return (type(value).__name__, names, dtypes, hashlib.blake2b(rows, digest_size=16).digest())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_fingerprint(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _fingerprint(v)) for k, v in value.items())))
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and value.__dataclass_params__.frozen:
        return (type(value).__qualname__,
                tuple(_fingerprint(getattr(value, f.name)) for f in dataclasses.fields(value)))
    raise _Unkeyable


def by_inputs(draw):
    """Decorator: the figure `draw(*args, **kwargs)` returned last time for the same inputs.

    The figure is shared, so callers must not change it (st.plotly_chart and the exports only read)."""
    @functools.wraps(draw)
    def cached(*args, **kwargs):
        try:
            key = (draw, _fingerprint(args), _fingerprint(kwargs))
        except _Unkeyable:
            return draw(*args, **kwargs)
        with _figures_lock:
            if key in _figures:
                _figures.move_to_end(key)
                return _figures[key]
        figure = draw(*args, **kwargs)
        with _figures_lock:
            _figures[key] = figure
            while len(_figures) > _CACHE_SIZE:
                _figures.popitem(last=False)
        return figure

    cached.uncached = draw
    return cached


def clear_figures() -> None:
    """Forget every cached figure (the bench's cold runs)."""
    with _figures_lock:
        _figures.clear()
