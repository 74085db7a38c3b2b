"""The map page's Streamlit parts (挂图作战): the board's layout (map and collapsible side panel with
the legend and the card), its bound toggles, the map's click handler, and the facility card with its
task history. The page only wires them together."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from rehabdash.kernel import columns, config, i18n
from rehabdash.kernel import formatting as fmt
from rehabdash.maps import board as map_board
from rehabdash.maps import component, controls, mapkit
from rehabdash.maps import facility_map as fmap
from rehabdash.topics import facility_map as fm
from rehabdash.topics import site_tasks as tasks_topic
from rehabdash.topics import thematic as thematic_topic
from rehabdash.ui.drill import breadcrumb, drill_down_select, drill_to
from rehabdash.ui.meeting import in_meeting
from rehabdash.ui.sidebar import Filters, bound_selectbox
from rehabdash.ui.text import label, lang, md, t, t_md
from rehabdash.ui.widgets import table_with_download

MAP_KEY = "facility_map"
FACILITY_KEY = "map_facility"
CLICKED_KEY = "_map_clicked_facility"

PANEL_KEY = "map_panel"

# A board, not a thumbnail: less padding, a smaller title, the map from where it starts down to the
# window's bottom (BOARD_JS measures where that is, also under the meeting banner's larger type), and
# beside it the side panel, as tall as the map and scrolling on its own, or hidden.
_STYLES = """<style>
[data-testid="stMainBlockContainer"] { padding-left: 1.5rem !important; padding-right: 1.5rem !important;
  padding-top: 2.2rem !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem !important; padding-bottom: 0.1rem !important; }
:root { --rd-map-h: max(480px, calc(100vh - var(--rd-board-top, 230px) - 10px)); }
iframe[title="streamlit_folium.st_folium"] { height: var(--rd-map-h) !important; }
.st-key-board { flex-wrap: nowrap !important; align-items: flex-start !important; }
.st-key-board > :has(> .st-key-board_map) { flex: 1 1 0 !important; min-width: 0 !important; }
.st-key-board > :has(> .st-key-side_panel) { flex: 0 0 clamp(260px, 19vw, 420px) !important; }
.st-key-side_panel { max-height: var(--rd-map-h); overflow-y: auto; padding-right: 4px; }
.st-key-board_head { flex-wrap: nowrap !important; }
.st-key-board_head .st-key-breadcrumb { flex: 1 1 auto; }
/* a script-only block takes no room (it runs all the same) */
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) { display: none !important; }
.st-key-panel_legend .rd-legend { font-size: 14px !important; line-height: 1.3 !important; }
.st-key-panel_legend .rd-legend > div:first-child { display: none; }  /* the expander names it */
CLOSED
MEETING
</style>"""
_CLOSED = ".st-key-board > :has(> .st-key-side_panel) { display: none !important; }"  # drawn, so its bound widgets keep their values
# On the projector the page's title and caption are set smaller: the map is what the wall looks at.
# The board's smaller top padding would put the title under the fixed banner, so it starts below it.
_MEETING = """[data-testid="stMainBlockContainer"] { padding-top: calc(var(--rd-banner) + 0.3rem) !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.5rem !important; padding-top: 0.3rem !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.6rem; }"""

BOARD_JS = """<script>
(() => {
  const w = window;
  const place = () => {
    const board = document.querySelector('.st-key-board');
    if (!board) return;
    const top = Math.round(board.getBoundingClientRect().top + w.scrollY);
    if (w.rdBoardTop !== top) {
      w.rdBoardTop = top;
      document.documentElement.style.setProperty('--rd-board-top', top + 'px');
    }
  };
  if (!w.rdBoard) {
    w.rdBoard = place;
    w.addEventListener('resize', place);
    new MutationObserver(() => { clearTimeout(w.rdBoardTimer); w.rdBoardTimer = setTimeout(place, 120); })
      .observe(document.body, {childList: true, subtree: true});
  }
  place();
})();
</script>"""


@dataclass
class Board:
    """Where the map page draws: the map, and in the side panel (top down) the facility list, the
    legend, the card and the controls. `panel`: whether the side panel is shown (else the legend goes
    into the map)."""

    map: object
    picker: object
    legend: object
    card: object
    controls: object
    panel: bool


def layout(f: Filters) -> Board:
    """The board's frame: breadcrumb and the side panel's switch on one line, then the map beside the
    panel. The panel's contents are drawn even when it is hidden, so the URL-bound switches in it keep
    the view."""
    with st.container(horizontal=True, vertical_alignment="center", key="board_head"):
        breadcrumb(f)
        # On the projector the map takes the width by default, its legend drawn large inside it.
        panel = st.toggle(t("board.panel"), value=not in_meeting(), key=PANEL_KEY, bind="query-params",
                          help=t("board.panel_help"))
    st.html(_STYLES.replace("CLOSED", "" if panel else _CLOSED).replace("MEETING", _MEETING if in_meeting() else ""))
    st.html(BOARD_JS, unsafe_allow_javascript=True)
    with st.container(horizontal=True, gap="small", key="board"):
        map_box = st.container(key="board_map")
        side = st.container(key="side_panel")
    return Board(map_box, side.container(), side.container(key="panel_legend"), side.container(),
                 side.container(), panel)


def panel_legend(box, legend: str, card_open: bool) -> None:
    """The legend at the top of the side panel, open until a card is open below it: then folded to
    its title (one click away), so the card never pushes it out of view nor it the card."""
    with box, st.expander(t("board.legend"), expanded=not card_open, icon=":material/map:"):
        st.html(legend)


def toggles(title_key: str, options: tuple, default: tuple, key: str, format_func) -> tuple:
    """Multi-choice pills bound to the URL; the choice in the options' fixed order (a stable map script)."""
    chosen = st.pills(t(title_key), options, selection_mode="multi", default=list(default),
                      format_func=format_func, key=key, bind="query-params")
    return tuple(o for o in options if o in chosen)


def layers_key(scope_level: str) -> str:
    """The URL key of the layer switches: the city's are its own, since its default leaves out the
    pairing lines (topics.facility_map.default_layers), so a district drilled into still opens with them."""
    return "map_city_layers" if scope_level == "city" else "map_layers"


def coded_choice(label_text: str, codes: tuple, key: str, default: str, format_func) -> str:
    """A single choice among `codes` whose URL value is the code (?map_tasks=overdue) in every language,
    the widget showing the labels of the page's language (`format_func(lang, code)`). Streamlit's own
    binding would write the shown label, which changes with the language; so the URL is kept here. A
    link naming a label of any language (copied before, ?map_tasks=逾期) opens the same choice and the
    URL then names its code; the default leaves the URL, as with a bound widget."""
    if key not in st.session_state:
        asked = st.query_params.get(key)
        by_label = {format_func(language, c): c for language in i18n.LANGUAGES for c in codes}
        st.session_state[key] = asked if asked in codes else by_label.get(asked, default)
    shown_in = lang()
    chosen = st.segmented_control(label_text, codes, key=key, format_func=lambda c: format_func(shown_in, c)) or default
    if chosen == default:
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != chosen:
        st.query_params[key] = chosen
    return chosen


def with_basemap(build):
    """`build(basemap)` with the configured basemap; a wrong basemap setting is said on the page and
    the map drawn without one."""
    try:
        return build(mapkit.configured_basemap())
    except mapkit.MapConfigError as problem:
        st.error(t("map.basemap_error", problem=problem.message(lang())))
        return build("none")


def apply_click(labels) -> None:
    """A facility clicked on the map becomes the list's choice, and with it the URL's (before the
    list is drawn), if the list still offers it."""
    if (clicked := st.session_state.pop(CLICKED_KEY, None)) in set(labels):
        st.session_state[FACILITY_KEY] = clicked


def remember_click(shown: pd.DataFrame, m: mapkit.OfflineMap, polygons, region_names: set) -> None:
    """on_change of the map: note which facility was clicked, applied by `apply_click` in the next
    run (a widget's value may only be set before the widget); a click inside a unit one level down
    (its polygon, not a marker on it) drills into that unit."""
    result = st.session_state.get(MAP_KEY)
    clicked = fmap.clicked_facility(result, shown, m)
    if clicked is not None:
        st.session_state[CLICKED_KEY] = shown.loc[shown["facility_id"] == clicked, "label"].iloc[0]
        return
    region = controls.clicked_region(result, polygons, m)
    tooltip = (result or {}).get("last_object_clicked_tooltip") or ""
    if region is not None and any(tooltip.strip().startswith(n) for n in region_names):
        drill_to(region)


def _bullets(items) -> None:
    st.markdown("\n".join(f"- {item}" for item in items))


def _close_card() -> None:
    st.session_state[FACILITY_KEY] = None


def facility_card(card: fm.FacilityCard, f: Filters) -> None:
    """The chosen facility: what it is, its services this year, partners and rooms, with a close button."""
    until = f.window["until"]
    st.button(t("board.side_close"), on_click=_close_card, key="close_card", icon=":material/close:")
    facility = card.facility
    tier = facility["tier"]
    if tier == "district_center":
        place = (t("map.card_district"), facility["district_name"])
    else:
        place = (t("map.card_township"), facility["township_name"])
    built = facility["status"] == "built"
    with st.container(border=True, key="facility_card"):
        st.markdown(f"#### {md(facility['label'])}")
        lines = [
            (t("map.card_tier"), label("tier", tier)),
            place,
            (t("map.card_host"), facility["host_name"]),
            (t("map.card_host_type"), label("host_type", facility["host_type"])),
            (t("map.card_status"), fm.status_text(facility, f.lang)),
            (t("map.card_staff"), t("map.staff_count", count=int(facility["staff"])) if built else "—"),
        ]
        st.markdown("  \n".join(t_md("map.card_line", name=name, value=value) for name, value in lines))

        period = fmt.month(until, f.lang)
        st.markdown(f"**{t_md('map.card_services', region=card.services_region, year=f.year, until=period)}**")
        st.markdown(f"{t('map.card_need')} {fmt.count(card.services.base, f.lang)} · "
                    f"{t('map.card_served')} {fmt.count(card.services.value, f.lang)} · "
                    f"{t('map.card_rate')} {fmt.rate(card.services.rate)}")

        title = "map.card_partners_district" if tier == "district_center" else "map.card_partners"
        st.markdown(f"**{t(title)}**")
        if card.partners.empty:
            st.caption(t("map.card_partners_none"))
        else:
            _bullets(t_md("map.partner_item", name=p.institution_name, kind=label("institution_kind", p.kind),
                          since=fmt.month(pd.Timestamp(p.since).date(), f.lang))
                     for p in card.partners.itertuples())
            st.page_link("app_pages/institutions.py", label=t("institutions.open_page"), icon=":material/verified:")

        if card.rooms is not None:
            st.markdown(f"**{t('map.card_rooms')}**")
            if card.rooms.empty:
                st.caption(t("map.card_rooms_none"))
            else:
                _bullets(t_md("map.room_item", name=room["name"], status=fm.status_text(room, f.lang))
                         for _, room in card.rooms.iterrows())


def task_history(f: Filters, facility_id: str, tasks: pd.DataFrame) -> None:
    """The card's task history: each update with its stage, and the task, owners and deadline."""
    history = tasks_topic.history(f.run, facility_id)
    st.markdown(f"**{t('tasks.card_history')}**")
    if history.empty:
        st.caption(t("tasks.card_none"))
        return
    last = history.iloc[-1]
    st.markdown(md(t("tasks.card_task", task=last["task"], unit=last["responsible_unit"],
                     person=last["responsible_person"], deadline=fmt.date(last["deadline"], f.lang))))
    row = tasks[tasks["facility_id"] == facility_id]
    if len(row) and row["overdue"].iloc[0]:
        st.markdown(f"**{t('tasks.card_overdue', days=int(row['days_late'].iloc[0]))}**")
    st.dataframe(columns.present(history, tasks_topic.HISTORY_COLUMNS, f.lang), hide_index=True,
                 key="task_history")


def unit_board(f: Filters, data: fm.UnitMap, subunits: pd.DataFrame, b: Board) -> None:
    """The map page above the city (the nation, a province): one shaded unit each, counted in SQL, no
    facility points; a click in a unit or its row in the table drills into it."""
    with b.controls:
        drill_down_select(f, list(zip(subunits["region_code"], subunits["name"])))
        theme = bound_selectbox(t("thematic.choose"), list(thematic_topic.INDICATORS), "map_unit_theme",
                                index=thematic_topic.INDICATORS.index(fm.UNIT_THEME),
                                format_func=lambda c, lang=f.lang: i18n.text(lang, f"thematic.{c}"))
    thematic = thematic_topic.subunit_values(f.run, data, f.scope.root, theme, f.as_of, f.year,
                                             config.amber_margin(), f.lang)
    title = t("thematic.legend", indicator=t(f"thematic.{theme}"), scope=f.scope_label)
    m = with_basemap(lambda basemap: component.shared_map(map_board.build_unit_board, data, thematic, f.lang, basemap,
                                                          thematic_title=title))
    polygons = map_board.unit_polygons(data)

    def drill_on_click() -> None:
        region = controls.clicked_region(st.session_state.get(MAP_KEY), polygons, m)
        if region is not None:
            drill_to(region)

    with b.map:
        component.show_map(m, MAP_KEY, height=720 if in_meeting() else 640, returned_objects=fmap.FACILITY_CLICKS,
                           on_change=drill_on_click)
        st.caption(t("map.unit_note"))
    with b.card:
        st.caption(f"{md(title)} · {t('thematic.progress', progress=fmt.rate(thematic.progress))}")
        if thematic.note:
            st.caption(md(thematic.note))
    st.subheader(t("map.units_title"))
    st.caption(t("map.units_caption", as_of=fmt.date(f.as_of, f.lang)))
    values = {t(f"thematic.{theme}"): dict(zip(thematic.values["subunit_code"], thematic.values["text"]))}
    table_with_download(fm.unit_table(data, f.lang, values), "units", t("map.units_file"),
                        drill=data.units["subunit_code"].tolist())
