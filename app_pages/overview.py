"""总览: headline figures of the scope and year, the facility network, services by subunit."""
import plotly.express as px
import streamlit as st

from rehabdash import formatting as fmt
from rehabdash import ui
from rehabdash.config import amber_margin
from rehabdash.indicators import traffic_light
from rehabdash.overview import headline, subunit_services

f = ui.filters()
ui.page_header("overview.title", f)
h = headline(f.run, f.as_of, f.year)
progress = fmt.completion(h.time_progress)


def task_note(measure) -> tuple[str, ...]:
    if measure.target is None:
        return ()
    status = traffic_light(measure.completion, h.time_progress, amber_margin())
    return (ui.t("overview.of_target", completion=fmt.completion(measure.completion), progress=progress)
            + " " + ui.status_text(status),)


def yoy(measure) -> str | None:
    return None if measure.change is None else ui.t("overview.yoy", change=fmt.change(measure.change))


columns = st.columns(4)
with columns[0]:
    ui.figure_card(ui.t("overview.served"), fmt.count(h.served.value, f.lang), yoy(h.served), (
        *task_note(h.served),
        f"{ui.t('overview.service_rate')} {fmt.rate(h.served.rate)}",
    ))
with columns[1]:
    ui.figure_card(ui.t("overview.fitted"), fmt.count(h.fitted.value, f.lang), yoy(h.fitted), (
        *task_note(h.fitted),
        f"{ui.t('overview.fitting_rate')} {fmt.rate(h.fitted.rate)}",
    ))
with columns[2]:
    ui.figure_card(ui.t("overview.children_aided"), fmt.count(h.children.value, f.lang), yoy(h.children), (
        *task_note(h.children),
        f"{ui.t('overview.child_coverage')} {fmt.rate(h.children.rate)}",
    ))
with columns[3]:
    ui.figure_card(ui.t("overview.funds_spent"), fmt.wan_yuan(h.funds.value, f.lang), None, (
        ui.t("overview.funds_allocated", amount=fmt.wan_yuan(h.funds.base, f.lang),
             rate=fmt.rate(h.funds.rate)),
    ))

st.subheader(ui.t("overview.facilities"))
st.caption(ui.t("overview.facilities_caption", as_of=fmt.date(f.as_of, f.lang)))
network = h.facilities.rename(index=lambda c: ui.label("tier", c),
                              columns=lambda c: ui.label("status", c))
network.index.name = ui.t("overview.tier")
st.dataframe(network, key="facility_table")

st.subheader(ui.t("overview.subunits"))
subunits = subunit_services(f.run, f.as_of, f.year)
if subunits.empty:
    st.info(ui.t("overview.no_subunits"))
else:
    table = subunits.assign(rate=subunits["rate"].map(fmt.rate)).rename(columns={
        "subunit_code": "code", "subunit_name": ui.t("overview.subunit"), "need": ui.t("overview.need"),
        "served": ui.t("overview.served_col"), "rate": ui.t("overview.rate_col"),
    }).drop(columns="code")
    # Rates sit close to 100 %: dots on a non-zero axis show the differences honestly, bars would not.
    ranked = subunits.sort_values("rate")
    figure = px.scatter(
        ranked, x="rate", y="subunit_name", text=ranked["rate"].map(fmt.rate),
        title=ui.t("overview.subunits_chart", scope=f.scope_label),
        labels={"subunit_name": ui.t("overview.subunit"), "rate": ui.t("overview.rate_col")},
    )
    figure.update_traces(textposition="middle right", marker_size=12)
    figure.update_xaxes(tickformat=".1%")
    figure.update_layout(height=120 + 32 * len(ranked))
    ui.chart_with_data(figure, table, key="subunits", file_stem=ui.t("overview.subunits"))
