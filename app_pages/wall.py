"""大屏 (wall screen, ``?wall=true``): the scope's indicators as tiles around the map, each unit one level
down lit on it; then the ranking of those units and the lagging items, each section in turn. Every
figure comes from the same dispatch.Meeting as the overview's; nothing to click."""

import streamlit as st

from rehabdash import ui
from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel.config import amber_margin
from rehabdash.maps import board, component, screen
from rehabdash.topics import dispatch, thematic
from rehabdash.topics import facility_map as fm
from rehabdash.ui import board as board_ui
from rehabdash.ui import wall

f = ui.filters()
margin = amber_margin()
m = ui.meeting_of(f, margin)

indicators = dispatch_charts.indicator_table(m, f.lang)
shown = dispatch_charts.display(indicators)
name, unit, actual, _, completion, progress, status = list(indicators.frame.columns)[:7]
lights = indicators.lights[status]
by = dispatch.rankable(m.subunits)[0] if m.subunits else dispatch.INDICATOR_ORDER[0]
ranking, ranking_texts, ranking_lights = ui.ranking_of(f, margin, by) if m.subunits else (None, None, None)
lagging = dispatch_charts.lagging_table(m, f.lang)
ranking_pages = wall.pages_of(ranking_texts) if ranking_texts is not None else []
lagging_pages = wall.pages_of(lagging.frame)
wall.wall_frame(f, 1 + len(ranking_pages) + len(lagging_pages))


def tile(row: int) -> str:
    s = m.indicators[row]
    if s.target is None:
        line = ui.t("wall.no_task")
    else:
        line = ui.t("wall.completion", completion=shown[completion].iloc[row], progress=shown[progress].iloc[row])
    return wall.tile(shown[name].iloc[row], shown[actual].iloc[row], shown[unit].iloc[row], line, lights[row])


split = (len(m.indicators) + 1) // 2  # the first half left of the map, the rest right of it
with st.container(key="wall_section_1", horizontal=True):
    with st.container(key="wall_left"):
        for row in range(split):
            st.html(tile(row))
    with st.container(key="wall_map"):
        data = fm.load_scope(f.run, f.as_of, f.scope.root, f.scope.level, until=m.until)
        # the units' lights first: of the network only the centres and stations built
        view = fm.View(tiers=("district_center", "township_station"), statuses=("built",), layers=())
        lit = thematic.scope_shading(f.run, data, f.scope.root, f.as_of, f.year, margin, f.lang,
                                     indicator="task_completion")
        lit_title = ui.t("wall.map", indicator=ui.t("thematic.task_completion"))
        st.markdown(f"**{ui.md(lit_title)}** · {ui.t('dispatch_page.map_title', until=fmt.date(m.until, f.lang))}")
        facility_map = board_ui.with_basemap(lambda basemap: component.shared_map(
            screen.screen_map, data, view, f.lang, f.scope.root, f.scope.level, basemap,
            thematic=lit, thematic_title=lit_title))
        component.show_map(facility_map, "wall_map_widget", height=600, returned_objects=[], fill=True)
    with st.container(key="wall_right"):
        for row in range(split, len(m.indicators)):
            st.html(tile(row))
        if isinstance(data, fm.MapData):  # above the city the map holds its own legend
            st.html(f'<div class="rd-wall-legend">{board.board_legend(view, f.lang, thematic=lit, thematic_title=lit_title)}</div>')

for number, rows in enumerate(ranking_pages, start=1):
    with st.container(key=f"wall_section_{1 + number}"):
        page = ui.t("wall.page", number=number, count=len(ranking_pages)) if len(ranking_pages) > 1 else ""
        st.subheader(ui.t("wall.ranking", indicator=dispatch_charts.label(f.lang, by)) + page, anchor=False)
        ui.lit_table(rows, ranking_lights.loc[rows.index], key=f"wall_ranking_{number}")
        if ranking.note:
            st.caption(ranking.note)

first_lagging = 2 + len(ranking_pages)
for number, rows in enumerate(lagging_pages, start=1):
    with st.container(key=f"wall_section_{first_lagging + number - 1}"), st.container(key=f"wall_lagging_{number}"):
        page = ui.t("wall.page", number=number, count=len(lagging_pages)) if len(lagging_pages) > 1 else ""
        st.subheader(ui.t("wall.lagging") + page, anchor=False)
        if not m.has_tasks:
            st.markdown(ui.t("wall.no_tasks", scope=ui.md(f.scope_label)))
        elif lagging.frame.empty:
            st.markdown(ui.t("wall.lagging_none"))
        else:
            st.table(ui.md_frame(dispatch_charts.display(lagging).iloc[rows.index]), hide_index=True)
