"""挂图作战: the three-tier network on a map, a facility's card beside it, coverage by township below.

Every toggle and the chosen facility live in the URL. A click on the map reaches Python only through
its on_change callback (st_folium sends back clicks, never pans or zooms); the script applies it
before it draws the facility list, so the list, the card and the ring on the map agree in one run.
"""
import functools

import pandas as pd
import streamlit as st

from rehabdash import ui
from rehabdash.kernel import columns, config, i18n
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.contract import FACILITY_STATUSES, TIERS
from rehabdash.maps import board, controls, mapkit
from rehabdash.maps import facility_map as fmap
from rehabdash.topics import facility_map as fm
from rehabdash.topics import site_tasks as tasks_topic
from rehabdash.topics import thematic as thematic_topic

MAP_KEY = "facility_map"
FACILITY_KEY = "map_facility"
CLICKED_KEY = "_map_clicked_facility"

f = ui.filters()
ui.page_header("map.title", f)
until = f.window["until"]
meeting = bool(st.session_state.get("meeting"))
data = fm.load_scope(f.run, f.as_of, f.scope.root, f.scope.level)  # above the city: units and counts
subunits = data.regions[data.regions["parent_code"] == f.scope.root].sort_values("region_code")
# A board, not a thumbnail: less padding, a smaller title, and the map as tall as the window allows
# (its frame follows the viewport; Leaflet inside follows its frame).
above = 300 if meeting else 230  # px above the map: title, caption, breadcrumb (and the meeting banner)
st.html("""<style>
[data-testid="stMainBlockContainer"] { padding-left: 1.5rem !important; padding-right: 1.5rem !important;
  padding-top: 2.2rem !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem !important; padding-bottom: 0.1rem !important; }
iframe[title="streamlit_folium.st_folium"] { height: max(520px, calc(100vh - ABOVEpx)) !important; }
.st-key-side_panel { max-height: max(520px, calc(100vh - ABOVEpx)); overflow-y: auto; padding-right: 4px; }
</style>""".replace("ABOVE", str(above)))
ui.breadcrumb(f)
# The board: the map on the left, a side panel on the right with the facility list and card first, then
# drill-down, thematic layer and toggles (a long card scrolls in the panel; the legend is in the map).
map_column, side = st.columns([3.2, 1], gap="small")
panel = side.container(key="side_panel")
picker_box, card_box, controls_box = panel.container(), panel.container(), panel.container()


if isinstance(data, fm.UnitMap):  # the nation or a province: one shaded unit each, no facility points
    with controls_box:
        ui.drill_down_select(f, list(zip(subunits["region_code"], subunits["name"])))
        theme = ui.bound_selectbox(ui.t("thematic.choose"), list(thematic_topic.INDICATORS), "map_unit_theme",
                                   index=thematic_topic.INDICATORS.index(fm.UNIT_THEME),
                                   format_func=lambda c, lang=f.lang: i18n.text(lang, f"thematic.{c}"))
    thematic = thematic_topic.subunit_values(f.run, data, f.scope.root, theme, f.as_of, f.year,
                                             config.amber_margin(), f.lang)
    title = ui.t("thematic.legend", indicator=ui.t(f"thematic.{theme}"), scope=f.scope_label)
    try:
        m = board.build_unit_board(data, thematic, f.lang, mapkit.configured_basemap(), thematic_title=title)
    except mapkit.MapConfigError as problem:
        st.error(ui.t("map.basemap_error", problem=problem.message(f.lang)))
        m = board.build_unit_board(data, thematic, f.lang, thematic_title=title)
    polygons = board.unit_polygons(data)

    def drill_on_click() -> None:
        region = controls.clicked_region(st.session_state.get(MAP_KEY), polygons, m)
        if region is not None:
            ui.drill_to(region)

    with map_column:
        mapkit.show_map(m, MAP_KEY, height=720 if meeting else 640, returned_objects=fmap.FACILITY_CLICKS,
                        on_change=drill_on_click)
        st.caption(ui.t("map.unit_note"))
    with card_box:
        st.caption(f"{title} · {ui.t('thematic.progress', progress=fmt.rate(thematic.progress))}")
    st.subheader(ui.t("map.units_title"))
    st.caption(ui.t("map.units_caption", as_of=fmt.date(f.as_of, f.lang)))
    values = {ui.t(f"thematic.{theme}"): dict(zip(thematic.values["subunit_code"], thematic.values["text"]))}
    ui.drill_table(fm.unit_table(data, f.lang, values), data.units["subunit_code"], key="units",
                   file_stem=ui.t("map.units_file"))
    st.stop()


def toggles(title_key: str, options: tuple, default: tuple, key: str, format_func) -> tuple:
    chosen = st.pills(ui.t(title_key), options, selection_mode="multi", default=list(default),
                      format_func=format_func, key=key, bind="query-params")
    return tuple(o for o in options if o in chosen)  # a fixed order keeps the map's script stable


with controls_box:
    ui.drill_down_select(f, list(zip(subunits["region_code"], subunits["name"])))
    theme = ui.bound_selectbox(
        ui.t("thematic.choose"), ["", *thematic_topic.INDICATORS], "map_theme",
        format_func=lambda c, lang=f.lang: i18n.text(lang, f"thematic.{c}" if c else "thematic.off"))
    tiers = toggles("map.tiers", TIERS, TIERS, "map_tiers", lambda c: ui.label("tier", c))
    statuses = toggles("map.statuses", FACILITY_STATUSES, FACILITY_STATUSES, "map_status",
                       lambda c: ui.label("status", c))
    layers = toggles("map.layers", fm.LAYERS, fm.DEFAULT_LAYERS, "map_layers",
                     lambda c: ui.t(f"map.layer_{c}"))
view = fm.View(tiers, statuses, layers)
shown = fm.shown_facilities(data, view)
tasks = tasks_topic.tasks(f.run, f.as_of, f.lang)

# A clicked facility becomes the list's choice, and with it the URL's.
if (clicked := st.session_state.pop(CLICKED_KEY, None)) in set(shown["label"]):
    st.session_state[FACILITY_KEY] = clicked

with picker_box:
    chosen_label = ui.bound_selectbox(
        ui.t("map.pick"), shown["label"].tolist(), FACILITY_KEY, index=None,
        placeholder=ui.t("map.pick_placeholder"), help=ui.t("map.pick_help"),
    )
chosen = shown[shown["label"] == chosen_label]

thematic = None
if theme:
    thematic = thematic_topic.subunit_values(f.run, data, f.scope.root, theme, f.as_of, f.year,
                                             config.amber_margin(), f.lang)
thematic_title = ui.t("thematic.legend", indicator=ui.t(f"thematic.{theme}"), scope=f.scope_label) if theme else ""


def build(basemap: str = "none") -> mapkit.OfflineMap:
    return board.build_board(data, view, f.lang, f.scope.root, f.scope.level, basemap, thematic=thematic,
                             thematic_title=thematic_title, overdue=tasks_topic.overdue_ids(tasks))


try:
    m = build(mapkit.configured_basemap())
except mapkit.MapConfigError as problem:
    st.error(ui.t("map.basemap_error", problem=problem.message(f.lang)))
    m = build()
drill_polygons = board.subunit_polygons(data, f.scope.root, f.lang)


def remember_click(shown: pd.DataFrame, m: mapkit.OfflineMap) -> None:
    """on_change of the map: note which facility was clicked; the script applies it below, before
    the list is drawn (a widget's value may only be set before the widget)."""
    result = st.session_state.get(MAP_KEY)
    clicked = fmap.clicked_facility(result, shown, m)
    if clicked is not None:
        label = shown.loc[shown["facility_id"] == clicked, "label"].iloc[0]
        st.session_state[CLICKED_KEY] = label
        return
    # A click in the area of a unit one level down (its polygon, not a marker on it) drills into it.
    region = controls.clicked_region(result, drill_polygons, m)
    tooltip = (result or {}).get("last_object_clicked_tooltip") or ""
    names = set(data.regions["name"])
    if region is not None and any(tooltip.strip().startswith(n) for n in names):
        ui.drill_to(region)



height = 720 if meeting else 640  # the page's style sets the frame from the viewport

with map_column:
    if shown.empty:
        st.info(ui.t("map.nothing_shown"))
    focus = {}
    if len(chosen):  # zoom to the chosen facility, without rebuilding the map
        focus = {"center": m.latlng(chosen["lon"].iloc[0], chosen["lat"].iloc[0]), "zoom": 14}
    mapkit.show_map(
        m, MAP_KEY, height=height, returned_objects=fmap.FACILITY_CLICKS,
        feature_group_to_add=fmap.selection_ring(m, chosen.iloc[0]) if len(chosen) else None,
        on_change=functools.partial(remember_click, shown, m), **focus,
    )
    notes = [ui.t("map.status_as_of", as_of=fmt.date(f.as_of, f.lang), year=f.year,
                  until=fmt.month(until, f.lang)), ui.t("map.approximate")]
    if lacking := fmap.missing_boundaries(data):
        notes.append(ui.t_md("map.no_polygon", units=ui.t("map.list_separator").join(lacking)))
    st.caption(" ".join(notes))
    if chosen.empty:
        st.info(ui.t("map.no_selection"))


def bullets(items) -> None:
    st.markdown("\n".join(f"- {item}" for item in items))


def show_card(card: fm.FacilityCard) -> None:
    facility = card.facility
    tier = facility["tier"]
    if tier == "district_center":
        place = (ui.t("map.card_district"), facility["district_name"])
    else:
        place = (ui.t("map.card_township"), facility["township_name"])
    built = facility["status"] == "built"
    with st.container(border=True, key="facility_card"):
        st.markdown(f"#### {ui.md(facility['label'])}")
        lines = [
            (ui.t("map.card_tier"), ui.label("tier", tier)),
            place,
            (ui.t("map.card_host"), facility["host_name"]),
            (ui.t("map.card_host_type"), ui.label("host_type", facility["host_type"])),
            (ui.t("map.card_status"), fm.status_text(facility, f.lang)),
            (ui.t("map.card_staff"), ui.t("map.staff_count", count=int(facility["staff"])) if built else "—"),
        ]
        st.markdown("  \n".join(ui.t_md("map.card_line", name=name, value=value) for name, value in lines))

        period = fmt.month(until, f.lang)
        st.markdown(f"**{ui.t_md('map.card_services', region=card.services_region, year=f.year, until=period)}**")
        st.markdown(f"{ui.t('map.card_need')} {fmt.count(card.services.base, f.lang)} · "
                    f"{ui.t('map.card_served')} {fmt.count(card.services.value, f.lang)} · "
                    f"{ui.t('map.card_rate')} {fmt.rate(card.services.rate)}")

        title = "map.card_partners_district" if tier == "district_center" else "map.card_partners"
        st.markdown(f"**{ui.t(title)}**")
        if card.partners.empty:
            st.caption(ui.t("map.card_partners_none"))
        else:
            bullets(ui.t_md("map.partner_item", name=p.institution_name, kind=ui.label("institution_kind", p.kind),
                         since=fmt.month(pd.Timestamp(p.since).date(), f.lang))
                    for p in card.partners.itertuples())

        if card.rooms is not None:
            st.markdown(f"**{ui.t('map.card_rooms')}**")
            if card.rooms.empty:
                st.caption(ui.t("map.card_rooms_none"))
            else:
                bullets(ui.t_md("map.room_item", name=room["name"], status=fm.status_text(room, f.lang))
                        for _, room in card.rooms.iterrows())


def close_card() -> None:
    st.session_state[FACILITY_KEY] = None


def show_tasks(facility_id: str) -> None:
    """The card's task history: each update with its stage, and the task, owners and deadline."""
    history = tasks_topic.history(f.run, facility_id)
    st.markdown(f"**{ui.t('tasks.card_history')}**")
    if history.empty:
        st.caption(ui.t("tasks.card_none"))
        return
    last = history.iloc[-1]
    st.markdown(ui.md(ui.t("tasks.card_task", task=last["task"], unit=last["responsible_unit"],
                           person=last["responsible_person"], deadline=fmt.date(last["deadline"], f.lang))))
    row = tasks[tasks["facility_id"] == facility_id]
    if len(row) and row["overdue"].iloc[0]:
        st.markdown(f"**{ui.t('tasks.card_overdue', days=int(row['days_late'].iloc[0]))}**")
    st.dataframe(columns.present(history, tasks_topic.HISTORY_COLUMNS, f.lang), hide_index=True,
                 key="task_history")


if len(chosen):
    with card_box:
        st.button(ui.t("board.side_close"), on_click=close_card, key="close_card", icon=":material/close:")
        show_card(fm.facility_card(f.run, data, chosen["facility_id"].iloc[0], f.year, until))
        show_tasks(chosen["facility_id"].iloc[0])

st.subheader(ui.t("tasks.title"))
st.caption(ui.t("tasks.caption", as_of=fmt.date(f.as_of, f.lang), days=tasks_topic.DUE_DAYS))
st.markdown(ui.t("tasks.summary", total=len(tasks), overdue=int(tasks["overdue"].sum()),
                 due_soon=int(tasks["due_soon"].sum()), days=tasks_topic.DUE_DAYS,
                 done=int((tasks["stage"] == "in_use").sum())))
which = st.segmented_control(
    ui.t("tasks.filter"), tasks_topic.FILTERS, key="map_tasks", bind="query-params", default="all",
    format_func=lambda c, lang=f.lang: i18n.text(lang, f"tasks.filter_{c}", days=tasks_topic.DUE_DAYS)) or "all"
shown_tasks = tasks_topic.filtered(tasks, which)
if shown_tasks.empty:
    st.info(ui.t("tasks.none"))
else:
    ui.table(shown_tasks, tasks_topic.TASK_COLUMNS, key="site_tasks", file_stem=ui.t("tasks.file"))

if thematic is not None:
    st.subheader(ui.t("thematic.table"))
    st.caption(f"{thematic_title} · {ui.t('thematic.progress', progress=fmt.rate(thematic.progress))} · "
               f"{ui.t('drill.table_help')}")
    ui.drill_table(pd.DataFrame({ui.t("thematic.col_unit"): thematic.values["subunit_name"],
                                 ui.t("thematic.col_value"): thematic.values["text"]}),
                   thematic.values["subunit_code"], key="thematic", file_stem=ui.t("thematic.file"))

st.subheader(ui.t("map.coverage"))
st.caption(ui.t("map.coverage_caption", as_of=fmt.date(f.as_of, f.lang)))
coverage = fm.township_coverage(f.run, data)
st.caption(ui.t("drill.table_help"))
ui.drill_table(fm.coverage_table(coverage, f.lang, with_district=not f.scope.district),
               coverage["township_code"], key="coverage", file_stem=ui.t("map.coverage_file"))
