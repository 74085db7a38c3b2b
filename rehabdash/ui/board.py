"""The map page's Streamlit parts (挂图作战): the board's layout styles, its bound toggles, the map's
click handler, and the facility card with its task history. The page only wires them together."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from rehabdash.kernel import columns
from rehabdash.kernel import formatting as fmt
from rehabdash.maps import controls, mapkit
from rehabdash.maps import facility_map as fmap
from rehabdash.topics import facility_map as fm
from rehabdash.topics import site_tasks as tasks_topic
from rehabdash.ui.drill import drill_to
from rehabdash.ui.sidebar import Filters
from rehabdash.ui.text import label, lang, md, t, t_md

MAP_KEY = "facility_map"
FACILITY_KEY = "map_facility"
CLICKED_KEY = "_map_clicked_facility"

# A board, not a thumbnail: less padding, a smaller title, and the map as tall as the window allows
# (its frame follows the viewport; Leaflet inside follows its frame).
_STYLES = """<style>
[data-testid="stMainBlockContainer"] { padding-left: 1.5rem !important; padding-right: 1.5rem !important;
  padding-top: 2.2rem !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem !important; padding-bottom: 0.1rem !important; }
iframe[title="streamlit_folium.st_folium"] { height: max(520px, calc(100vh - ABOVEpx)) !important; }
.st-key-side_panel { max-height: max(520px, calc(100vh - ABOVEpx)); overflow-y: auto; padding-right: 4px; }
</style>"""


def styles(meeting: bool) -> None:
    above = 300 if meeting else 230  # px above the map: title, caption, breadcrumb (and the meeting banner)
    st.html(_STYLES.replace("ABOVE", str(above)))


def toggles(title_key: str, options: tuple, default: tuple, key: str, format_func) -> tuple:
    """Multi-choice pills bound to the URL; the choice in the options' fixed order (a stable map script)."""
    chosen = st.pills(t(title_key), options, selection_mode="multi", default=list(default),
                      format_func=format_func, key=key, bind="query-params")
    return tuple(o for o in options if o in chosen)


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
