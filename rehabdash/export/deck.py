"""The dispatch-meeting briefing deck (PPTX), read from one dispatch.Meeting.

Charts are native PowerPoint chart parts (editable in PowerPoint and WPS), not pictures; each topic
chart carries the 序时进度 line and the traffic light of every unit. The map slide draws district
outlines and facilities as native shapes in the symbols of the web map's legend (facility_map), so it
needs no tiles and no internet. Every slide names the scope, the period, the sample-data notice and
its number. Tables, words and lights come from charts.dispatch, as on the page.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field, replace

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches, Pt

from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.export import decisions as decisions_export
from rehabdash.export.pptx_kit import (
    MIN_SIZE,
    add_copies,
    add_table,
    combo_line,
    fit_title,
    hex_color,
    hide_legend_entry,
    light_fill,
    no_data,
    style_chart,
    style_text_frame,
    text_box,
    titled_slide,
    whole_number_axis,
)
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.columns import status_text
from rehabdash.kernel.config import suppress_below
from rehabdash.kernel.contract import TIERS
from rehabdash.kernel.measures import RunQuery
from rehabdash.kernel.theme import STATUS_COLORS
from rehabdash.maps import facility_map as fmap
from rehabdash.store import boundaries
from rehabdash.topics import dispatch, reporting
from rehabdash.topics import facility_map as fm
from rehabdash.topics.dispatch import FUNDING, IndicatorStatus, Meeting

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
TOPIC_INDICATORS = ("precise_rehab_served", "devices_fitted", "children_aided", "cataract_surgery")
LAGGING_PER_SLIDE = 11
RANKING_ROWS_PER_SLIDE = 10
RANKING_INDICATORS_PER_SLIDE = 4


@dataclass(frozen=True)
class Briefing:
    """Everything the deck shows: the meeting, and what only the deck draws (funding lines, map)."""

    meeting: Meeting
    lang: str
    by: str  # the indicator the ranking is sorted by
    funding: pd.DataFrame  # source, program, allocated_yuan, spent_yuan
    facilities: pd.DataFrame  # tier, status (as of the meeting's `until`), lon, lat, name
    outlines: list[list[tuple[float, float]]] = field(default_factory=list)  # rings of (lon, lat)
    places: list[tuple[str, float, float]] = field(default_factory=list)  # (name, lon, lat) to label
    decisions: object = None  # the meeting's decided items (topics.decisions.View), or None

    def t(self, key: str, **values) -> str:
        return i18n.text(self.lang, key, **values)

    @property
    def scope_label(self) -> str:
        return self.meeting.scope_label

    @property
    def period_label(self) -> str:
        return dispatch_charts.period_label(self.meeting, self.lang)


def _footers(deck, b: Briefing) -> None:
    """Scope and period, the sample notice and 'n / N' on every slide."""
    total = len(deck.slides)
    for number, slide in enumerate(deck.slides, start=1):
        text_box(slide, f"{b.scope_label} · {b.period_label}", Inches(0.4), Inches(6.95), Inches(7.6),
                 Inches(0.4), MIN_SIZE)
        if b.meeting.sample:
            text_box(slide, b.t("meeting.sample"), Inches(8.0), Inches(6.95), Inches(3.7), Inches(0.4), MIN_SIZE,
                     bold=True, color="#8A4B00", align=PP_ALIGN.RIGHT)
        text_box(slide, f"{number} / {total}", Inches(11.7), Inches(6.95), Inches(1.2), Inches(0.4), MIN_SIZE,
                 align=PP_ALIGN.RIGHT)


def _pages(count: int, most: int) -> list[range]:
    """Rows 0 … count-1 over as few slides as hold `most` each, evenly (10 rows: one slide, 12: 6 + 6),
    so no slide carries a lone row."""
    slides = max(1, math.ceil(count / most))
    each = math.ceil(count / slides) if count else 0
    return [range(first, min(first + each, count)) for first in range(0, count, each or 1)] or [range(0)]


def _title_slide(deck, b: Briefing) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    title = b.t("briefing.title", scope=b.scope_label)
    after_scope = title.find(b.scope_label) + len(b.scope_label)  # a long name: the rest on its own line
    text_box(slide, fit_title(title, 40, Inches(11.7) / 12700 - 14, (after_scope,)), Inches(0.8), Inches(1.9),
             Inches(11.7), Inches(1.9), 40, bold=True)
    text_box(slide, b.period_label, Inches(0.8), Inches(3.9), Inches(11.7), Inches(0.8), 24)
    if b.meeting.reporting is not None:  # who has reported the month being collected (报送进度)
        text_box(slide, reporting.summary(b.meeting.reporting, b.lang, named=12), Inches(0.8), Inches(4.7),
                 Inches(11.7), Inches(0.9), 14)
    if b.meeting.sample:  # while the snapshot still holds sample rows
        text_box(slide, b.t("app.sample_badge"), Inches(0.8), Inches(5.6), Inches(11.7), Inches(0.6), 14)


def _indicator_slide(deck, b: Briefing) -> None:
    slide = titled_slide(deck, b.t("overview.indicators"))
    m, lang = b.meeting, b.lang
    table = dispatch_charts.indicator_table(m, lang)
    shown = dispatch_charts.display(table)
    keep = [0, 2, 3, 4, 5, 6, 7, 8]  # without the unit column: the unit goes with the shortfalls
    header = [shown.columns[i] for i in keep]
    rows, fills = [], {}
    for r, (values, s) in enumerate(zip(shown.itertuples(index=False), m.indicators), start=1):
        unit = dispatch_charts.unit_label(lang, s.unit)
        row = [values[i] for i in keep]
        row[6:8] = [v if v == "—" else f"{v}{unit if lang == 'zh' else ' ' + unit}" for v in row[6:8]]
        rows.append(row)
        if s.status is not None:
            fills[(r, 5)] = light_fill(s.status)
    add_table(slide, header, rows, Inches(0.5), Inches(1.2), Inches(12.3), Inches(0.62), 15,
              [3.2, 1.3, 1.6, 1.2, 1.2, 1.3, 1.6, 1.6], fills)
    caption = i18n.text(lang, "overview.indicators_caption", progress=fmt.completion(m.progress),
                        margin=f"{m.margin * 100:g}")
    text_box(slide, "\n".join(filter(None, [caption, table.note])),
             Inches(0.5), Inches(5.9 if table.note else 6.2), Inches(12.3), Inches(0.9), MIN_SIZE)


def _topic_chart(slide, b: Briefing, units: dict[str, IndicatorStatus], left, width, title: str | None = None):
    """Actual per unit as bars in the colour of its light, labelled with number, symbol and word; the
    task as grey bars; what 序时进度 asks for by now as a dashed line (where the units have a task)."""
    m, lang = b.meeting, b.lang
    with_task = any(s.target is not None for s in units.values())
    data = CategoryChartData()
    data.categories = list(units)
    data.add_series(b.t("overview.actual"), [s.actual_in_unit for s in units.values()])
    if with_task:
        data.add_series(b.t("overview.target"), [s.target_in_unit for s in units.values()])
        data.add_series(b.t("deck.progress_line", progress=fmt.completion(m.progress)),
                        [None if s.target is None else round(s.progress * s.target, 1) for s in units.values()])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, left, Inches(1.5), width, Inches(5.3),
                                   data).chart
    style_chart(chart)
    if title:
        chart.has_title = True
        chart.chart_title.text_frame.text = title
        style_text_frame(chart.chart_title.text_frame, 14)
    if with_task:
        chart.series[1].format.fill.solid()
        chart.series[1].format.fill.fore_color.rgb = hex_color("#BBBBBB")
    if any(s.status is not None for s in units.values()):
        hide_legend_entry(chart, 0)  # its bars are in the colours of their lights, each labelled with the word
    if next(iter(units.values())).unit != "wan_yuan":
        whole_number_axis(chart, [v for s in units.values() for v in (s.actual_in_unit, s.target_in_unit)])
    for i, s in enumerate(units.values()):
        point = chart.series[0].points[i]
        if s.status is not None:
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = hex_color(STATUS_COLORS[s.status])
        frame = point.data_label.text_frame
        value = s.shown or fmt.amount(s.actual_in_unit, lang)
        frame.text = value if s.status is None else f"{value}\n{status_text(s.status, lang)}"
        style_text_frame(frame, MIN_SIZE)
    if with_task:
        combo_line(chart, 2)
    return chart


def _figure(slide, b: Briefing, s: IndicatorStatus, left, width) -> None:
    """One unit's figure in large type: done, its task, completion against 序时进度 and the light's
    word (a single bar would say less)."""
    lang = b.lang
    unit = dispatch_charts.unit_label(lang, s.unit)
    sep = "" if lang == "zh" else " "
    done = s.shown or fmt.amount(s.actual_in_unit, lang)
    lines = [(b.t("overview.actual"), 18, False, "#444444"), (f"{done}{sep}{unit}", 44, True, "#1F2933")]
    if s.target is not None:
        lines += [(f"{b.t('overview.target')} {fmt.amount(s.target_in_unit, lang)}{sep}{unit}", 20, False, "#1F2933"),
                  (f"{b.t('deck.completion')} {fmt.completion(s.completion)}", 20, False, "#1F2933"),
                  (f"{i18n.text(lang, 'dispatch.progress')} {fmt.completion(s.progress)}", 20, False, "#1F2933"),
                  (status_text(s.status, lang), 28, True, STATUS_COLORS[s.status] if s.status else "#1F2933")]
    top = Inches(1.9)
    for text, size, bold, color in lines:
        height = Inches(size / 72 * 1.5)
        text_box(slide, text, left, top, width, height, size, bold=bold, color=color)
        top += height


def _topic_slide(deck, b: Briefing, indicator: str) -> None:
    m, lang = b.meeting, b.lang
    label = dispatch_charts.label(lang, indicator)
    slide = titled_slide(deck, label)
    units = {name: next(s for s in row if s.indicator == indicator) for (_, name), row in m.subunits.items()}
    own = m.status(indicator)
    if not units or not any(s.target is not None or s.actual for s in units.values()):
        units = {m.scope_name: own}  # no units below with figures: the scope itself
    if own.hidden and all(s.hidden for s in units.values()):
        no_data(slide, b.t("deck.hidden"))
        return
    if any(s.hidden for s in units.values()):
        # The units' counts are protected (rounded, '<5', '*'): no chart of them, the scope's own figure
        # and what the protection means.
        _figure(slide, b, own, Inches(0.5), Inches(4.6))
        text_box(slide, b.t("deck.units_protected", below=suppress_below()), Inches(5.6), Inches(2.0),
                 Inches(7.2), Inches(4.0), 20, color="#1F2933")
    elif len(units) == 1:  # one unit: its figure, not a chart of one bar
        _figure(slide, b, next(iter(units.values())), Inches(0.5), Inches(12.3))
    elif own.target is not None and m.scope_name not in units and not any(
            s.target is not None for s in units.values()):
        # The task is the scope's own (a district's townships have none): the scope against its task
        # and 序时进度, beside what each unit below has done.
        _figure(slide, b, own, Inches(0.5), Inches(3.8))
        _topic_chart(slide, b, units, Inches(4.3), Inches(8.5), b.t("dispatch_page.units_actual"))
    else:
        _topic_chart(slide, b, units, Inches(0.5), Inches(12.3))
    summary = dispatch_charts.no_task_text(m, own, lang) if own.target is None else b.t(
        "deck.topic_summary", scope=m.scope_name, actual=own.shown or fmt.amount(own.actual_in_unit, lang),
        unit=dispatch_charts.unit_label(lang, own.unit), completion=fmt.completion(own.completion),
        progress=fmt.completion(own.progress), status=status_text(own.status, lang))
    text_box(slide, summary, Inches(0.5), Inches(0.95), Inches(12.3), Inches(0.5), 16)


def _funding_slide(deck, b: Briefing) -> None:
    m, lang = b.meeting, b.lang
    slide = titled_slide(deck, b.t("briefing.funding"))
    s = m.status(FUNDING)
    if s.target is None:
        no_data(slide, dispatch_charts.no_task_text(m, s, lang))
        return
    text_box(slide, b.t("deck.execution", scope=m.scope_name, spent=fmt.wan_words(s.actual, lang),
                        allocated=fmt.wan_words(s.target, lang), rate=fmt.rate(s.completion),
                        progress=fmt.completion(s.progress), status=status_text(s.status, lang)),
             Inches(0.5), Inches(0.95), Inches(12.3), Inches(0.6), 18, bold=True,
             color="#000000")
    by_source = b.funding.groupby("source")[["allocated_yuan", "spent_yuan"]].sum()
    by_source = by_source[(by_source["allocated_yuan"] > 0) | (by_source["spent_yuan"] > 0)]
    if by_source.empty:
        no_data(slide, b.t("deck.no_data"))
        return
    data = CategoryChartData()
    data.categories = [i18n.code_label(lang, "source", c) for c in by_source.index]
    data.add_series(b.t("briefing.allocated_wan"), [v / fmt.WAN for v in by_source["allocated_yuan"]])
    data.add_series(b.t("briefing.spent_wan"), [v / fmt.WAN for v in by_source["spent_yuan"]])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(0.5), Inches(1.6),
                                   Inches(12.3), Inches(5.2), data).chart
    style_chart(chart)
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.number_format = "0.00"
    chart.plots[0].data_labels.number_format_is_linked = False


def _ranking_slide(deck, b: Briefing) -> None:
    m, lang = b.meeting, b.lang
    title = dispatch_charts.ranking_table(m, b.by, lang).title
    if not m.subunits:
        no_data(titled_slide(deck, title), b.t(m.no_subunits_key))
        return
    ranking = dispatch_charts.ranking_table(m, b.by, lang)
    texts, lights = dispatch_charts.ranking_cells(ranking)
    most = RANKING_ROWS_PER_SLIDE - (1 if ranking.note else 0)  # room for the note under the table
    # Never smaller type: every unit and every indicator, over as many slides as they need.
    indicators = list(texts.columns[3:])
    groups = [indicators[i:i + RANKING_INDICATORS_PER_SLIDE]
              for i in range(0, len(indicators), RANKING_INDICATORS_PER_SLIDE)] or [[]]
    pages = [(group, rows) for group in groups for rows in _pages(len(texts), most)]
    for number, (group, rows) in enumerate(pages, start=1):
        slide = titled_slide(deck, title if len(pages) == 1 else f"{title}（{number}/{len(pages)}）")
        header = list(texts.columns[:3]) + group
        first = rows.start
        part = texts.iloc[rows.start:rows.stop][header]
        fills = {(r, c): light_fill(lights.iloc[first + r - 1][col])
                 for r in range(1, len(part) + 1) for c, col in enumerate(header)
                 if col in lights.columns and isinstance(lights.iloc[first + r - 1][col], str)}
        table = add_table(slide, header, part.values.tolist(), Inches(0.4), Inches(1.1), Inches(12.5),
                          Inches(0.45), MIN_SIZE, [0.8, 2.9, 1.1] + [1.95] * len(group), fills)
        table.rows[0].height = Inches(1.0)  # headers such as 残疾儿童康复救助人数（应救尽救率） take three lines
        if ranking.note:
            text_box(slide, ranking.note, Inches(0.4), Inches(6.15), Inches(12.5), Inches(0.75), MIN_SIZE)


def _lagging_slides(deck, b: Briefing) -> None:
    m, lang = b.meeting, b.lang
    table = dispatch_charts.lagging_table(m, lang)
    title = table.title
    if table.frame.empty:
        slide = titled_slide(deck, title)
        no_data(slide, b.t("dispatch_page.no_tasks", scope=m.scope_label) if not m.has_tasks
                else b.t("overview.lagging_none"))
        return
    shown = dispatch_charts.display(table)
    header = list(shown.columns[:7])
    units = table.frame.iloc[:, 7].tolist()
    rows = [[*row[:5], *(v if v == "—" else f"{v}{u if lang == 'zh' else ' ' + u}" for v in row[5:7])]
            for row, u in zip(shown.values.tolist(), units)]
    pages = _pages(len(rows), LAGGING_PER_SLIDE)
    lights = table.lights[table.frame.columns[4]]
    for page, span in enumerate(pages):
        part = rows[span.start:span.stop]
        slide = titled_slide(deck, title if len(pages) == 1 else f"{title}（{page + 1}/{len(pages)}）")
        fills = {(r, 4): light_fill(lights[span.start + r - 1]) for r in range(1, len(part) + 1)}
        add_table(slide, header, part, Inches(0.5), Inches(1.1), Inches(12.3), Inches(0.44), 14,
                  [3.0, 2.8, 1.2, 1.2, 1.2, 1.5, 1.5], fills)


def _overdue_slides(deck, b: Briefing) -> None:
    """After the lagging items (挂图作战): the sites past their deadline, each with the unit and person
    responsible, its deadline and days late; then the designated institutions behind. As many slides
    as they need, none where none is."""
    sites = dispatch_charts.overdue_table(b.meeting, b.lang)
    if sites is not None:
        _table_slides(deck, sites, [1.55, 1.2, 2.65, 1.7, 2.0, 1.8, 0.85, 0.85], red_column=6)
    institutions = dispatch_charts.lagging_institutions_table(b.meeting, b.lang)
    if institutions is not None:
        _table_slides(deck, institutions, [3.5, 9.0], red_column=1)


def _table_slides(deck, table: dispatch_charts.Table, widths: list[float], red_column: int) -> None:
    """`table` on as many slides as it needs, its `red_column` marked as behind."""
    shown = dispatch_charts.display(table)
    rows = shown.values.tolist()
    pages = _pages(len(rows), LAGGING_PER_SLIDE)
    for page, span in enumerate(pages):
        part = rows[span.start:span.stop]
        slide = titled_slide(deck, table.title if len(pages) == 1 else f"{table.title}（{page + 1}/{len(pages)}）")
        fills = {(r, red_column): light_fill("red") for r in range(1, len(part) + 1)}
        add_table(slide, list(shown.columns), part, Inches(0.4), Inches(1.1), Inches(12.5), Inches(0.44), MIN_SIZE,
                  widths, fills)


def _map_projection(points: list[tuple[float, float]], left, top, width, height):
    """lon/lat → slide position (EMU) fitting the points into the box, true aspect."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)  # once: project runs per point
    x_stretch = math.cos(math.radians((south + north) / 2))  # a degree of longitude is shorter
    span_x = max((east - west) * x_stretch, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = min(width / span_x, height / span_y)
    offset_x = left + (width - span_x * scale) / 2
    offset_y = top + (height - span_y * scale) / 2

    def project(lon: float, lat: float) -> tuple[int, int]:
        return (int(offset_x + (lon - west) * x_stretch * scale),
                int(offset_y + (north - lat) * scale))

    return project


# The web map's symbols (facility_map.marker_style / legend_symbol): district centre a square, township
# station a circle, village room a smaller circle; colour by tier; built solid, near-term planned
# hollow in the tier's colour, long-term planned hollow grey and dashed.
MARK_SIZES = {"district_center": Pt(14), "township_station": Pt(10), "village_room": Pt(6.5)}
MARK_SHAPES = {"district_center": MSO_SHAPE.ROUNDED_RECTANGLE, "township_station": MSO_SHAPE.OVAL,
               "village_room": MSO_SHAPE.OVAL}


def _facility_mark(slide, tier: str, status: str, x: int, y: int, scale: float = 1.0):
    size = int(MARK_SIZES[tier] * scale)
    mark = slide.shapes.add_shape(MARK_SHAPES[tier], x - size // 2, y - size // 2, size, size)
    color = fmap.TIER_COLORS[tier]
    if status == "built":
        mark.fill.solid()
        mark.fill.fore_color.rgb = hex_color(color)
        mark.line.color.rgb = hex_color("#FFFFFF")
        mark.line.width = Pt(0.75)
    else:
        mark.fill.solid()
        mark.fill.fore_color.rgb = hex_color("#FFFFFF")
        mark.line.color.rgb = hex_color(color if status == "planned_near" else fmap.FAR_GREY)
        mark.line.width = Pt(1.75 if status == "planned_near" else 1.25)
        if status == "planned_far":
            mark.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    mark.shadow.inherit = False
    return mark


def _map_slide(deck, b: Briefing) -> None:
    """Outlines as freeform shapes, unit names at their seats, facilities in the web map's symbols."""
    slide = titled_slide(deck, b.t("deck.map_title", until=fmt.date(b.meeting.until, b.lang)))
    facilities = b.facilities.dropna(subset=["lon", "lat"])
    points = [p for ring in b.outlines for p in ring] + list(
        facilities[["lon", "lat"]].itertuples(index=False, name=None)) + [(lon, lat) for _, lon, lat in b.places]
    if not points:
        no_data(slide, b.t("deck.no_map"))
        return
    project = _map_projection(points, Inches(0.5), Inches(1.1), Inches(9.4), Inches(5.7))
    for ring in b.outlines:
        corners = [project(lon, lat) for lon, lat in ring]
        builder = slide.shapes.build_freeform(*corners[0], scale=1.0)
        builder.add_line_segments(corners[1:], close=True)
        outline = builder.convert_to_shape()
        outline.fill.background()
        outline.line.color.rgb = hex_color("#666666")
        outline.line.width = Pt(0.75)
    order = {"village_room": 0, "township_station": 1, "district_center": 2}  # big symbols on top
    marks = [((row.tier, row.status), *project(row.lon, row.lat))
             for row in facilities.sort_values("tier", key=lambda t: t.map(order)).itertuples(index=False)]
    add_copies(slide, marks, lambda kind, x, y: _facility_mark(slide, *kind, x, y))
    for name, lon, lat in b.places:
        x, y = project(lon, lat)
        text_box(slide, name, x - Inches(1.0), y + Pt(5), Inches(2.0), Inches(0.35), MIN_SIZE, bold=True,
                 color="#1F2933", align=PP_ALIGN.CENTER)
    # Legend: the same symbols with their words, so status reads without colour too.
    top = Inches(1.3)
    text_box(slide, b.t("map.legend"), Inches(10.2), top - Inches(0.35), Inches(2.9), Inches(0.35), 14, bold=True)
    rows = [(tier, "built", i18n.code_label(b.lang, "tier", tier)) for tier in TIERS]
    rows += [("township_station", status, i18n.code_label(b.lang, "status", status))
             for status in ("built", "planned_near", "planned_far")]
    for i, (tier, status, text) in enumerate(rows):
        y = top + Inches(0.42) * i + Inches(0.15)
        if i >= len(TIERS):  # a status row shows the symbol of each tier in that status
            for j, t in enumerate(TIERS):
                _facility_mark(slide, t, status, Inches(10.35) + Inches(0.3) * j, y, 1.1)
            left = Inches(11.25)
        else:
            _facility_mark(slide, tier, status, Inches(10.35), y, 1.2)
            left = Inches(10.65)
        text_box(slide, text, left, y - Inches(0.19), Inches(2.2), Inches(0.4), MIN_SIZE)


def build_pptx(b: Briefing) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    _title_slide(deck, b)
    _indicator_slide(deck, b)
    for indicator in TOPIC_INDICATORS:
        _topic_slide(deck, b, indicator)
    _funding_slide(deck, b)
    _ranking_slide(deck, b)
    _lagging_slides(deck, b)
    _overdue_slides(deck, b)
    decisions_export.add_slides(deck, b.decisions, b.lang)
    _map_slide(deck, b)
    _footers(deck, b)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def outline_rings(region_codes: set[str], zoom: int | None = None) -> list[list[tuple[float, float]]]:
    """Exterior rings of the district outlines and (approximate) township cells of `region_codes`
    (simplified for ``zoom`` if given)."""
    rings = []
    for kind in ("districts", "townships"):
        for feature in boundaries.features(kind, region_codes, zoom):
            geometry = feature["geometry"]
            polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            rings.extend([[tuple(point) for point in polygon[0]] for polygon in polygons])
    return rings


def gather_meeting(m: Meeting, by: str, lang: str, run: RunQuery, outline_codes: set[str]) -> Briefing:
    """The deck of a meeting: its figures, plus funding lines and the map as of the meeting's date."""
    zoom = None
    if fm.aggregated(m.level):  # above the city: the units' outlines and names, no shape per facility
        facilities = pd.DataFrame({c: pd.Series(dtype=object) for c in ("tier", "status", "lon", "lat", "name")})
        zoom = boundaries.ZOOM_OF_LEVEL[m.level]
    else:
        facilities = fm.facilities_on(run, run("map_facilities"), m.until)
    regions = run("map_regions")
    below = regions[regions["region_code"].isin(outline_codes) & regions["lon"].notna()]
    if len(below) > 1:  # name the units one level down, not the scope itself
        below = below[below["level"] != m.level]
    places = [(str(r.name), float(r.lon), float(r.lat)) for r in below.itertuples(index=False)]
    return Briefing(meeting=m, lang=lang, by=by, funding=run("funding_by_source", year=m.year),
                    facilities=facilities, outlines=outline_rings(outline_codes, zoom), places=places)


def meeting_deck(m: Meeting, by: str, lang: str, run: RunQuery, outline_codes: set[str], decisions=None) -> bytes:
    """The meeting's deck, with its decided items (topics.decisions.View, or None)."""
    return build_pptx(replace(gather_meeting(m, by, lang, run, outline_codes), decisions=decisions))


def gather(run: RunQuery, as_of: dt.date, year: int, scope_label: str, lang: str, margin: float,
           outline_codes: set[str], level: str = "city", by: str = "precise_rehab_served",
           disclosure=None) -> Briefing:
    """The deck from named queries alone (no previous snapshot): for scripts and tests."""
    name = scope_label.split(" / ")[-1]
    m = dispatch.gather(run, as_of, year, margin, scope_label, name, level, disclosure=disclosure)
    return gather_meeting(m, by, lang, run, outline_codes)
