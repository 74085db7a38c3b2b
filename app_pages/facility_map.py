"""挂图作战: the three-tier network on a map, a facility's card beside it, coverage by township below.

Every toggle and the chosen facility live in the URL. A click on the map reaches Python only through
its on_change callback (st_folium sends back clicks, never pans or zooms); the script applies it
before it draws the facility list, so the list, the card and the ring on the map agree in one run.
"""
import functools

import pandas as pd
import streamlit as st

from rehabdash import ui
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.contract import FACILITY_STATUSES, TIERS
from rehabdash.maps import facility_map as fmap
from rehabdash.maps import mapkit
from rehabdash.topics import facility_map as fm

MAP_KEY = "facility_map"
FACILITY_KEY = "map_facility"
CLICKED_KEY = "_map_clicked_facility"

f = ui.filters()
ui.page_header("map.title", f)
until = f.window["until"]


def toggles(title_key: str, options: tuple, default: tuple, key: str, format_func) -> tuple:
    chosen = st.pills(ui.t(title_key), options, selection_mode="multi", default=list(default),
                      format_func=format_func, key=key, bind="query-params")
    return tuple(o for o in options if o in chosen)  # a fixed order keeps the map's script stable


with st.container(horizontal=True, gap="small"):  # the three groups wrap onto a new row when narrow
    tiers = toggles("map.tiers", TIERS, TIERS, "map_tiers", lambda c: ui.label("tier", c))
    statuses = toggles("map.statuses", FACILITY_STATUSES, FACILITY_STATUSES, "map_status",
                       lambda c: ui.label("status", c))
    layers = toggles("map.layers", fm.LAYERS, fm.DEFAULT_LAYERS, "map_layers",
                     lambda c: ui.t(f"map.layer_{c}"))
view = fm.View(tiers, statuses, layers)

data = fm.load(f.run, f.as_of)
shown = fm.shown_facilities(data, view)
try:
    m = fmap.build_map(data, view, f.lang, mapkit.configured_basemap())
except mapkit.MapConfigError as problem:
    st.error(ui.t("map.basemap_error", problem=problem.message(f.lang)))
    m = fmap.build_map(data, view, f.lang)


def remember_click(shown: pd.DataFrame, m: mapkit.OfflineMap) -> None:
    """on_change of the map: note which facility was clicked; the script applies it below, before
    the list is drawn (a widget's value may only be set before the widget)."""
    clicked = fmap.clicked_facility(st.session_state.get(MAP_KEY), shown, m)
    if clicked is not None:
        label = shown.loc[shown["facility_id"] == clicked, "label"].iloc[0]
        st.session_state[CLICKED_KEY] = label


# A clicked facility becomes the list's choice, and with it the URL's.
if (clicked := st.session_state.pop(CLICKED_KEY, None)) in set(shown["label"]):
    st.session_state[FACILITY_KEY] = clicked

map_column, card_column = st.columns([2.6, 1.2], gap="medium")
with card_column:
    chosen_label = ui.bound_selectbox(
        ui.t("map.pick"), shown["label"].tolist(), FACILITY_KEY, index=None,
        placeholder=ui.t("map.pick_placeholder"), help=ui.t("map.pick_help"),
    )
chosen = shown[shown["label"] == chosen_label]

with map_column:
    if shown.empty:
        st.info(ui.t("map.nothing_shown"))
    mapkit.show_map(
        m, MAP_KEY, height=500, returned_objects=fmap.FACILITY_CLICKS,
        feature_group_to_add=fmap.selection_ring(m, chosen.iloc[0]) if len(chosen) else None,
        on_change=functools.partial(remember_click, shown, m),
    )
    notes = [ui.t("map.status_as_of", as_of=fmt.date(f.as_of, f.lang), year=f.year,
                  until=fmt.month(until, f.lang)), ui.t("map.approximate")]
    if lacking := fmap.missing_boundaries(data):
        notes.append(ui.t_md("map.no_polygon", units=ui.t("map.list_separator").join(lacking)))
    st.caption(" ".join(notes))


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


with card_column:
    if chosen.empty:
        st.info(ui.t("map.no_selection"))
    else:
        show_card(fm.facility_card(f.run, data, chosen["facility_id"].iloc[0], f.year, until))
    st.html(fmap.legend_html(view, f.lang))

st.subheader(ui.t("map.coverage"))
st.caption(ui.t("map.coverage_caption", as_of=fmt.date(f.as_of, f.lang)))
coverage = fm.township_coverage(f.run, data)
ui.table_with_download(fm.coverage_table(coverage, f.lang, with_district=not f.scope.district),
                       key="coverage", file_stem=ui.t("map.coverage_file"))
