"""总览 / 调度会: headline figures, indicators against task and 序时进度, lagging items, subunit
ranking, change since the previous snapshot, the facility network, and the briefing exports."""
import dataclasses

import plotly.express as px
import streamlit as st

from rehabdash import ui
from rehabdash.export import briefing
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.config import amber_margin
from rehabdash.kernel.theme import STATUS_COLORS
from rehabdash.topics import dispatch, site_tasks
from rehabdash.topics.overview import headline

f = ui.filters()
margin = amber_margin()
ui.page_header("overview.title", f)
h = headline(f.run, f.as_of, f.year)
statuses = dispatch.indicator_statuses(f.run, f.as_of, f.year, margin)
status_of = {s.indicator: s for s in statuses}
subunits = dispatch.subunit_statuses(f.run, f.as_of, f.year, margin)


def task_note(indicator: str) -> tuple[str, ...]:
    s = status_of[indicator]
    if s.target is None:
        return ()
    return (ui.t("overview.of_target", completion=fmt.completion(s.completion),
                 progress=fmt.completion(s.progress)) + " " + ui.status_text(s.status),)


with st.container(key="section_headline"):
    columns = st.columns(4)
    with columns[0]:
        ui.figure_card(ui.t("overview.served"), fmt.count(h.served.value, f.lang), **ui.year_on_year(h.served.change), notes=(
            *task_note("precise_rehab_served"), f"{ui.t('overview.service_rate')} {fmt.rate(h.served.rate)}"))
        st.page_link("app_pages/rehab.py", label=ui.t("pages.rehab"), icon=":material/healing:")  # its topic page
    with columns[1]:
        ui.figure_card(ui.t("overview.fitted"), fmt.count(h.fitted.value, f.lang), **ui.year_on_year(h.fitted.change), notes=(
            *task_note("devices_fitted"), f"{ui.t('overview.fitting_rate')} {fmt.rate(h.fitted.rate)}"))
        st.page_link("app_pages/devices.py", label=ui.t("pages.devices"), icon=":material/accessible:")  # its topic page
    with columns[2]:
        ui.figure_card(ui.t("overview.children_aided"), fmt.count(h.children.value, f.lang), **ui.year_on_year(h.children.change), notes=(
            *task_note("children_aided"), f"{ui.t('overview.child_coverage')} {fmt.rate(h.children.rate)}"))
        st.page_link("app_pages/child_rehab.py", label=ui.t("pages.children"), icon=":material/child_care:")  # its topic page
    with columns[3]:
        ui.figure_card(ui.t("overview.funds_spent"), fmt.wan_yuan(h.funds.value, f.lang), None, (
            ui.t("overview.funds_allocated", amount=fmt.wan_yuan(h.funds.base, f.lang),
                 rate=fmt.rate(h.funds.rate)),))
        st.page_link("app_pages/funding.py", label=ui.t("pages.funding"), icon=":material/payments:")  # its topic page

with st.container(key="section_indicators"):
    st.subheader(ui.t("overview.indicators"))
    st.caption(ui.t("overview.indicators_caption", progress=fmt.completion(statuses[0].progress),
                    margin=f"{margin * 100:g}"))
    st.table(dispatch.indicator_frame(statuses, f.lang), hide_index=True)
    coverage = dispatch.network_coverage(f.run, f.as_of, f.year)
    st.caption(" · ".join([
        f"{ui.t('overview.township_coverage')} {fmt.rate(coverage['township'])}",
        f"{ui.t('overview.village_coverage')} {fmt.rate(coverage['village'])}",
    ]))

    st.subheader(ui.t("overview.lagging"))
    lines = dispatch.lagging_lines(dispatch.lagging(subunits, f.scope_label, statuses), f.lang) + [
        ui.md(line) for line in site_tasks.overdue_lines(site_tasks.overdue_tasks(f.run, f.as_of), f.lang)]
    if lines:
        st.markdown("\n".join(f"- ✖ {line}" for line in lines))
    else:
        st.success(ui.t("overview.lagging_none"), icon=":material/check_circle:")

    previous = next((s for s in ui.available_snapshots() if s.valid and s.as_of < f.as_of), None)
    if previous is None:
        st.caption(ui.t("overview.no_previous"))
    else:
        st.subheader(ui.t("overview.since_previous", date=fmt.date(previous.as_of, f.lang)))
        before = dispatch.indicator_statuses(
            dataclasses.replace(f, snapshot=previous).run, previous.as_of, f.year, margin)
        changes = dispatch.changes_frame(dispatch.changes_since(statuses, before), f.lang)
        st.table(changes, hide_index=True)

with st.container(key="section_ranking"):
    st.subheader(ui.t("overview.ranking"))
    if subunits:
        texts, lights = dispatch.ranking_frames(subunits, f.lang)
        backgrounds = lights.map(lambda s: "" if s is None else f"background-color: {STATUS_COLORS[s]}33")
        st.caption(ui.t("overview.ranking_caption"))
        st.table(texts.style.apply(lambda _: backgrounds, axis=None))
    else:
        st.info(ui.t("overview.no_subunits"))

    services = dispatch.service_rates(subunits)
    if not services.empty:
        table = services.assign(rate=services["rate"].map(fmt.rate)).rename(columns={
            "subunit_name": ui.t("overview.subunit"), "need": ui.t("overview.need"),
            "served": ui.t("overview.served_col"), "rate": ui.t("overview.rate_col"),
        }).drop(columns="subunit_code")
        # Rates sit close to 100 %: dots on a non-zero axis show the differences honestly, bars would not.
        ranked = services.sort_values("rate")
        figure = px.scatter(
            ranked, x="rate", y="subunit_name", text=ranked["rate"].map(fmt.rate),
            title=ui.t("overview.subunits_chart", scope=f.scope_label),
            labels={"subunit_name": ui.t("overview.subunit"), "rate": ui.t("overview.rate_col")},
        )
        figure.update_traces(textposition="middle right", marker_size=12)
        figure.update_xaxes(tickformat=".1%")
        figure.update_layout(height=120 + 32 * len(ranked))
        ui.chart_with_data(figure, table, key="subunits", file_stem=ui.t("overview.subunits"))

with st.container(key="section_network"):
    st.subheader(ui.t("overview.facilities"))
    st.caption(ui.t("overview.facilities_caption", as_of=fmt.date(f.as_of, f.lang)))
    network = h.facilities.rename(index=lambda c: ui.label("tier", c), columns=lambda c: ui.label("status", c))
    network.index.name = ui.t("overview.tier")
    st.table(network)

st.subheader(ui.t("briefing.export"))
stem = ui.t("briefing.file_stem", scope=f.scope_label.replace(" / ", "_"), date=f.as_of.isoformat())
outline_codes = {f.scope.root, *f.tree.children(f.scope.root)}
exports = st.columns(2)
exports[0].download_button(
    ui.t("briefing.pptx"), icon=":material/slideshow:", file_name=f"{stem}.pptx", key="briefing_pptx",
    on_click=ui.audit_export, args=(f"{stem}.pptx",),
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    data=lambda: briefing.build_pptx(briefing.gather(
        f.run, f.as_of, f.year, f.scope_label, f.lang, margin, outline_codes)),
)
exports[1].download_button(
    ui.t("briefing.xlsx"), icon=":material/table:", file_name=f"{stem}.xlsx", key="briefing_xlsx",
    on_click=ui.audit_export, args=(f"{stem}.xlsx",),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    data=lambda: briefing.overview_workbook(f.run, f.as_of, f.year, f.scope_label, f.lang, margin),
)
