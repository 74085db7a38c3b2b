"""挂图作战: the three-tier network on a map, a facility's card beside it, coverage by township below.

Every toggle and the chosen facility live in the URL. A click on the map reaches Python only through
its on_change callback (st_folium sends back clicks, never pans or zooms); the script applies it
before it draws the facility list, so the list, the card and the ring on the map agree in one run.
"""
import functools

import streamlit as st

from rehabdash import ui
from rehabdash.ui import board as board_ui
from rehabdash.ui import decisions as duban_ui
from rehabdash.kernel import config, i18n
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.contract import FACILITY_STATUSES, TIERS
from rehabdash.maps import board, component
from rehabdash.maps import facility_map as fmap
from rehabdash.topics import facility_map as fm
from rehabdash.topics import site_tasks as tasks_topic
from rehabdash.topics import thematic as thematic_topic

f = ui.filters()
ui.page_header("map.title", f)
until = f.window["until"]
meeting = bool(st.session_state.get("meeting"))
data = fm.load_scope(f.run, f.as_of, f.scope.root, f.scope.level)  # above the city: units and counts
subunits = data.regions[data.regions["parent_code"] == f.scope.root].sort_values("region_code")
# The board: the map on the left, a collapsible side panel on the right with the facility list, the
# legend and the card first, then drill-down, thematic layer and toggles (it scrolls on its own).
b = board_ui.layout(f)
map_column, picker_box, card_box, controls_box = b.map, b.picker, b.card, b.controls

if isinstance(data, fm.UnitMap):  # the nation or a province: one shaded unit each, no facility points
    board_ui.unit_board(f, data, subunits, b)
    st.stop()


with controls_box:
    ui.drill_down_select(f, list(zip(subunits["region_code"], subunits["name"])))
    theme = ui.bound_selectbox(
        ui.t("thematic.choose"), ["", *thematic_topic.INDICATORS], "map_theme",
        format_func=lambda c, lang=f.lang: i18n.text(lang, f"thematic.{c}" if c else "thematic.off"))
    tiers = board_ui.toggles("map.tiers", TIERS, TIERS, "map_tiers", lambda c: ui.label("tier", c))
    statuses = board_ui.toggles("map.statuses", FACILITY_STATUSES, FACILITY_STATUSES, "map_status",
                       lambda c: ui.label("status", c))
    layers = board_ui.toggles("map.layers", fm.LAYERS, fm.default_layers(f.scope.level),
                              board_ui.layers_key(f.scope.level), lambda c: ui.t(f"map.layer_{c}"))
view = fm.View(tiers, statuses, layers)
shown = fm.shown_facilities(data, view)
tasks = tasks_topic.tasks(f.run, f.as_of, f.lang)
duban = duban_ui.map_marks(f, until)  # the meeting's open decided items (督办) by place

board_ui.apply_click(shown["label"])

with picker_box:
    chosen_label = ui.bound_selectbox(
        ui.t("map.pick"), shown["label"].tolist(), board_ui.FACILITY_KEY, index=None,
        placeholder=ui.t("map.pick_placeholder"), help=ui.t("map.pick_help"),
    )
chosen = shown[shown["label"] == chosen_label]

thematic = None
if theme:
    thematic = thematic_topic.subunit_values(f.run, data, f.scope.root, theme, f.as_of, f.year,
                                             config.amber_margin(), f.lang)
thematic_title = ui.t("thematic.legend", indicator=ui.t(f"thematic.{theme}"), scope=f.scope_label) if theme else ""


m = board_ui.with_basemap(lambda basemap: component.shared_map(
    board.build_board, data, view, f.lang, f.scope.root, f.scope.level, basemap, thematic=thematic,
    thematic_title=thematic_title, overdue=tasks_topic.overdue_ids(tasks), duban=duban, legend_in_map=not b.panel,
    large=meeting))
if b.panel:
    board_ui.panel_legend(b.legend, board.board_legend(view, f.lang, thematic=thematic, thematic_title=thematic_title,
                                                       overdue=bool(tasks["overdue"].any()), duban=bool(duban),
                                                       approximate=fmap.townships_approximate(data)),
                          card_open=len(chosen) > 0)
drill_polygons = board.subunit_polygons(data, f.scope.root, f.lang)

height = 720 if meeting else 640  # the page's style sets the frame from the viewport

with map_column:
    if shown.empty:
        st.info(ui.t("map.nothing_shown"))
    focus = {}
    if len(chosen):  # zoom to the chosen facility, without rebuilding the map
        focus = {"center": m.latlng(chosen["lon"].iloc[0], chosen["lat"].iloc[0]), "zoom": 14}
    component.show_map(
        m, board_ui.MAP_KEY, height=height, returned_objects=fmap.FACILITY_CLICKS,
        feature_group_to_add=fmap.selection_ring(m, chosen.iloc[0]) if len(chosen) else None,
        on_change=functools.partial(board_ui.remember_click, shown, m, drill_polygons, set(data.regions["name"])),
        **focus,
    )
    notes = [ui.t("map.status_as_of", as_of=fmt.date(f.as_of, f.lang), year=f.year,
                  until=fmt.month(until, f.lang)), fmap.township_outline_note(data, f.lang)]
    if lacking := fmap.missing_boundaries(data):
        notes.append(ui.t_md("map.no_polygon", units=ui.t("map.list_separator").join(lacking)))
    unplaced, named = fm.unplaced_townships(data.regions)
    if unplaced:
        notes.append(ui.t_md("map.unplaced", count=unplaced, units=ui.t("map.list_separator").join(named)
                             + (ui.t("map.and_more") if unplaced > len(named) else "")))
    st.caption(" ".join(notes))
    if chosen.empty:
        st.info(ui.t("map.no_selection"))


if len(chosen):
    with card_box:
        facility_id = chosen["facility_id"].iloc[0]
        board_ui.facility_card(fm.facility_card(f.run, data, facility_id, f.year, until), f)
        board_ui.task_history(f, facility_id, tasks)

st.subheader(ui.t("tasks.title"))
st.caption(ui.t("tasks.caption", as_of=fmt.date(f.as_of, f.lang), days=tasks_topic.DUE_DAYS))
st.markdown(ui.t("tasks.summary", total=len(tasks), overdue=int(tasks["overdue"].sum()),
                 due_soon=int(tasks["due_soon"].sum()), days=tasks_topic.DUE_DAYS,
                 done=int((tasks["stage"] == "in_use").sum())))


@st.fragment  # the task filter reruns the task table only: the map is not sent again
def task_table(tasks) -> None:
    which = board_ui.coded_choice(
        ui.t("tasks.filter"), tasks_topic.FILTERS, "map_tasks", "all",
        lambda lang, c: i18n.text(lang, f"tasks.filter_{c}", days=tasks_topic.DUE_DAYS))
    shown_tasks = tasks_topic.filtered(tasks, which)
    if shown_tasks.empty:
        st.info(ui.t("tasks.none"))
    else:
        ui.table(shown_tasks, tasks_topic.TASK_COLUMNS, key="site_tasks", file_stem=ui.t("tasks.file"))


task_table(tasks)

if thematic is not None:
    st.subheader(ui.t("thematic.table"))
    st.caption(f"{ui.md(thematic_title)} · {ui.t('thematic.progress', progress=fmt.rate(thematic.progress))}")
    if thematic.note:
        st.caption(ui.md(thematic.note))
    ui.table(thematic.values, thematic_topic.VALUE_COLUMNS, key="thematic", file_stem=ui.t("thematic.file"),
             drill=thematic.values["subunit_code"])

st.subheader(ui.t("map.coverage"))
st.caption(ui.t("map.coverage_caption", as_of=fmt.date(f.as_of, f.lang)))
coverage = fm.township_coverage(f.run, data)
ui.table_with_download(fm.coverage_table(coverage, f.lang, with_district=not f.scope.district),
                       key="coverage", file_stem=ui.t("map.coverage_file"), drill=coverage["township_code"])
