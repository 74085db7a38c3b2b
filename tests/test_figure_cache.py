"""Figures cached by their inputs (rehabdash.charts.by_inputs, issue 20): the same data gives the same
figure without drawing again; any change of data or wording draws a new one; a call the cache
cannot key (a callable argument) is drawn every time."""
import json

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


def test_a_shared_figure_is_escaped_once_however_often_it_is_shown():
    from rehabdash.ui.widgets import literal_figure

    types = TYPES.assign(label=["轮椅&拐杖", "<b>助行器</b>"])
    shared = device_charts.by_type(types, "zh", "A&B区")
    shown = [literal_figure(device_charts.by_type(types, "zh", "A&B区")) for _ in range(3)]
    for figure in shown:
        texts = json.dumps(json.loads(figure.to_json()), ensure_ascii=False)
        assert "轮椅&amp;拐杖" in texts and "&lt;b&gt;助行器" in texts
        assert "&amp;amp;" not in texts and "&amp;lt;" not in texts
    assert "轮椅&拐杖" in json.dumps(json.loads(shared.to_json()), ensure_ascii=False)  # the shared one untouched


def test_a_shared_figure_sends_the_spec_a_figure_drawn_anew_sends():
    """What st.plotly_chart serialises (the figure's to_dict, worked out once for a shared figure)."""
    import plotly.io

    from rehabdash.kernel import safe_text
    from rehabdash.ui.widgets import literal_figure

    types = TYPES.assign(label=["轮椅&拐杖", "<b>助行器</b>"])
    charts.clear_figures()  # drawn under the same plotly template as the one drawn anew
    drawn_anew = safe_text.defuse_figure(device_charts.by_type.uncached(types, "zh", "A&B区"))
    expected = json.loads(plotly.io.to_json(drawn_anew.to_dict(), validate=False))
    for _ in range(2):  # the same content (the copy lists the layout's keys in another order)
        shown = literal_figure(device_charts.by_type(types, "zh", "A&B区"))
        assert json.loads(plotly.io.to_json(shown.to_dict(), validate=False)) == expected


def test_a_chart_that_returns_its_table_too_has_its_figure_shown_as_a_copy():
    from rehabdash.charts import rehab as rehab_charts
    from rehabdash.ui.widgets import literal_figure

    types = pd.DataFrame({"disability_type": ["visual", "hearing"], "need": [10, 4], "served": [8, 4],
                          "rate": [0.8, 1.0]})
    figure, _ = rehab_charts.by_type(types, "zh", "A&B区")
    for _ in range(2):
        shown = literal_figure(rehab_charts.by_type(types, "zh", "A&B区")[0])
        assert shown is not figure and shown.layout.title.text.count("&amp;") == 1
    assert "A&B区" in figure.layout.title.text
