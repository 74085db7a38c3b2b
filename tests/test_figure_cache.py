"""Figures cached by their inputs (rehabdash.charts.by_inputs, issue 20): the same data gives the same
figure without drawing again; any change of data or wording draws a new one; a call the cache
cannot key (a callable argument) is drawn every time."""
import pandas as pd

from rehabdash import charts
from rehabdash.charts import devices as device_charts

TYPES = pd.DataFrame({"device_type": ["wheelchair", "crutch"], "label": ["轮椅", "拐杖"],
                      "need": [10, 4], "fitted": [8, 4], "rate": [0.8, 1.0]})


def counting():
    calls = []

    @charts.by_inputs
    def draw(frame, lang, extra=None):
        calls.append(1)
        return object()

    return draw, calls


def test_same_inputs_give_the_same_figure_drawn_once():
    draw, calls = counting()
    first = draw(TYPES, "zh")
    assert draw(TYPES.copy(), "zh") is first  # equal content, another frame object
    assert len(calls) == 1


def test_a_changed_cell_label_or_language_draws_again():
    draw, calls = counting()
    first = draw(TYPES, "zh")
    changed = TYPES.assign(fitted=[7, 4])
    renamed = TYPES.rename(columns={"need": "demand"})
    assert draw(changed, "zh") is not first
    assert draw(renamed, "zh") is not first
    assert draw(TYPES, "en") is not first
    assert draw(TYPES, "zh", extra=("a", 1)) is not first
    assert len(calls) == 5


def test_a_callable_argument_is_not_cached():
    draw, calls = counting()
    draw(TYPES, "zh", extra=lambda s: s)
    draw(TYPES, "zh", extra=lambda s: s)
    assert len(calls) == 2


def test_a_page_chart_is_the_same_as_drawn_uncached():
    cached = device_charts.by_type(TYPES, "zh", "包头市")
    assert device_charts.by_type(TYPES, "zh", "包头市") is cached
    assert cached.to_json() == device_charts.by_type.uncached(TYPES, "zh", "包头市").to_json()
