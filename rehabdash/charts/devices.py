"""Charts of the assistive-devices page (辅具适配), each a pure function of a topic result and the
language; every status and every series carries a shape or a pattern besides its colour."""
from __future__ import annotations

import pandas as pd
import plotly.express as px

from rehabdash.charts import by_inputs
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.columns import Column, status_text
from rehabdash.kernel.contract import DEVICE_TYPES
from rehabdash.kernel.theme import (
    PALETTE,
    STATION_KIND_COLORS,
    STATUS_COLORS,
    STATUS_MARKERS,
)
from rehabdash.topics.devices import CREDIT_COUNTS, LOAN_COLUMNS, LOAN_OUTCOMES, loan_outcomes

# The tables under the charts (and their downloads), declared once.
TYPE_COLUMNS = (Column("label", "devices.device_type", "text"), Column("need", "devices.need_col"),
                Column("fitted", "devices.fitted_col"), Column("rate", "devices.rate_col", "rate"))
SUBUNIT_COLUMNS = (Column("subunit_name", "devices.subunit", "text"), Column("need", "devices.need_col"),
                   Column("fitted", "devices.fitted_col"), Column("rate", "devices.rate_col", "rate"),
                   Column("target", "devices.target_col", "count"),
                   Column("completion", "devices.completion_col", "percent"),
                   Column("status", "devices.status_col", "status"))
OPENING_COLUMNS = (Column("year", "devices.year_col", "text"),
                   Column("kind", "devices.station_kind", "code:station_kind"),
                   Column("opened", "devices.opened_col"), Column("open_at_end", "devices.open_at_end_col"))
PLACE_COLUMNS = (Column("name", "devices.station", "text"),
                 Column("kind", "devices.station_kind", "code:station_kind"),
                 Column("district_name", "devices.district", "text"),
                 Column("township_name", "devices.township", "text"))
STATION_COLUMNS = PLACE_COLUMNS + (Column("opened_on", "devices.opened_on", "date"),)
LOAN_TABLE = tuple(Column(c, f"devices.{c}", "rate" if c == "return_rate" else "number") for c in LOAN_COLUMNS)
PLACED_COLUMNS = (Column("device_type", "devices.device_type", "code:device_type"),
                  Column("source", "devices.source", "code:source"),
                  Column("station_kind", "devices.station_kind", "code:station_kind"),
                  Column("quantity", "devices.quantity"))

CREDIT_COLUMNS = (Column("band", "devices.credit_band", "text"), Column("borrowers", "devices.borrowers", "number"),
                  Column("below_text", "devices.below_threshold", "text"))
# A legend over the plot, in one row: a half-width column has no room for one beside it.
ABOVE_PLOT = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "title": None}
LATE_LOST_COLUMNS = PLACE_COLUMNS + tuple(Column(c, f"devices.{c}", "number") for c in CREDIT_COUNTS)


def _text(lang: str):
    """devices.<key> in `lang`, with its values."""
    return lambda key, **values: i18n.text(lang, f"devices.{key}", **values)


MAX_BARS = 40  # bars a chart shows; more do not read (the table beside it has every row)


def bar_height(rows: int) -> int:
    return 140 + 30 * rows


@by_inputs
def by_type(types: pd.DataFrame, lang: str, scope_label: str):
    """Need and fitted per device type, side by side (the fitted bars hatched)."""
    text = _text(lang)
    need, fitted = text("need_col"), text("fitted_col")
    long = types.melt(id_vars="label", value_vars=["need", "fitted"], var_name="measure", value_name="persons")
    long["measure"] = long["measure"].map({"need": need, "fitted": fitted})
    figure = px.bar(
        long, x="persons", y="label", color="measure", barmode="group", orientation="h", text="persons",
        pattern_shape="measure", pattern_shape_map={need: "", fitted: "/"},
        title=text("by_type_chart", scope=scope_label),
        labels={"label": text("device_type"), "persons": text("persons"), "measure": text("measure")},
    )
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=bar_height(2 * len(types)))
    return figure


@by_inputs
def subunit_rates(subunits: pd.DataFrame, lang: str, scope_label: str):
    """Fitting rate of each unit as a dot, coloured and shaped by the task's traffic light."""
    text = _text(lang)
    ranked = subunits.sort_values("rate").assign(status_text=lambda d: d["status"].map(
        lambda s: status_text(s, lang)))
    no_light = status_text(None, lang)
    figure = px.scatter(
        ranked, x="rate", y="subunit_name", color="status_text", symbol="status_text",
        text=[f"{fmt.rate(r)}  {s}" for r, s in zip(ranked["rate"], ranked["status_text"])],
        color_discrete_map={**{status_text(s, lang): c for s, c in STATUS_COLORS.items()}, no_light: "#777777"},
        symbol_map={**{status_text(s, lang): m for s, m in STATUS_MARKERS.items()}, no_light: "circle-open"},
        title=text("subunits_chart", scope=scope_label),
        labels={"subunit_name": text("subunit"), "rate": text("rate_col"), "status_text": text("status_col")},
    )
    # Rates sit close to 100 %: dots on a non-zero axis show the differences, bars would hide them.
    figure.update_traces(textposition="middle left", marker_size=13)
    # Labels left of the dots (most sit at 100 %), with room for them left of the lowest rate.
    span = max(1 - ranked["rate"].min(), 0.01)
    figure.update_xaxes(tickformat=".1%", range=[ranked["rate"].min() - 0.6 * span, 1 + 0.05 * span])
    figure.update_layout(height=bar_height(len(ranked)))
    return figure


@by_inputs
def openings(openings: pd.DataFrame, lang: str, scope_label: str):
    """Service points opened per year, by kind (pattern as well as colour)."""
    text = _text(lang)
    kind = lambda code: i18n.code_label(lang, "station_kind", code)  # noqa: E731
    chart = openings.assign(kind=openings["kind"].map(kind), year=openings["year"].astype(str))
    kind_colors = {kind(k): c for k, c in STATION_KIND_COLORS.items()}
    figure = px.bar(
        chart, x="year", y="opened", color="kind", pattern_shape="kind",
        color_discrete_map=kind_colors, pattern_shape_map=dict(zip(kind_colors, ("", "/", "."))),
        title=text("opened_chart", scope=scope_label),
        labels={"year": text("year_col"), "opened": text("opened_col"), "kind": text("station_kind")},
    )
    figure.update_xaxes(type="category")
    figure.update_layout(height=360)
    return figure


@by_inputs
def loans(frame: pd.DataFrame, label_column: str, lang: str, title: str):
    """Stacked bars of each row's loans: returned, on loan within term, overdue, lost (pattern as well as colour).
    At most MAX_BARS rows, the first ones (a nation lends at 14,000 stations; its table holds them all)."""
    if len(frame) > MAX_BARS:
        frame = frame.head(MAX_BARS)
        title = f"{title}{_text(lang)('top_bars', count=MAX_BARS)}"
    outcome_labels = {o: i18n.text(lang, f"devices.{o}") for o in LOAN_OUTCOMES}
    parts = loan_outcomes(frame, label_column)
    parts["outcome"] = parts["outcome"].map(outcome_labels)
    figure = px.bar(
        parts, x="count", y=label_column, color="outcome", orientation="h", pattern_shape="outcome",
        color_discrete_map=dict(zip(outcome_labels.values(), (PALETTE[0], PALETTE[1], PALETTE[5], PALETTE[7]))),
        pattern_shape_map=dict(zip(outcome_labels.values(), ("", ".", "x", "-"))),
        category_orders={label_column: list(frame[label_column])}, title=title,
        labels={"count": i18n.text(lang, "devices.count_col"), label_column: "",
                "outcome": i18n.text(lang, "devices.outcome")},
    )
    # tall enough for the legend of the four outcomes too (the four device types cut off 丢失)
    figure.update_layout(height=bar_height(max(len(frame), len(LOAN_OUTCOMES) + 2)))
    return figure


@by_inputs
def placed(placed: pd.DataFrame, lang: str, scope_label: str, year: int):
    """Shared devices placed at the points this year, by type and source."""
    text = _text(lang)
    code = lambda code_list: lambda c: i18n.code_label(lang, code_list, c)  # noqa: E731
    chart = placed.assign(device_type=placed["device_type"].map(code("device_type")),
                          source=placed["source"].map(code("source")),
                          station_kind=placed["station_kind"].map(code("station_kind")))
    figure = px.bar(
        chart, x="quantity", y="device_type", color="source", pattern_shape="source", orientation="h",
        title=text("placed_chart", scope=scope_label, year=year), hover_data=["station_kind"],
        labels={"device_type": text("device_type"), "quantity": text("quantity"), "source": text("source"),
                "station_kind": text("station_kind")},
    )
    figure.update_layout(height=bar_height(chart["device_type"].nunique() + 2))
    return figure


def stock_columns(per_station: pd.DataFrame) -> tuple[Column, ...]:
    """Stock per station: its place, one column per device type it holds, the total and this year's."""
    held = tuple(Column(d, f"codes.device_type.{d}") for d in DEVICE_TYPES if d in per_station.columns)
    return PLACE_COLUMNS + held + (Column("total", "devices.total"),
                                   Column("placed_in_year", "devices.placed_in_year"))


def credit_bands(bands: pd.DataFrame, threshold: int, lang: str) -> pd.DataFrame:
    """The distribution's table: each band as '60–69', its borrowers, and whether it lies below the
    threshold in words (not only the bar's colour)."""
    text = _text(lang)
    return bands.assign(
        band=[f"{low}–{high}" for low, high in zip(bands["low"], bands["high"])],
        below_text=[text("below_yes", threshold=threshold) if b else text("below_no") for b in bands["below"]])


@by_inputs
def credit(table: pd.DataFrame, lang: str, title: str):
    """Borrowers per credit band (a credit_bands table); the bands below the threshold hatched and
    in the warning colour, and named so in the legend."""
    text = _text(lang)
    figure = px.bar(
        table, x="band", y="borrowers", color="below_text", pattern_shape="below_text", text="borrowers",
        color_discrete_map={w: PALETTE[5] if w != text("below_no") else PALETTE[0] for w in table["below_text"]},
        pattern_shape_map={w: "x" if w != text("below_no") else "" for w in table["below_text"]},
        category_orders={"band": list(table["band"])}, title=title,
        labels={"band": text("credit_band"), "borrowers": text("borrowers"), "below_text": ""},
    )
    figure.update_xaxes(type="category")
    figure.update_layout(height=380, legend=ABOVE_PLOT)
    return figure


@by_inputs
def late_lost(per_station: pd.DataFrame, lang: str, title: str):
    """Late, lost and refused per station, stacked (pattern as well as colour); the first MAX_BARS."""
    text = _text(lang)
    frame = per_station[(per_station[["late", "lost", "refused"]].sum(axis=1) > 0)]
    if len(frame) > MAX_BARS:
        frame, title = frame.head(MAX_BARS), f"{title}{text('top_bars', count=MAX_BARS)}"
    labels = {c: text(c) for c in ("late", "lost", "refused")}
    parts = frame.melt(id_vars=["name"], value_vars=list(labels), var_name="outcome", value_name="count")
    parts["outcome"] = parts["outcome"].map(labels)
    figure = px.bar(
        parts, x="count", y="name", color="outcome", orientation="h", pattern_shape="outcome",
        color_discrete_map=dict(zip(labels.values(), (PALETTE[1], PALETTE[5], PALETTE[3]))),
        pattern_shape_map=dict(zip(labels.values(), ("", "x", "/"))),
        category_orders={"name": list(frame["name"])}, title=title,
        labels={"count": text("count_col"), "name": "", "outcome": text("outcome")},
    )
    figure.update_layout(height=bar_height(len(frame)) + 40, legend=ABOVE_PLOT)
    return figure
