"""辅具适配: persons fitted against need and the annual task, by device type and by subunit; the device
service points (辅具服务站点) with their map; community sharing/rental loans and the shared-device stock."""
import plotly.express as px
import streamlit as st

from rehabdash import ui
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.contract import DEVICE_TYPES
from rehabdash.kernel.theme import PALETTE, STATUS_COLORS, STATUS_MARKERS
from rehabdash.maps import devices as device_map
from rehabdash.maps import mapkit
from rehabdash.topics import devices

f = ui.filters()
ui.page_header("devices.title", f)
until = f.window["until"]
fit = devices.fitting(f.run, f.as_of, f.year)
points = devices.service_points(f.run, f.as_of, f.year)
loans = devices.loan_totals(f.run, f.as_of, f.year)
loans_by = devices.loans_by(f.run, f.as_of, f.year, points.stations)
stock = devices.stock(f.run, f.as_of, f.year, points.stations)


def count(value) -> str:
    return fmt.count(value, f.lang)


def card_with_change(label_text: str, measure, notes: tuple[str, ...] = ()) -> None:
    """A headline count with its year-on-year change (signed first, so a fall points down)."""
    change = None if measure.change is None else fmt.change(measure.change)
    ui.figure_card(label_text, count(measure.value), change, notes,
                   delta_description=ui.t("devices.yoy") if change else None)


def kind(code: str) -> str:
    return ui.label("station_kind", code)


def device(code: str) -> str:
    return ui.label("device_type", code)


def place_columns(frame):
    """Station name, kind and place with Chinese (or English) headers, for the station tables."""
    return frame.assign(kind=frame["kind"].map(kind)).rename(columns={
        "name": ui.t("devices.station"), "kind": ui.t("devices.station_kind"),
        "district_name": ui.t("devices.district"), "township_name": ui.t("devices.township"),
    })


def bar_height(rows: int) -> int:
    return 140 + 30 * rows


# ---------------------------------------------------------------- headline: fitting and the task
st.subheader(ui.t("devices.fitting"))
progress_note = ui.t("devices.progress", progress=fmt.completion(fit.time_progress))
task_notes = ((ui.t("devices.task", target=count(fit.fitted.target)),
               f"{progress_note} · {ui.status_text(fit.status)}")
              if fit.fitted.target is not None else (ui.t("devices.no_task"),))
columns = st.columns(4)
with columns[0]:
    card_with_change(ui.t("devices.fitted"), fit.fitted)
with columns[1]:
    card_with_change(ui.t("devices.need"), fit.need)
with columns[2]:
    ui.figure_card(ui.t("devices.fitting_rate"), fmt.rate(fit.fitted.rate), None,
                   (ui.t("devices.last_year_rate", rate=fmt.rate(fit.last_year_rate)),))
with columns[3]:
    ui.figure_card(ui.t("devices.completion"), fmt.completion(fit.fitted.completion), None, task_notes)

# ---------------------------------------------------------------- by device type
st.subheader(ui.t("devices.by_type"))
types = devices.by_device_type(f.run, f.as_of, f.year).assign(label=lambda d: d["device_type"].map(device))
need_label, fitted_label = ui.t("devices.need_col"), ui.t("devices.fitted_col")
long = types.melt(id_vars="label", value_vars=["need", "fitted"], var_name="measure", value_name="persons")
long["measure"] = long["measure"].map({"need": need_label, "fitted": fitted_label})
figure = px.bar(
    long, x="persons", y="label", color="measure", barmode="group", orientation="h", text="persons",
    pattern_shape="measure", pattern_shape_map={need_label: "", fitted_label: "/"},
    title=ui.t("devices.by_type_chart", scope=f.scope_label),
    labels={"label": ui.t("devices.device_type"), "persons": ui.t("devices.persons"),
            "measure": ui.t("devices.measure")},
)
figure.update_yaxes(autorange="reversed")
figure.update_layout(height=bar_height(2 * len(types)))
ui.chart_with_data(figure, types.assign(rate=types["rate"].map(fmt.rate))[
    ["label", "need", "fitted", "rate"]].rename(columns={
        "label": ui.t("devices.device_type"), "need": need_label, "fitted": fitted_label,
        "rate": ui.t("devices.rate_col")}),
    key="device_types", file_stem=ui.t("devices.by_type"))

# ---------------------------------------------------------------- by subunit, with the traffic light
st.subheader(ui.t("devices.subunits"))
subunits = devices.by_subunit(f.run, f.as_of, f.year)
if subunits.empty:
    st.info(ui.t("devices.no_subunits"))
else:
    st.caption(ui.t("devices.subunits_caption", progress=fmt.completion(fit.time_progress)))
    subunits["status_text"] = subunits["status"].map(ui.status_text)
    ranked = subunits.sort_values("rate")
    no_light = ui.status_text(None)
    figure = px.scatter(
        ranked, x="rate", y="subunit_name", color="status_text", symbol="status_text",
        text=[f"{fmt.rate(r)}  {s}" for r, s in zip(ranked["rate"], ranked["status_text"])],
        color_discrete_map={**{ui.status_text(s): c for s, c in STATUS_COLORS.items()}, no_light: "#777777"},
        symbol_map={**{ui.status_text(s): m for s, m in STATUS_MARKERS.items()}, no_light: "circle-open"},
        title=ui.t("devices.subunits_chart", scope=f.scope_label),
        labels={"subunit_name": ui.t("devices.subunit"), "rate": ui.t("devices.rate_col"),
                "status_text": ui.t("devices.status_col")},
    )
    # Rates sit close to 100 %: dots on a non-zero axis show the differences, bars would hide them.
    figure.update_traces(textposition="middle left", marker_size=13)
    # Labels left of the dots (most sit at 100 %), with room for them left of the lowest rate.
    span = max(1 - ranked["rate"].min(), 0.01)
    figure.update_xaxes(tickformat=".1%", range=[ranked["rate"].min() - 0.6 * span, 1 + 0.05 * span])
    figure.update_layout(height=bar_height(len(ranked)))
    table = subunits.assign(
        rate=subunits["rate"].map(fmt.rate), completion=subunits["completion"].map(fmt.completion),
        target=subunits["target"].map(count),
    )[["subunit_name", "need", "fitted", "rate", "target", "completion", "status_text"]].rename(columns={
        "subunit_name": ui.t("devices.subunit"), "need": need_label, "fitted": fitted_label,
        "rate": ui.t("devices.rate_col"), "target": ui.t("devices.target_col"),
        "completion": ui.t("devices.completion_col"), "status_text": ui.t("devices.status_col"),
    })
    ui.chart_with_data(figure, table, key="device_subunits", file_stem=ui.t("devices.subunits"))

# ---------------------------------------------------------------- service points
st.subheader(ui.t("devices.points"))
openings = devices.openings_by_year(points.stations, f.year)
opened_this_year = int(openings.loc[openings["year"] == f.year, "opened"].sum())
columns = st.columns([1, 3])
with columns[0]:
    card_with_change(ui.t("devices.points_total"), points.total, (
        ui.t("devices.points_opened", count=count(opened_this_year)),
        *(ui.t("devices.points_by_kind", kind=kind(k), count=count(n)) for k, n in points.by_kind.items()),
    ))
with columns[1]:
    if openings.empty:
        st.info(ui.t("devices.no_map"))
    else:
        chart = openings.assign(kind=openings["kind"].map(kind), year=openings["year"].astype(str))
        kind_colors = {kind(k): c for k, c in device_map.KIND_COLORS.items()}
        figure = px.bar(
            chart, x="year", y="opened", color="kind", pattern_shape="kind",
            color_discrete_map=kind_colors, pattern_shape_map=dict(zip(kind_colors, ("", "/", ".")),),
            title=ui.t("devices.opened_chart", scope=f.scope_label),
            labels={"year": ui.t("devices.year_col"), "opened": ui.t("devices.opened_col"),
                    "kind": ui.t("devices.station_kind")},
        )
        figure.update_xaxes(type="category")
        figure.update_layout(height=360)
        ui.chart_with_data(figure, chart.rename(columns={
            "year": ui.t("devices.year_col"), "kind": ui.t("devices.station_kind"),
            "opened": ui.t("devices.opened_col"), "open_at_end": ui.t("devices.open_at_end_col"),
        }), key="device_openings", file_stem=ui.t("devices.opened_col"))

st.markdown(f"**{ui.t('devices.map')}**")
stock_of = dict(zip(stock.per_station["station_id"], stock.per_station["total"]))
loans_of = dict(zip(loans_by["station"]["station_id"], loans_by["station"]["loans"]))


def tooltip(row) -> str:
    lines = [row.name, f"{kind(row.kind)} · {row.district_name} {row.township_name}",
             ui.t("devices.tooltip_opened", date=fmt.date(row.opened_on, f.lang))]
    if stock_of.get(row.station_id):
        lines.append(ui.t("devices.tooltip_stock", count=count(stock_of[row.station_id])))
    if loans_of.get(row.station_id):
        lines.append(ui.t("devices.tooltip_loans", count=count(loans_of[row.station_id])))
    return "\n".join(lines)


layer_names = {**{k: kind(k) for k in device_map.KIND_COLORS},
               "districts": ui.t("devices.districts"), "townships": ui.t("devices.townships")}
station_map = device_map.station_map(points.stations, f.scope, layer_names, tooltip)
if station_map is None:
    st.info(ui.t("devices.no_map"))
else:
    mapkit.show_map(station_map, key=f"device_map_{f.scope.root}_{f.year}", height=540, returned_objects=())
    legend = " ".join(
        f'<span style="color:{device_map.KIND_COLORS[k]}">{device_map.KIND_SYMBOLS[device_map.KIND_SHAPES[k]]}</span> {kind(k)}'
        for k in device_map.KIND_COLORS)
    st.caption(ui.t("devices.map_caption", until=fmt.date(until, f.lang), legend=legend), unsafe_allow_html=True)
with st.expander(ui.t("devices.station_list")):
    listed = points.stations.assign(opened_on=points.stations["opened_on"].map(lambda d: fmt.date(d, f.lang)))
    ui.table_with_download(
        place_columns(listed[["name", "kind", "district_name", "township_name", "opened_on"]])
        .rename(columns={"opened_on": ui.t("devices.opened_on")}),
        key="device_stations", file_stem=ui.t("devices.station_list"))

# ---------------------------------------------------------------- community sharing / rental
st.subheader(ui.t("devices.sharing"))
st.caption(ui.t("devices.sharing_caption", year=f.year, as_of=fmt.date(f.as_of, f.lang)))
columns = st.columns(5)
for column, (label_key, value) in zip(columns, (
    ("devices.loans", count(loans.lent)), ("devices.returned", count(loans.returned)),
    ("devices.on_loan", count(loans.on_loan)), ("devices.overdue", count(loans.overdue)),
    ("devices.return_rate", fmt.rate(loans.return_rate)),
)):
    with column:
        ui.figure_card(ui.t(label_key), value)

outcome_labels = {o: ui.t(f"devices.{o}") for o in devices.LOAN_OUTCOMES}
loan_headers = {
    "loans": ui.t("devices.loans"), "returned": ui.t("devices.returned"), "on_loan": ui.t("devices.on_loan"),
    "overdue": ui.t("devices.overdue"), "return_rate": ui.t("devices.return_rate"),
}


def loan_chart(frame, key: str, label_column: str, title: str, file_stem: str, table) -> None:
    """Stacked bars of each row's loans: returned, on loan within term, overdue (pattern as well as colour)."""
    parts = devices.loan_outcomes(frame, label_column)
    parts["outcome"] = parts["outcome"].map(outcome_labels)
    figure = px.bar(
        parts, x="count", y=label_column, color="outcome", orientation="h", pattern_shape="outcome",
        color_discrete_map=dict(zip(outcome_labels.values(), (PALETTE[0], PALETTE[1], PALETTE[5]))),
        pattern_shape_map=dict(zip(outcome_labels.values(), ("", ".", "x"))),
        category_orders={label_column: list(frame[label_column])}, title=title,
        labels={"count": ui.t("devices.count_col"), label_column: "", "outcome": ui.t("devices.outcome")},
    )
    figure.update_layout(height=bar_height(len(frame)))
    ui.chart_with_data(figure, table.assign(return_rate=table["return_rate"].map(fmt.rate))
                       .rename(columns=loan_headers), key=key, file_stem=file_stem)


if loans.lent == 0:
    st.info(ui.t("devices.no_loans"))
else:
    columns = st.columns(2)
    with columns[0]:
        st.markdown(f"**{ui.t('devices.loans_by_station')}**")
        per_station = loans_by["station"]
        loan_chart(per_station, "device_station_loans", "name",
                   ui.t("devices.loans_by_station_chart", scope=f.scope_label),
                   ui.t("devices.loans_by_station"),
                   place_columns(per_station.drop(columns="station_id")))
    with columns[1]:
        st.markdown(f"**{ui.t('devices.loans_by_type')}**")
        per_type = loans_by["device_type"].assign(label=lambda d: d["device_type"].map(device))
        loan_chart(per_type, "device_type_loans", "label",
                   ui.t("devices.loans_by_type_chart", scope=f.scope_label),
                   ui.t("devices.loans_by_type"),
                   per_type.drop(columns="device_type")[["label", *devices.LOAN_COLUMNS]]
                   .rename(columns={"label": ui.t("devices.device_type")}))

# ---------------------------------------------------------------- shared-device stock
st.markdown(f"**{ui.t('devices.stock_section')}**")
columns = st.columns([1, 3])
with columns[0]:
    ui.figure_card(ui.t("devices.stock"), count(stock.total), None,
                   (ui.t("devices.stock_note", until=fmt.date(until, f.lang)),))
    ui.figure_card(ui.t("devices.placed"), count(stock.placed), None, tuple(
        ui.t("devices.placed_by_source", source=ui.label("source", s), count=count(n))
        for s, n in stock.placed_by_source.items()))
with columns[1]:
    placed = stock.placed_in_year
    if placed.empty:
        st.info(ui.t("devices.no_stock"))
    else:
        chart = placed.assign(device_type=placed["device_type"].map(device),
                              source=placed["source"].map(lambda s: ui.label("source", s)),
                              station_kind=placed["station_kind"].map(kind))
        figure = px.bar(
            chart, x="quantity", y="device_type", color="source", pattern_shape="source", orientation="h",
            title=ui.t("devices.placed_chart", scope=f.scope_label, year=f.year),
            hover_data=["station_kind"],
            labels={"device_type": ui.t("devices.device_type"), "quantity": ui.t("devices.quantity"),
                    "source": ui.t("devices.source"), "station_kind": ui.t("devices.station_kind")},
        )
        figure.update_layout(height=bar_height(chart["device_type"].nunique() + 2))
        ui.chart_with_data(figure, chart.rename(columns={
            "device_type": ui.t("devices.device_type"), "source": ui.t("devices.source"),
            "station_kind": ui.t("devices.station_kind"), "quantity": ui.t("devices.quantity"),
        }), key="device_placed", file_stem=ui.t("devices.placed"))

st.markdown(f"**{ui.t('devices.stock_by_station')}**")
if stock.per_station.empty:
    st.info(ui.t("devices.no_stock"))
else:
    table = place_columns(stock.per_station.drop(columns="station_id")).rename(
        columns={**{d: device(d) for d in DEVICE_TYPES},
                 "total": ui.t("devices.total"), "placed_in_year": ui.t("devices.placed_in_year")})
    ui.table_with_download(table, key="device_stock", file_stem=ui.t("devices.stock_by_station"))
