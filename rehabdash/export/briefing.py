"""The dispatch-meeting briefing deck (PPTX) and workbook (XLSX).

Charts are native PowerPoint chart parts (editable in PowerPoint and WPS), not pictures; the map slide
is an XY chart of facility positions over district outlines, so it needs no tiles and no internet.
Text names a CJK font for East Asian glyphs so that slides render in Chinese.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.measures import RunQuery
from rehabdash.kernel.theme import FACILITY_STATUS_COLORS, PALETTE, STATUS_COLORS
from rehabdash.store import boundaries
from rehabdash.topics.dispatch import (
    IndicatorStatus,
    indicator_frame,
    indicator_statuses,
    lagging,
    lagging_lines,
    ranking_frames,
    subunit_statuses,
)
from rehabdash.topics.overview import facility_matrix

CJK_FONT = "Noto Sans CJK SC"  # named for East Asian text; PowerPoint/WPS substitute a local CJK font
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
TOPIC_INDICATORS = ("precise_rehab_served", "devices_fitted", "children_aided", "cataract_surgery")
STATUS_SHAPES = {"built": MSO_SHAPE.OVAL, "planned_near": MSO_SHAPE.ISOSCELES_TRIANGLE,
                 "planned_far": MSO_SHAPE.MATH_MULTIPLY}


@dataclass(frozen=True)
class Briefing:
    """Everything the deck shows, gathered by the page from named queries."""

    lang: str
    scope_label: str
    period_label: str  # '2024年 · 数据截至 2024年12月31日'
    indicators: list[IndicatorStatus]
    subunits: dict[tuple[str, str], list[IndicatorStatus]]
    lagging: list[tuple[str, IndicatorStatus]]
    funding: pd.DataFrame  # source, program, allocated_yuan, spent_yuan
    facilities: pd.DataFrame  # tier, status, lon, lat
    outlines: list[list[tuple[float, float]]] = field(default_factory=list)  # rings of (lon, lat)

    def t(self, key: str, **values) -> str:
        return i18n.text(self.lang, key, **values)


def _hex(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#"))


def _name_cjk_font(run_or_font_element) -> None:
    """Set the East Asian typeface (<a:ea>) beside the Latin one python-pptx sets."""
    rpr = run_or_font_element
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        rpr.append(ea)
    ea.set("typeface", CJK_FONT)


def _style_text_frame(frame, size: int, bold: bool = False) -> None:
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.name = CJK_FONT
            _name_cjk_font(run._r.get_or_add_rPr())


def _text_box(slide, text: str, left, top, width, height, size: int, bold: bool = False):
    box = slide.shapes.add_textbox(left, top, width, height)
    box.text_frame.word_wrap = True
    lines = text.split("\n")
    box.text_frame.text = lines[0]
    for line in lines[1:]:
        box.text_frame.add_paragraph().text = line
    _style_text_frame(box.text_frame, size, bold)
    return box


def _slide(deck, title: str, b: Briefing):
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    _text_box(slide, title, Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8), 28, bold=True)
    _text_box(slide, f"{b.scope_label} · {b.period_label}", Inches(0.5), Inches(6.9), Inches(12.3),
              Inches(0.4), 12)
    return slide


def _style_chart(chart, legend: bool = True) -> None:
    """Chart text in the CJK font; bar series in the shared palette (safe for colour-blind readers)."""
    chart.font.size = Pt(14)
    chart.font.name = CJK_FONT
    _name_cjk_font(chart.font._rPr)
    for series, color in zip(chart.plots[0].series, PALETTE):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _hex(color)
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False


def _title_slide(deck, b: Briefing) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    _text_box(slide, b.t("briefing.title", scope=b.scope_label), Inches(0.8), Inches(2.4),
              Inches(11.7), Inches(1.4), 40, bold=True)
    _text_box(slide, b.period_label, Inches(0.8), Inches(3.9), Inches(11.7), Inches(0.8), 24)
    _text_box(slide, b.t("app.sample_badge"), Inches(0.8), Inches(6.3), Inches(11.7), Inches(0.6), 14)


def _indicator_slide(deck, b: Briefing) -> None:
    slide = _slide(deck, b.t("overview.indicators"), b)
    frame = indicator_frame(b.indicators, b.lang)
    rows, cols = len(frame) + 1, len(frame.columns)
    table = slide.shapes.add_table(rows, cols, Inches(0.5), Inches(1.3), Inches(12.3),
                                   Inches(0.6) * rows).table
    table.columns[0].width = Inches(3.3)
    for c in range(1, cols):
        table.columns[c].width = Inches(9.0 / (cols - 1))
    for c, header in enumerate(frame.columns):
        table.cell(0, c).text = str(header)
    for r, (values, status) in enumerate(zip(frame.itertuples(index=False), b.indicators), start=1):
        for c, value in enumerate(values):
            table.cell(r, c).text = str(value)
        if status.status is not None:
            status_cell = table.cell(r, list(frame.columns).index(b.t("overview.status")))
            status_cell.fill.solid()
            status_cell.fill.fore_color.rgb = _hex(STATUS_COLORS[status.status])
    for r in range(rows):
        for c in range(cols):
            _style_text_frame(table.cell(r, c).text_frame, 16, bold=r == 0)


def _topic_slide(deck, b: Briefing, indicator: str) -> None:
    label = i18n.code_label(b.lang, "indicator", indicator)
    slide = _slide(deck, label, b)
    units = {name: next(s for s in row if s.indicator == indicator) for (_, name), row in b.subunits.items()}
    if not units:  # a township scope has no subunits: show the scope itself
        units = {b.scope_label: next(s for s in b.indicators if s.indicator == indicator)}
    data = CategoryChartData()
    data.categories = list(units)
    data.add_series(b.t("overview.actual"), [s.actual for s in units.values()])
    if any(s.target is not None for s in units.values()):
        data.add_series(b.t("overview.target"), [s.target or 0 for s in units.values()])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(0.5), Inches(1.2),
                                   Inches(12.3), Inches(5.6), data).chart
    _style_chart(chart)
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.font.size = Pt(12)
    plot.data_labels.number_format = "0"
    plot.data_labels.number_format_is_linked = False


def _funding_slide(deck, b: Briefing) -> None:
    slide = _slide(deck, b.t("briefing.funding"), b)
    by_source = b.funding.groupby("source")[["allocated_yuan", "spent_yuan"]].sum()
    data = CategoryChartData()
    data.categories = [i18n.code_label(b.lang, "source", s) for s in by_source.index]
    data.add_series(b.t("briefing.allocated_wan"), [v / fmt.WAN for v in by_source["allocated_yuan"]])
    data.add_series(b.t("briefing.spent_wan"), [v / fmt.WAN for v in by_source["spent_yuan"]])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(0.5), Inches(1.2),
                                   Inches(12.3), Inches(5.6), data).chart
    _style_chart(chart)
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.number_format = "0.00"
    chart.plots[0].data_labels.number_format_is_linked = False


def _lagging_slide(deck, b: Briefing) -> None:
    slide = _slide(deck, b.t("overview.lagging"), b)
    lines = lagging_lines(b.lagging, b.lang) or [b.t("overview.lagging_none")]
    _text_box(slide, "\n".join(f"✖ {line}" if b.lagging else line for line in lines[:14]),
              Inches(0.6), Inches(1.3), Inches(12.1), Inches(5.4), 20)


def _map_projection(b: Briefing, left, top, width, height):
    """lon/lat → slide position (EMU) fitting the outlines and facilities into the box, true aspect."""
    points = [p for ring in b.outlines for p in ring] + list(
        b.facilities[["lon", "lat"]].itertuples(index=False, name=None))
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


def _map_slide(deck, b: Briefing) -> None:
    """Outlines as freeform shapes, facilities as small shapes by status: native, no tiles needed."""
    slide = _slide(deck, b.t("briefing.map"), b)
    if not b.outlines and b.facilities.empty:
        return
    project = _map_projection(b, Inches(0.5), Inches(1.2), Inches(9.6), Inches(5.6))
    for ring in b.outlines:
        corners = [project(lon, lat) for lon, lat in ring]
        builder = slide.shapes.build_freeform(*corners[0], scale=1.0)
        builder.add_line_segments(corners[1:], close=True)
        outline = builder.convert_to_shape()
        outline.fill.background()
        outline.line.color.rgb = _hex("#666666")
        outline.line.width = Pt(0.75)
    size = Pt(7)
    for status, shape_kind in STATUS_SHAPES.items():
        for lon, lat in b.facilities.loc[b.facilities["status"] == status, ["lon", "lat"]].itertuples(
                index=False):
            x, y = project(lon, lat)
            _facility_mark(slide, status, shape_kind, x - size // 2, y - size // 2, size)
    # Legend: the same marks with their status words, so status reads without colour too.
    for row, (status, shape_kind) in enumerate(STATUS_SHAPES.items()):
        top = Inches(2.0) + Inches(0.5) * row
        _facility_mark(slide, status, shape_kind, Inches(10.5), top + Pt(4), Pt(12))
        _text_box(slide, i18n.code_label(b.lang, "status", status), Inches(10.8), top - Pt(4),
                  Inches(2.4), Inches(0.4), 14)


def _facility_mark(slide, status: str, shape_kind, left, top, size) -> None:
    mark = slide.shapes.add_shape(shape_kind, left, top, size, size)
    mark.line.fill.background()
    mark.fill.solid()
    mark.fill.fore_color.rgb = _hex(FACILITY_STATUS_COLORS[status])


def build_pptx(b: Briefing) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    _title_slide(deck, b)
    _indicator_slide(deck, b)
    for indicator in TOPIC_INDICATORS:
        _topic_slide(deck, b, indicator)
    _funding_slide(deck, b)
    _lagging_slide(deck, b)
    _map_slide(deck, b)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table, headers as given (the UI language), index kept where it names rows."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=frame.index.name is not None)
    return buffer.getvalue()


def outline_rings(region_codes: set[str]) -> list[list[tuple[float, float]]]:
    """Exterior rings of the district outlines and (approximate) township cells of `region_codes`."""
    rings = []
    for kind in ("districts", "townships"):
        for feature in boundaries.features(kind, region_codes):
            geometry = feature["geometry"]
            polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            rings.extend([[tuple(point) for point in polygon[0]] for polygon in polygons])
    return rings


def gather(run: RunQuery, as_of: dt.date, year: int, scope_label: str, lang: str, margin: float,
           outline_codes: set[str]) -> Briefing:
    """Assemble the briefing from the same named queries the overview page shows."""
    indicators = indicator_statuses(run, as_of, year, margin)
    subunits = subunit_statuses(run, as_of, year, margin)
    period = i18n.text(lang, "overview.caption", scope="", year=year,
                       as_of=fmt.date(as_of, lang)).lstrip(" ·")
    return Briefing(
        lang=lang, scope_label=scope_label, period_label=period, indicators=indicators,
        subunits=subunits, lagging=lagging(subunits, scope_label, indicators),
        funding=run("funding_by_source", year=year), facilities=run("facility_points"),
        outlines=outline_rings(outline_codes),
    )


def overview_workbook(run: RunQuery, as_of: dt.date, year: int, scope_label: str, lang: str,
                      margin: float) -> bytes:
    """Every table of the overview, one sheet each, headers in the UI language."""
    b = gather(run, as_of, year, scope_label, lang, margin, outline_codes=set())
    texts, _ = ranking_frames(b.subunits, lang)
    facilities = facility_matrix(run("facility_counts"))
    facilities = facilities.rename(index=lambda c: i18n.code_label(lang, "tier", c),
                                   columns=lambda c: i18n.code_label(lang, "status", c))
    facilities.index.name = i18n.text(lang, "overview.tier")
    lagging_sheet = pd.DataFrame({i18n.text(lang, "overview.lagging"): lagging_lines(b.lagging, lang)})
    return workbook_bytes({
        i18n.text(lang, "overview.indicators"): indicator_frame(b.indicators, lang),
        i18n.text(lang, "overview.ranking"): texts,
        i18n.text(lang, "overview.lagging"): lagging_sheet,
        i18n.text(lang, "overview.facilities"): facilities,
    })
