"""总览 / 调度会: headline figures, indicators against task and 序时进度, lagging items with their
shortfall, ranking of the units one level down, change since the previous snapshot of the same year,
the facility network and its map, and the exports. Every figure comes from one dispatch.Meeting."""


import streamlit as st

from rehabdash import ui
from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.ui import board as board_ui
from rehabdash.ui import decisions as duban_ui
from rehabdash.export import bulletin, deck, workbook
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.config import amber_margin
from rehabdash.maps import board, component, screen
from rehabdash.topics import dispatch, institutions, site_tasks, thematic
from rehabdash.topics import facility_map as fm
from rehabdash.topics.overview import headline

f = ui.filters()
margin = amber_margin()
h = headline(f.run, f.as_of, f.year)
m = ui.meeting_of(f, margin)
status_of = {s.indicator: s for s in m.indicators}
duban = duban_ui.workflow_of(f, m.until)  # the meeting's decided items (督办), judged on the view's day
if duban is not None and ui.in_meeting():  # the meeting opens with what the last one decided
    duban_ui.last_section(f, duban)


def task_note(indicator: str) -> tuple[str, ...]:
    s = status_of[indicator]
    if s.target is None:
        return (ui.md(dispatch_charts.no_task_text(m, s, f.lang)),)
    return (ui.t("overview.of_target", completion=fmt.completion(s.completion),
                 progress=fmt.completion(s.progress)) + " " + ui.status_text(s.status),)


def funds_card() -> None:
    s = status_of[dispatch.FUNDING]
    if s.target is None:  # no funds at this level: say where they are kept, not 0万元
        ui.figure_card(ui.t("overview.funds_spent"), "—", None, (ui.md(dispatch_charts.no_task_text(m, s, f.lang)),))
        return
    ui.figure_card(ui.t("overview.funds_spent"), fmt.money(s.actual, f.lang), None, (
        ui.t("overview.funds_allocated", amount=fmt.money(s.target, f.lang), rate=fmt.rate(s.completion)),
        ui.t("dispatch_page.funds_light", progress=fmt.completion(s.progress),
             status=ui.status_text(s.status))))


with st.container(key="section_headline"):  # the first screen of meeting mode: title and figures
    ui.page_header("overview.title", f)  # with 数据完整至 and who reported early (provisional)
    columns = st.columns(4)
    with columns[0]:
        ui.figure_card(ui.t("overview.served"), fmt.count(h.served.value, f.lang), **ui.year_on_year(h.served.change), notes=(
            *task_note("precise_rehab_served"), f"{ui.t('overview.service_rate')} {fmt.rate(h.served.rate)}"))
        st.page_link("app_pages/rehab.py", label=ui.t("pages.rehab"), icon=":material/healing:")  # its topic page
    with columns[1]:
        ui.figure_card(ui.t("overview.fitted"), fmt.count(h.fitted.value, f.lang), **ui.year_on_year(h.fitted.change), notes=(
            *task_note("devices_fitted"), f"{ui.t('overview.fitting_rate')} {fmt.rate(h.fitted.rate)}"))
        st.page_link("app_pages/devices.py", label=ui.t("pages.devices"), icon=":material/accessible:")
    with columns[2]:
        children = status_of[dispatch.CHILDREN]  # through dispatch.disclose_children, like every output
        ui.figure_card(ui.t("overview.children_aided"), children.shown or fmt.count(children.actual, f.lang),
                       **({} if children.hidden else ui.year_on_year(h.children.change)), notes=(
            *task_note("children_aided"),
            f"{ui.t('overview.child_coverage')} {'*' if children.hidden else fmt.rate(children.rate)}",
            *([dispatch_charts.disclosure_note([children], f.lang)] if children.hidden else [])))
        st.page_link("app_pages/child_rehab.py", label=ui.t("pages.children"), icon=":material/child_care:")
    with columns[3]:
        funds_card()
        st.page_link("app_pages/funding.py", label=ui.t("pages.funding"), icon=":material/payments:")


def show_table(table: dispatch_charts.Table, key: str) -> None:
    st.table(ui.md_frame(dispatch_charts.display(table)), hide_index=True)  # names from data as literal text
    if table.note:  # what '<5', '*' and the rounded counts mean
        st.caption(table.note)


with st.container(key="section_indicators"):
    st.subheader(ui.t("overview.indicators"))
    st.caption(ui.t("overview.indicators_caption", progress=fmt.completion(m.progress),
                    margin=f"{margin * 100:g}"))
    show_table(dispatch_charts.indicator_table(m, f.lang), "indicators")
    st.caption(" · ".join([
        f"{ui.t('overview.township_coverage')} {fmt.rate(m.coverage['township'])}",
        f"{ui.t('overview.village_coverage')} {fmt.rate(m.coverage['village'])}",
    ]))

lagging = dispatch_charts.lagging_table(m, f.lang)
# On the projector a long list goes on as many screens as it needs, never in shrunken type.
pages = ui.screens(lagging.frame)
for number, rows in enumerate(pages, start=1):
    with st.container(key="section_lagging" if number == 1 else f"section_lagging_{number}"):
        title = ui.t("dispatch.lagging")
        st.subheader(title if len(pages) == 1 else f"{title}（{number}/{len(pages)}）")
        if not m.has_tasks:  # a township without tasks: nothing is judged, so nothing is green either
            st.info(ui.t("dispatch_page.no_tasks", scope=ui.md(f.scope_label)), icon=":material/info:")
        elif lagging.frame.empty:
            st.success(ui.t("overview.lagging_none"), icon=":material/check_circle:")
        else:
            if number == 1:
                st.caption(ui.t("dispatch_page.lagging_caption"))
            st.table(ui.md_frame(dispatch_charts.display(lagging).iloc[rows.index]), hide_index=True)

overdue = site_tasks.overdue_lines(m.overdue_sites, f.lang)  # the meeting's, as the deck and bulletin
if overdue:  # sites of the network past their deadline, with the unit responsible (挂图作战)
    with st.container(key="section_overdue_tasks"):
        st.subheader(ui.t("tasks.overdue_title"))
        st.markdown("\n".join(f"- ⚠ {ui.md(line)}" for line in overdue))

behind = institutions.lagging_lines(m.lagging_institutions, f.lang)
if behind:  # designated institutions failed or with follow-up problems overdue, each answering for its own
    with st.container(key="section_lagging_institutions"):
        st.subheader(ui.t("institutions.lagging_title"))
        st.markdown("\n".join(f"- ✖ {ui.md(line)}" for line in behind))
        st.page_link("app_pages/institutions.py", label=ui.t("institutions.open_page"), icon=":material/verified:")

if duban is not None:  # decided items past their deadline, with the unit responsible
    duban_ui.overdue_section(duban)
    if not ui.in_meeting():
        duban_ui.last_section(f, duban)

if not f.closed:  # 报送进度 of the month being collected (a closed year's view has no later month)
    with st.container(key="section_reporting"):
        # on the projector the words and the names: a table of every unit would run off the screen
        ui.progress_section(f, table=not ui.in_meeting())

with st.container(key="section_changes"):
    changes = dispatch_charts.changes_table(m, f.lang)
    if changes is None:
        st.subheader(ui.t("dispatch_page.changes"))
        st.caption(ui.t("dispatch_page.no_previous_past" if f.as_of.year != f.year else "overview.no_previous"))
    else:
        st.subheader(changes.title)
        show_table(changes, "changes")

with st.container(key="section_ranking"):
    st.subheader(ui.t("overview.ranking"))
    if m.subunits:
        options = dispatch.rankable(m.subunits)
        by = ui.bound_selectbox(ui.t("dispatch_page.rank_by"), options, "rank_by",
                                format_func=lambda i: dispatch_charts.label(f.lang, i))
        ranking, texts, lights = ui.ranking_of(f, margin, by)
        st.caption(ui.t("dispatch_page.ranking_caption", indicator=dispatch_charts.label(f.lang, by)))
        if dispatch.all_tied(m.subunits, by):
            st.caption(ui.t("dispatch_page.not_ranked", indicator=dispatch_charts.label(f.lang, by)))
        ui.lit_table(texts, lights, drill=ranking.codes, key="ranking")
        if ranking.note:
            st.caption(ranking.note)
    else:
        by = dispatch.INDICATOR_ORDER[0]
        st.info(ui.t(m.no_subunits_key))

with st.container(key="section_services"):
    services = dispatch_charts.services_table(m, f.lang)
    rates = dispatch.service_rates(m.subunits)
    figure = dispatch_charts.service_rates(rates, f.lang, f.scope_label) if not rates.empty else None
    if figure is not None:
        ui.chart_with_data(figure, dispatch_charts.display(services), key="subunits", file_stem=ui.t("overview.subunits"),
                           drill=services.codes)
    elif not rates.empty:  # units below, none with figures of its own: say so, no chart, no zeros
        st.caption(ui.t("overview.services_not_collected"))

with st.container(key="section_network"):
    network = dispatch_charts.facilities_table(m, f.lang)
    st.subheader(network.title)
    if f.as_of.year != f.year:
        st.caption(ui.t("dispatch_page.year_end_basis", until=fmt.date(m.until, f.lang)))
    show_table(network, "network")
    show_table(dispatch_charts.coverage_table(m, f.lang), "coverage")

with st.container(key="section_map"):
    # above the city the units one level down, shaded and counted; points from the city down
    data = fm.load_scope(f.run, f.as_of, f.scope.root, f.scope.level, until=m.until)
    shading = thematic.scope_shading(f.run, data, f.scope.root, f.as_of, f.year, margin, f.lang)
    shading_title = ui.t("thematic.legend", indicator=ui.t(f"thematic.{shading.indicator}"),
                         scope=f.scope_label) if shading else ""
    if ui.in_meeting():  # on the projector: the units named, in large type, the map filling the screen
        facility_map = board_ui.with_basemap(lambda basemap: component.shared_map(
            screen.screen_map, data, fm.View(), f.lang, f.scope.root, f.scope.level, basemap,
            thematic=shading, thematic_title=shading_title))
    else:
        facility_map = board_ui.with_basemap(lambda basemap: component.shared_map(
            board.scope_map, data, fm.View(), f.lang, basemap, thematic=shading, thematic_title=shading_title))
    st.markdown(f"**{ui.t('dispatch_page.map_title', until=fmt.date(m.until, f.lang))}**")
    with st.container(key="overview_map"):
        component.show_map(facility_map, "overview_map_widget", height=ui.map_height(), returned_objects=[],
                           fill=ui.in_meeting())
        with st.container(key="map_legend"):
            if legend := board.scope_legend(data, fm.View(), f.lang):
                st.html(legend)

if duban is not None:  # the meeting ends with what it decides
    duban_ui.current_section(f, duban, duban_ui.unit_options(f, f.run("map_institutions"), duban_ui.departments_of(f)),
                             duban_ui.link_options(m, f.lang))

with st.container(key="section_exports"):
    st.subheader(ui.t("briefing.export"))
    # The date in the name is the last day the figures count: a 2024 view is named …_2024-12-31.
    stem = ui.t("dispatch_page.file_stem", scope=f.scope_label.replace(" / ", "_"), year=f.year,
                date=m.until.isoformat())
    outline_codes = {f.scope.root, *f.tree.children(f.scope.root)}
    ui.export_buttons(stem, {
        "pptx": (deck.meeting_deck, m, by, f.lang, f.run, outline_codes, duban),
        "xlsx": (workbook.meeting_workbook, m, by, f.lang, duban),
        "docx": (bulletin.build_docx, m, by, f.lang, duban),
    })
