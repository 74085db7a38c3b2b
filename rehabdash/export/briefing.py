"""The dispatch-meeting briefing deck (PPTX) and workbook (XLSX), both read from one dispatch.Meeting.

Charts are native PowerPoint chart parts (editable in PowerPoint and WPS), not pictures; each topic
chart carries the 序时进度 line and the traffic light of every unit. The map slide draws district
outlines and facilities as native shapes in the symbols of the web map's legend (facility_map), so it
needs no tiles and no internet. Every slide names the scope, the period, the sample-data notice and
its number. Text names a CJK font for East Asian glyphs so that slides render in Chinese.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n, safe_text
from rehabdash.kernel.contract import TIERS
from rehabdash.kernel.measures import RunQuery
from rehabdash.kernel.theme import PALETTE, STATUS_COLORS
from rehabdash.maps import facility_map as fmap
from rehabdash.store import boundaries
from rehabdash.topics import dispatch
from rehabdash.topics import facility_map as fm
from rehabdash.topics.dispatch import FUNDING, IndicatorStatus, Meeting

CJK_FONT = "Noto Sans CJK SC"  # named for East Asian text; PowerPoint/WPS substitute a local CJK font
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
TOPIC_INDICATORS = ("precise_rehab_served", "devices_fitted", "children_aided", "cataract_surgery")
LAGGING_PER_SLIDE = 11


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

    def t(self, key: str, **values) -> str:
        return i18n.text(self.lang, key, **values)

    @property
    def scope_label(self) -> str:
        return self.meeting.scope_label

    @property
    def period_label(self) -> str:
        return period_label(self.meeting, self.lang)


def period_label(m: Meeting, lang: str) -> str:
    """'2025年1月至2025年8月 · 数据截至 2025年8月31日' (or the whole year for a closed one)."""
    as_of = fmt.date(m.as_of, lang)
    if m.year_end:
        return i18n.text(lang, "overview.caption", scope="", year=m.year, as_of=as_of).lstrip(" ·")
    return i18n.text(lang, "overview.caption_ytd", scope="", year=m.year, until=fmt.month(m.until, lang),
                     as_of=as_of).lstrip(" ·")


def _hex(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#"))


def _name_cjk_font(rpr) -> None:
    """Set the East Asian typeface (<a:ea>) beside the Latin one python-pptx sets."""
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        rpr.append(ea)
    ea.set("typeface", CJK_FONT)


def _style_text_frame(frame, size: int, bold: bool = False, color: str | None = None) -> None:
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.name = CJK_FONT
            if color:
                run.font.color.rgb = _hex(color)
            _name_cjk_font(run._r.get_or_add_rPr())


def _text_box(slide, text: str, left, top, width, height, size: int, bold: bool = False,
              color: str | None = None, align=None):
    box = slide.shapes.add_textbox(left, top, width, height)
    box.text_frame.word_wrap = True
    lines = text.split("\n")
    box.text_frame.text = lines[0]
    for line in lines[1:]:
        box.text_frame.add_paragraph().text = line
    if align is not None:
        for paragraph in box.text_frame.paragraphs:
            paragraph.alignment = align
    _style_text_frame(box.text_frame, size, bold, color)
    return box


def _slide(deck, title: str, b: Briefing):
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    _text_box(slide, title, Inches(0.5), Inches(0.25), Inches(12.3), Inches(0.8), 28, bold=True)
    return slide


def _footers(deck, b: Briefing) -> None:
    """Scope and period, the sample notice and 'n / N' on every slide."""
    total = len(deck.slides)
    for number, slide in enumerate(deck.slides, start=1):
        _text_box(slide, f"{b.scope_label} · {b.period_label}", Inches(0.5), Inches(6.95), Inches(7.4),
                  Inches(0.4), 11)
        if b.meeting.sample:
            _text_box(slide, b.t("meeting.sample"), Inches(7.9), Inches(6.95), Inches(3.9), Inches(0.4), 11,
                      bold=True, color="#8A4B00", align=PP_ALIGN.RIGHT)
        _text_box(slide, f"{number} / {total}", Inches(11.8), Inches(6.95), Inches(1.0), Inches(0.4), 11,
                  align=PP_ALIGN.RIGHT)


def _no_data(slide, text: str) -> None:
    _text_box(slide, text, Inches(0.8), Inches(3.0), Inches(11.7), Inches(1.0), 24, color="#444444")


def _style_chart(chart, legend: bool = True) -> None:
    """Chart text in the CJK font; bar series in the shared palette (safe for colour-blind readers)."""
    chart.font.size = Pt(14)
    chart.font.name = CJK_FONT
    _name_cjk_font(chart.font._rPr)
    for series, color in zip(chart.plots[0].series, PALETTE):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _hex(color)
    chart.has_title = False  # the slide's title says it; a one-series chart would repeat the series name
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False


def _title_slide(deck, b: Briefing) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    _text_box(slide, b.t("briefing.title", scope=b.scope_label), Inches(0.8), Inches(2.4),
              Inches(11.7), Inches(1.4), 40, bold=True)
    _text_box(slide, b.period_label, Inches(0.8), Inches(3.9), Inches(11.7), Inches(0.8), 24)
    _text_box(slide, b.t("app.sample_badge"), Inches(0.8), Inches(5.6), Inches(11.7), Inches(0.6), 14)


def _table(slide, header: list[str], rows: list[list[str]], left, top, width, row_height, size: int,
           widths: list[float] | None = None, fills: dict | None = None):
    table = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width,
                                   row_height * (len(rows) + 1)).table
    if widths:
        total = sum(widths)
        for c, w in enumerate(widths):
            table.columns[c].width = int(width * w / total)
    for c, text in enumerate(header):
        table.cell(0, c).text = str(text)
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row):
            table.cell(r, c).text = str(text)
    for (r, c), color in (fills or {}).items():
        table.cell(r, c).fill.solid()
        table.cell(r, c).fill.fore_color.rgb = _hex(color)
    for r in range(len(rows) + 1):
        for c in range(len(header)):
            _style_text_frame(table.cell(r, c).text_frame, size, bold=r == 0)
    return table


def _light_fill(status) -> str:
    """A pale tint of the light for a cell behind dark text (AA contrast), the word says the status."""
    return {"green": "#CCECE3", "amber": "#F9E2B3", "red": "#F6CCB3"}[getattr(status, "value", status)]


def _indicator_slide(deck, b: Briefing) -> None:
    slide = _slide(deck, b.t("overview.indicators"), b)
    m, lang = b.meeting, b.lang
    table = dispatch.indicator_table(m, lang)
    shown = dispatch.display(table)
    keep = [0, 2, 3, 4, 5, 6, 7, 8]  # without the unit column: the unit goes with the shortfalls
    header = [shown.columns[i] for i in keep]
    rows, fills = [], {}
    for r, (values, s) in enumerate(zip(shown.itertuples(index=False), m.indicators), start=1):
        unit = dispatch.unit_label(lang, s.unit)
        row = [values[i] for i in keep]
        row[6:8] = [v if v == "—" else f"{v}{unit if lang == 'zh' else ' ' + unit}" for v in row[6:8]]
        rows.append(row)
        if s.status is not None:
            fills[(r, 5)] = _light_fill(s.status)
    _table(slide, header, rows, Inches(0.5), Inches(1.2), Inches(12.3), Inches(0.62), 15,
           [3.2, 1.3, 1.6, 1.2, 1.2, 1.3, 1.6, 1.6], fills)
    _text_box(slide, i18n.text(lang, "overview.indicators_caption", progress=fmt.completion(m.progress),
                               margin=f"{m.margin * 100:g}"),
              Inches(0.5), Inches(6.35), Inches(12.3), Inches(0.5), 12)


def _combo_line(chart, series_index: int) -> None:
    """Turn one series of a clustered column chart into a line on the same axes (a combo chart):
    python-pptx writes single-type charts, so the <c:ser> moves into a <c:lineChart> of its own."""
    plot_area = chart._chartSpace.find(qn("c:chart")).find(qn("c:plotArea"))
    bar = plot_area.find(qn("c:barChart"))
    series = bar.findall(qn("c:ser"))[series_index]
    bar.remove(series)
    line = plot_area.makeelement(qn("c:lineChart"), {})
    grouping = line.makeelement(qn("c:grouping"), {"val": "standard"})
    vary = line.makeelement(qn("c:varyColors"), {"val": "0"})
    line.extend([grouping, vary])
    for tag in ("c:spPr", "c:invertIfNegative"):
        for old in series.findall(qn(tag)):
            series.remove(old)
    sppr = series.makeelement(qn("c:spPr"), {})
    ln = sppr.makeelement(qn("a:ln"), {"w": "38100"})
    fill = ln.makeelement(qn("a:solidFill"), {})
    fill.append(fill.makeelement(qn("a:srgbClr"), {"val": "333333"}))
    ln.append(fill)
    ln.append(ln.makeelement(qn("a:prstDash"), {"val": "dash"}))
    sppr.append(ln)
    series.insert(3, sppr)  # after idx, order, tx
    marker = series.makeelement(qn("c:marker"), {})
    marker.append(marker.makeelement(qn("c:symbol"), {"val": "dash"}))
    marker.append(marker.makeelement(qn("c:size"), {"val": "24"}))  # a wide dash reads on one category too
    marker_sppr = marker.makeelement(qn("c:spPr"), {})
    marker_fill = marker_sppr.makeelement(qn("a:solidFill"), {})
    marker_fill.append(marker_fill.makeelement(qn("a:srgbClr"), {"val": "333333"}))
    marker_sppr.append(marker_fill)
    marker.append(marker_sppr)
    series.insert(4, marker)
    line.append(series)
    line.append(line.makeelement(qn("c:marker"), {"val": "1"}))
    for ax_id in bar.findall(qn("c:axId")):
        line.append(copy.deepcopy(ax_id))
    bar.addnext(line)


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
    _style_chart(chart)
    if title:
        chart.has_title = True
        chart.chart_title.text_frame.text = title
        _style_text_frame(chart.chart_title.text_frame, 14)
    if with_task:
        chart.series[1].format.fill.solid()
        chart.series[1].format.fill.fore_color.rgb = _hex("#BBBBBB")
    for i, s in enumerate(units.values()):
        point = chart.series[0].points[i]
        if s.status is not None:
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = _hex(STATUS_COLORS[s.status])
        frame = point.data_label.text_frame
        value = s.shown or fmt.amount(s.actual_in_unit, lang)
        frame.text = value if s.status is None else f"{value}\n{dispatch.status_text(s.status, lang)}"
        _style_text_frame(frame, 11 if len(units) > 6 else 13)
    if with_task:
        _combo_line(chart, 2)
    return chart


def _topic_slide(deck, b: Briefing, indicator: str) -> None:
    m, lang = b.meeting, b.lang
    label = dispatch.label(lang, indicator)
    slide = _slide(deck, label, b)
    units = {name: next(s for s in row if s.indicator == indicator) for (_, name), row in m.subunits.items()}
    own = m.status(indicator)
    if not units or not any(s.target is not None or s.actual for s in units.values()):
        units = {m.scope_name: own}  # no units below with figures: the scope itself
    if own.hidden and all(s.hidden for s in units.values()):
        _no_data(slide, b.t("deck.hidden"))
        return
    if own.target is not None and m.scope_name not in units and not any(
            s.target is not None for s in units.values()):
        # The task is the scope's own (a district's townships have none): the scope against its task
        # and 序时进度, beside what each unit below has done.
        _topic_chart(slide, b, {m.scope_name: own}, Inches(0.5), Inches(3.6))
        _topic_chart(slide, b, units, Inches(4.3), Inches(8.5), b.t("dispatch_page.units_actual"))
    else:
        _topic_chart(slide, b, units, Inches(0.5), Inches(12.3))
    summary = dispatch.no_task_text(m, own, lang) if own.target is None else b.t(
        "deck.topic_summary", scope=m.scope_name, actual=own.shown or fmt.amount(own.actual_in_unit, lang),
        unit=dispatch.unit_label(lang, own.unit), completion=fmt.completion(own.completion),
        progress=fmt.completion(own.progress), status=dispatch.status_text(own.status, lang))
    _text_box(slide, summary, Inches(0.5), Inches(0.95), Inches(12.3), Inches(0.5), 16)


def _funding_slide(deck, b: Briefing) -> None:
    m, lang = b.meeting, b.lang
    slide = _slide(deck, b.t("briefing.funding"), b)
    s = m.status(FUNDING)
    if s.target is None:
        _no_data(slide, dispatch.no_task_text(m, s, lang))
        return
    _text_box(slide, b.t("deck.execution", scope=m.scope_name, spent=fmt.wan_words(s.actual, lang),
                         allocated=fmt.wan_words(s.target, lang), rate=fmt.rate(s.completion),
                         progress=fmt.completion(s.progress), status=dispatch.status_text(s.status, lang)),
              Inches(0.5), Inches(0.95), Inches(12.3), Inches(0.6), 18, bold=True,
              color="#000000")
    by_source = b.funding.groupby("source")[["allocated_yuan", "spent_yuan"]].sum()
    by_source = by_source[(by_source["allocated_yuan"] > 0) | (by_source["spent_yuan"] > 0)]
    if by_source.empty:
        _no_data(slide, b.t("deck.no_data"))
        return
    data = CategoryChartData()
    data.categories = [i18n.code_label(lang, "source", c) for c in by_source.index]
    data.add_series(b.t("briefing.allocated_wan"), [v / fmt.WAN for v in by_source["allocated_yuan"]])
    data.add_series(b.t("briefing.spent_wan"), [v / fmt.WAN for v in by_source["spent_yuan"]])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(0.5), Inches(1.6),
                                   Inches(12.3), Inches(5.2), data).chart
    _style_chart(chart)
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.number_format = "0.00"
    chart.plots[0].data_labels.number_format_is_linked = False


def _ranking_slide(deck, b: Briefing) -> None:
    m, lang = b.meeting, b.lang
    slide = _slide(deck, dispatch.ranking_table(m, b.by, lang).title, b)
    if not m.subunits:
        _no_data(slide, b.t("overview.no_subunits"))
        return
    texts, lights = dispatch.ranking_cells(dispatch.ranking_table(m, b.by, lang))
    header = list(texts.columns)
    rows = texts.values.tolist()[:12]
    fills = {(r, c): _light_fill(lights.iloc[r - 1][col])
             for r in range(1, len(rows) + 1) for c, col in enumerate(header)
             if col in lights.columns and isinstance(lights.iloc[r - 1][col], str)}
    size = 11 if len(header) > 8 else 13
    _table(slide, header, rows, Inches(0.3), Inches(1.1), Inches(12.7), Inches(0.42), size,
           [0.8, 2.2, 0.9] + [1.45] * (len(header) - 3), fills)


def _lagging_slides(deck, b: Briefing) -> None:
    m, lang = b.meeting, b.lang
    table = dispatch.lagging_table(m, lang)
    title = table.title
    if table.frame.empty:
        slide = _slide(deck, title, b)
        _no_data(slide, b.t("dispatch_page.no_tasks", scope=m.scope_label) if not m.has_tasks
                 else b.t("overview.lagging_none"))
        return
    shown = dispatch.display(table)
    header = list(shown.columns[:7])
    units = table.frame.iloc[:, 7].tolist()
    rows = [[*row[:5], *(v if v == "—" else f"{v}{u if lang == 'zh' else ' ' + u}" for v in row[5:7])]
            for row, u in zip(shown.values.tolist(), units)]
    pages = math.ceil(len(rows) / LAGGING_PER_SLIDE)
    items = m.lagging_in(lang)
    for page in range(pages):
        part = rows[page * LAGGING_PER_SLIDE:(page + 1) * LAGGING_PER_SLIDE]
        slide = _slide(deck, title if pages == 1 else f"{title}（{page + 1}/{pages}）", b)
        fills = {(r, 4): _light_fill(items[page * LAGGING_PER_SLIDE + r - 1][1].status)
                 for r in range(1, len(part) + 1)}
        _table(slide, header, part, Inches(0.5), Inches(1.1), Inches(12.3), Inches(0.44), 14,
               [3.0, 2.8, 1.2, 1.2, 1.2, 1.5, 1.5], fills)


def _overdue_slides(deck, b: Briefing) -> None:
    """The sites past their deadline after the lagging items (挂图作战): each with the unit and person
    responsible, its deadline and days late; as many slides as they need, none where none is late."""
    table = dispatch.overdue_table(b.meeting, b.lang)
    if table is None:
        return
    shown = dispatch.display(table)
    rows = shown.values.tolist()
    late = list(shown.columns).index(table.frame.columns[6])
    pages = math.ceil(len(rows) / LAGGING_PER_SLIDE)
    for page in range(pages):
        part = rows[page * LAGGING_PER_SLIDE:(page + 1) * LAGGING_PER_SLIDE]
        slide = _slide(deck, table.title if pages == 1 else f"{table.title}（{page + 1}/{pages}）", b)
        fills = {(r, late): _light_fill("red") for r in range(1, len(part) + 1)}
        _table(slide, list(shown.columns), part, Inches(0.4), Inches(1.1), Inches(12.5), Inches(0.44), 12,
               [1.55, 1.2, 2.65, 1.7, 2.0, 1.8, 0.85, 0.85], fills)


def _map_projection(points: list[tuple[float, float]], left, top, width, height):
    """lon/lat → slide position (EMU) fitting the points into the box, true aspect."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    x_stretch = math.cos(math.radians((min(lats) + max(lats)) / 2))  # a degree of longitude is shorter
    span_x = max((max(lons) - min(lons)) * x_stretch, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min(width / span_x, height / span_y)
    offset_x = left + (width - span_x * scale) / 2
    offset_y = top + (height - span_y * scale) / 2

    def project(lon: float, lat: float) -> tuple[int, int]:
        return (int(offset_x + (lon - min(lons)) * x_stretch * scale),
                int(offset_y + (max(lats) - lat) * scale))

    return project


# The web map's symbols (facility_map.marker_style / legend_symbol): district centre a square, township
# station a circle, village room a smaller circle; colour by tier; built solid, near-term planned
# hollow in the tier's colour, long-term planned hollow grey and dashed.
MARK_SIZES = {"district_center": Pt(14), "township_station": Pt(10), "village_room": Pt(6.5)}
MARK_SHAPES = {"district_center": MSO_SHAPE.ROUNDED_RECTANGLE, "township_station": MSO_SHAPE.OVAL,
               "village_room": MSO_SHAPE.OVAL}


def _facility_mark(slide, tier: str, status: str, x: int, y: int, scale: float = 1.0) -> None:
    size = int(MARK_SIZES[tier] * scale)
    mark = slide.shapes.add_shape(MARK_SHAPES[tier], x - size // 2, y - size // 2, size, size)
    color = fmap.TIER_COLORS[tier]
    if status == "built":
        mark.fill.solid()
        mark.fill.fore_color.rgb = _hex(color)
        mark.line.color.rgb = _hex("#FFFFFF")
        mark.line.width = Pt(0.75)
    else:
        mark.fill.solid()
        mark.fill.fore_color.rgb = _hex("#FFFFFF")
        mark.line.color.rgb = _hex(color if status == "planned_near" else fmap.FAR_GREY)
        mark.line.width = Pt(1.75 if status == "planned_near" else 1.25)
        if status == "planned_far":
            mark.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    mark.shadow.inherit = False


def _map_slide(deck, b: Briefing) -> None:
    """Outlines as freeform shapes, unit names at their seats, facilities in the web map's symbols."""
    slide = _slide(deck, b.t("deck.map_title", until=fmt.date(b.meeting.until, b.lang)), b)
    facilities = b.facilities.dropna(subset=["lon", "lat"])
    points = [p for ring in b.outlines for p in ring] + list(
        facilities[["lon", "lat"]].itertuples(index=False, name=None)) + [(lon, lat) for _, lon, lat in b.places]
    if not points:
        _no_data(slide, b.t("deck.no_map"))
        return
    project = _map_projection(points, Inches(0.5), Inches(1.1), Inches(9.4), Inches(5.7))
    for ring in b.outlines:
        corners = [project(lon, lat) for lon, lat in ring]
        builder = slide.shapes.build_freeform(*corners[0], scale=1.0)
        builder.add_line_segments(corners[1:], close=True)
        outline = builder.convert_to_shape()
        outline.fill.background()
        outline.line.color.rgb = _hex("#666666")
        outline.line.width = Pt(0.75)
    order = {"village_room": 0, "township_station": 1, "district_center": 2}  # big symbols on top
    for row in facilities.sort_values("tier", key=lambda t: t.map(order)).itertuples(index=False):
        x, y = project(row.lon, row.lat)
        _facility_mark(slide, row.tier, row.status, x, y)
    for name, lon, lat in b.places:
        x, y = project(lon, lat)
        _text_box(slide, name, x - Inches(0.8), y + Pt(5), Inches(1.6), Inches(0.3), 10, bold=True,
                  color="#1F2933", align=PP_ALIGN.CENTER)
    # Legend: the same symbols with their words, so status reads without colour too.
    top = Inches(1.3)
    _text_box(slide, b.t("map.legend"), Inches(10.2), top - Inches(0.35), Inches(2.9), Inches(0.35), 14, bold=True)
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
        _text_box(slide, text, left, y - Inches(0.19), Inches(2.2), Inches(0.4), 13)


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
        facilities = dispatch.facilities_until(run("map_facilities"), m.until)
    regions = run("map_regions")
    below = regions[regions["region_code"].isin(outline_codes) & regions["lon"].notna()]
    if len(below) > 1:  # name the units one level down, not the scope itself
        below = below[below["level"] != m.level]
    places = [(str(r.name), float(r.lon), float(r.lat)) for r in below.itertuples(index=False)]
    return Briefing(meeting=m, lang=lang, by=by, funding=run("funding_by_source", year=m.year),
                    facilities=facilities, outlines=outline_rings(outline_codes, zoom), places=places)


def gather(run: RunQuery, as_of: dt.date, year: int, scope_label: str, lang: str, margin: float,
           outline_codes: set[str], level: str = "city", by: str = "precise_rehab_served",
           disclosure=None) -> Briefing:
    """The deck from named queries alone (no previous snapshot): for scripts and tests."""
    name = scope_label.split(" / ")[-1]
    m = dispatch.gather(run, as_of, year, margin, scope_label, name, level, disclosure=disclosure)
    return gather_meeting(m, by, lang, run, outline_codes)


# ---- workbook ----------------------------------------------------------------------------------------

NUMBER_FORMATS = {"count": "#,##0", "percent": "0.0%", "rate": "0.00%", "rank_change": "+0;-0;0"}
_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def title_line(m: Meeting, lang: str) -> str:
    """Row 1 of every sheet: scope, year, period, snapshot date and the sample notice."""
    parts = [m.scope_label, i18n.text(lang, "meeting.year", year=m.year), period_label(m, lang)]
    if m.sample:
        parts.append(i18n.text(lang, "meeting.sample"))
    return " · ".join(parts)


def tables_workbook(tables: list[dispatch.Table], title: str) -> bytes:
    """One sheet per table: row 1 the title line, row 2 the table's name, row 3 the headers (frozen),
    then the rows with numbers as numbers in number formats, and text as text (never a formula)."""
    book = Workbook()
    book.remove(book.active)
    used = set()
    for table in tables:
        name = _SHEET_CHARS.sub("_", table.title)[:31]
        while name in used:
            name = name[:29] + f"_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        columns = list(table.frame.columns)
        sheet.cell(1, 1, title).font = Font(bold=True, size=12)
        sheet.cell(2, 1, table.title).font = Font(bold=True)
        widths = [_width(c) + 2 for c in columns]
        shown = dispatch.display(table)
        for c, header in enumerate(columns, start=1):
            cell = sheet.cell(3, c, str(header))
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r, row in enumerate(table.frame.itertuples(index=False), start=4):
            for c, value in enumerate(row, start=1):
                column = columns[c - 1]
                kind = table.kind(r - 4, column)
                cell = sheet.cell(r, c)
                if isinstance(value, str) or kind in ("text", "status"):
                    cell.value = None if value is None else str(value)
                    cell.data_type = "s"  # text stays text: a name starting with '=' is no formula
                elif value is None or (isinstance(value, float) and math.isnan(value)):
                    cell.value = None
                else:
                    number = float(value)
                    cell.value = int(number) if number.is_integer() and kind != "amount" else number
                    if kind == "amount":
                        cell.number_format = "#,##0" if number.is_integer() else "#,##0.00"
                    else:
                        cell.number_format = NUMBER_FORMATS.get(kind, "General")
                widths[c - 1] = max(widths[c - 1], _width(shown.iat[r - 4, c - 1]) + 2)
        for c, w in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = min(max(w, 8), 48)
        sheet.row_dimensions[3].height = 32
        sheet.freeze_panes = "B4" if len(columns) > 1 else "A4"
    safe_text.defuse_workbook(book)  # a name such as '=HYPERLINK(...)' stays text, also after editing
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def meeting_workbook(m: Meeting, by: str, lang: str) -> bytes:
    """Every table the overview shows, one sheet each, headers in the UI language."""
    return tables_workbook(dispatch.tables(m, by, lang), title_line(m, lang))


def overview_workbook(run: RunQuery, as_of: dt.date, year: int, scope_label: str, lang: str,
                      margin: float, level: str = "city", by: str = "precise_rehab_served",
                      disclosure=None) -> bytes:
    """The workbook from named queries alone (no previous snapshot): for scripts and tests."""
    m = dispatch.gather(run, as_of, year, margin, scope_label, scope_label.split(" / ")[-1], level,
                        disclosure=disclosure)
    return meeting_workbook(m, by, lang)
