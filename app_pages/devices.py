"""辅具适配: persons fitted against need and the annual task, by device type and by subunit; the device
service points (辅具服务站点) with their map; community sharing/rental loans and the shared-device stock."""
import streamlit as st

from rehabdash import ui
from rehabdash.charts import devices as charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.columns import Column
from rehabdash.maps import devices as device_map
from rehabdash.maps import component
from rehabdash.topics import devices

f = ui.filters()
ui.page_header("devices.title", f)
until = f.window["until"]
fit = devices.fitting(f.run, f.as_of, f.year)
points = devices.service_points(f.run, f.as_of, f.year)
loans = devices.loan_totals(f.run, f.as_of, f.year)
loans_by = devices.loans_by(f.run, f.as_of, f.year, points.stations)
stock = devices.stock(f.run, f.as_of, f.year, points.stations)
count = lambda value: fmt.count(value, f.lang)  # noqa: E731
kind = lambda code: ui.label("station_kind", code)  # noqa: E731

# ---------------------------------------------------------------- headline: fitting and the task
st.subheader(ui.t("devices.fitting"))
progress_note = ui.t("devices.progress", progress=fmt.completion(fit.time_progress))
task_notes = ((ui.t("devices.task", target=count(fit.fitted.target)),
               f"{progress_note} · {ui.status_text(fit.status)}")
              if fit.fitted.target is not None else (ui.t("devices.no_task"),))
columns = st.columns(4)
with columns[0]:
    ui.measure_card(ui.t("devices.fitted"), fit.fitted)
with columns[1]:
    ui.measure_card(ui.t("devices.need"), fit.need)
with columns[2]:
    ui.figure_card(ui.t("devices.fitting_rate"), fmt.rate(fit.fitted.rate), None,
                   (ui.t("devices.last_year_rate", rate=fmt.rate(fit.last_year_rate)),))
with columns[3]:
    ui.figure_card(ui.t("devices.completion"), fmt.completion(fit.fitted.completion), None, task_notes)

# ---------------------------------------------------------------- by device type
st.subheader(ui.t("devices.by_type"))
types = devices.by_device_type(f.run, f.as_of, f.year).assign(
    label=lambda d: d["device_type"].map(lambda c: ui.label("device_type", c)))
if (types[["need", "fitted"]] == 0).all(axis=None):  # a new deployment's scope: no empty axes from −1 to 1
    st.info(ui.t("devices.no_types"))
else:
    ui.chart_with_table(charts.by_type(types, f.lang, f.scope_label), types, charts.TYPE_COLUMNS,
                        key="device_types", file_stem=ui.t("devices.by_type"))

# ---------------------------------------------------------------- by subunit, with the traffic light
st.subheader(ui.t("devices.subunits"))
subunits = devices.by_subunit(f.run, f.as_of, f.year)
if subunits.empty:
    st.info(ui.t("devices.no_subunits"))
else:
    st.caption(ui.t("devices.subunits_caption", progress=fmt.completion(fit.time_progress)))
    ui.chart_with_table(charts.subunit_rates(subunits, f.lang, f.scope_label), subunits,
                        charts.SUBUNIT_COLUMNS, key="device_subunits", file_stem=ui.t("devices.subunits"),
                        drill=subunits["subunit_code"])

# ---------------------------------------------------------------- service points
st.subheader(ui.t("devices.points"))
openings = devices.openings_by_year(points.stations, f.year)
opened_this_year = int(openings.loc[openings["year"] == f.year, "opened"].sum())
columns = st.columns([1, 3])
with columns[0]:
    ui.measure_card(ui.t("devices.points_total"), points.total, (
        ui.t("devices.points_opened", count=count(opened_this_year)),
        *(ui.t("devices.points_by_kind", kind=kind(k), count=count(n)) for k, n in points.by_kind.items()),
    ))
with columns[1]:
    if openings.empty:  # the map below may still draw the districts
        st.info(ui.t("devices.no_points"))
    else:
        ui.chart_with_table(charts.openings(openings, f.lang, f.scope_label), openings.astype({"year": str}),
                            charts.OPENING_COLUMNS, key="device_openings", file_stem=ui.t("devices.opened_col"))

st.markdown(f"**{ui.t('devices.map')}**")
stock_of = dict(zip(stock.per_station["station_id"], stock.per_station["total"]))
loans_of = dict(zip(loans_by["station"]["station_id"], loans_by["station"]["loans"]))
station_map = component.shared_map(device_map.stations_map, points.stations, f.scope, f.lang, stock_of, loans_of)
if station_map is None:
    st.info(ui.t("devices.no_map"))
else:
    component.show_map(station_map, key="device_map", height=540, returned_objects=())
    st.caption(ui.t("devices.map_caption", until=fmt.date(until, f.lang), legend=device_map.legend_html(f.lang)),
               unsafe_allow_html=True)
with st.expander(ui.t("devices.station_list")):
    ui.table(points.stations, charts.STATION_COLUMNS, key="device_stations", file_stem=ui.t("devices.station_list"))

# ---------------------------------------------------------------- community sharing / rental
st.subheader(ui.t("devices.sharing"))
st.caption(ui.t("devices.sharing_caption", year=f.year, as_of=fmt.date(f.as_of, f.lang)))
# Two rows of three (six in one row cut the rate short at 1280 px): what was lent and came back, then
# what did not, the lost devices beside the overdue ones and counted in neither 在借 nor 逾期未还.
for row in ((("devices.loans", count(loans.lent)), ("devices.returned", count(loans.returned)),
             ("devices.return_rate", fmt.rate(loans.return_rate))),
            (("devices.on_loan", count(loans.on_loan)), ("devices.overdue", count(loans.overdue)),
             ("devices.lost", count(loans.lost)))):
    for column, (label_key, value) in zip(st.columns(3), row):
        with column:
            ui.figure_card(ui.t(label_key), value)

if loans.lent == 0:
    st.info(ui.t("devices.no_loans"))
else:
    columns = st.columns(2)
    with columns[0]:
        st.markdown(f"**{ui.t('devices.loans_by_station')}**")
        per_station = loans_by["station"]
        ui.chart_with_table(
            charts.loans(per_station, "name", f.lang, ui.t("devices.loans_by_station_chart", scope=f.scope_label)),
            per_station, charts.PLACE_COLUMNS + charts.LOAN_TABLE, key="device_station_loans",
            file_stem=ui.t("devices.loans_by_station"))
    with columns[1]:
        st.markdown(f"**{ui.t('devices.loans_by_type')}**")
        per_type = loans_by["device_type"].assign(label=lambda d: d["device_type"].map(
            lambda c: ui.label("device_type", c)))
        ui.chart_with_table(
            charts.loans(per_type, "label", f.lang, ui.t("devices.loans_by_type_chart", scope=f.scope_label)),
            per_type, (Column("label", "devices.device_type", "text"), *charts.LOAN_TABLE),
            key="device_type_loans", file_stem=ui.t("devices.loans_by_type"))

# ---------------------------------------------------------------- borrowers' credit (信用积分)
credit = devices.credit(f.run, f.as_of, f.year, points.stations)
rule = credit.rule
st.subheader(ui.t("devices.credit"))
st.caption(ui.t("devices.credit_caption", start=rule.start, on_time=rule.on_time, late=rule.late, lost=rule.lost,
                threshold=rule.threshold))
if credit.borrowers == 0:
    st.info(ui.t("devices.no_credit"))
else:
    until_text = fmt.date(credit.until, f.lang)
    st.caption(ui.t("devices.credit_summary", year=f.year, borrowers=count(credit.borrowers), until=until_text,
                    mean=f"{credit.mean:.1f}", below=count(credit.below), threshold=rule.threshold,
                    refused=count(credit.refused)))
    columns = st.columns(2)
    with columns[0]:
        bands = charts.credit_bands(credit.bands, rule.threshold, f.lang)
        ui.chart_with_table(charts.credit(bands, f.lang, ui.t("devices.credit_chart", scope=f.scope_label,
                                                              until=until_text)),
                            bands, charts.CREDIT_COLUMNS, key="device_credit", file_stem=ui.t("devices.credit"))
    with columns[1]:
        st.markdown(f"**{ui.t('devices.late_lost')}**")
        st.caption(ui.t("devices.late_lost_caption", year=f.year, until=until_text))
        per_station = credit.per_station
        if per_station[["late", "lost", "refused"]].to_numpy().sum() == 0:
            st.info(ui.t("devices.no_late_lost"))
            ui.table(per_station, charts.LATE_LOST_COLUMNS, key="device_late_lost", file_stem=ui.t("devices.late_lost"))
        else:
            ui.chart_with_table(
                charts.late_lost(per_station, f.lang, ui.t("devices.late_lost_chart", scope=f.scope_label)),
                per_station, charts.LATE_LOST_COLUMNS, key="device_late_lost", file_stem=ui.t("devices.late_lost"))

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
    if stock.placed_in_year.empty:
        st.info(ui.t("devices.no_stock"))
    else:
        ui.chart_with_table(charts.placed(stock.placed_in_year, f.lang, f.scope_label, f.year),
                            stock.placed_in_year, charts.PLACED_COLUMNS, key="device_placed",
                            file_stem=ui.t("devices.placed"))

st.markdown(f"**{ui.t('devices.stock_by_station')}**")
if stock.per_station.empty:
    st.info(ui.t("devices.no_stock"))
else:
    ui.table(stock.per_station, charts.stock_columns(stock.per_station), key="device_stock",
             file_stem=ui.t("devices.stock_by_station"))
