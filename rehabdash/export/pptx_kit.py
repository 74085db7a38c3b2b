"""Drawing on PowerPoint slides with python-pptx: text boxes, tables and charts in the CJK font,
light-tinted cells, and the column-and-line combo chart python-pptx does not write itself.

Text names a CJK font for East Asian glyphs so that slides render in Chinese.
"""
from __future__ import annotations

import copy

from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_LEGEND_POSITION
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from rehabdash.kernel.theme import PALETTE

CJK_FONT = "Noto Sans CJK SC"  # named for East Asian text; PowerPoint/WPS substitute a local CJK font


def hex_color(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#"))


def name_cjk_font(rpr) -> None:
    """Set the East Asian typeface (<a:ea>) beside the Latin one python-pptx sets."""
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        rpr.append(ea)
    ea.set("typeface", CJK_FONT)


def style_text_frame(frame, size: int, bold: bool = False, color: str | None = None) -> None:
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.name = CJK_FONT
            if color:
                run.font.color.rgb = hex_color(color)
            name_cjk_font(run._r.get_or_add_rPr())


def text_box(slide, text: str, left, top, width, height, size: int, bold: bool = False,
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
    style_text_frame(box.text_frame, size, bold, color)
    return box


MIN_SIZE = 14  # no text on any slide smaller: it must read from the back of a meeting room


def text_width(text: str, size: float) -> float:
    """Roughly how wide `text` sets at `size` pt, in pt: a CJK character is one em, others about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in text)


def fit_title(text: str, size: float, width_pt: float, breaks: tuple[int, ...] = ()) -> str:
    """`text` on one line where it fits, else broken at a sensible place (one of `breaks`, before a
    bracket or after a colon), never leaving one character alone on the last line."""
    if text_width(text, size) <= width_pt:
        return text
    candidates = set(breaks) | {i for i, ch in enumerate(text) if ch in "（("} | \
        {i + 1 for i, ch in enumerate(text) if ch in "：:·"}
    fitting = [i for i in candidates if 0 < i < len(text) and text_width(text[:i], size) <= width_pt]
    return f"{text[:max(fitting)]}\n{text[max(fitting):]}" if fitting else text


def titled_slide(deck, title: str):
    """A blank slide with its title at the top, as every slide after the title slide has."""
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    width = Inches(12.3)
    text = fit_title(title, 28, width / 12700 - 14)  # EMU → pt, less the box's insets
    text_box(slide, text, Inches(0.5), Inches(0.25), width, Inches(0.8), 28 if "\n" not in text else 24, bold=True)
    return slide


def add_copies(slide, marks, draw) -> None:
    """Thousands of shapes of a few kinds (a map's facilities), in the order of `marks`, (kind, x, y)
    with (x, y) the shape's centre: the first of each kind drawn by `draw(kind, x, y)`, the others
    copies of its XML moved to their place. Through python-pptx each new shape costs time in the shapes
    already on the slide (it scans their ids and searches for where to insert), O(n²) in all."""
    tree = slide.shapes._spTree
    end = tree.find(qn("p:extLst"))  # shapes go before the tree's extension list, if it has one
    last_id = tree.max_shape_id
    drawn = {}
    for kind, x, y in marks:
        if kind not in drawn:
            drawn[kind] = draw(kind, x, y)._element
            last_id = max(last_id, drawn[kind].shape_id)
            continue
        last_id += 1
        shape = copy.deepcopy(drawn[kind])
        shape.nvSpPr.cNvPr.id = last_id
        shape.nvSpPr.cNvPr.name = f"{drawn[kind].shape_name.rsplit(' ', 1)[0]} {last_id - 1}"  # as python-pptx names
        shape.x, shape.y = x - shape.cx // 2, y - shape.cy // 2
        if end is None:
            tree.append(shape)
        else:
            end.addprevious(shape)


def no_data(slide, text: str) -> None:
    text_box(slide, text, Inches(0.8), Inches(3.0), Inches(11.7), Inches(1.0), 24, color="#444444")


def style_chart(chart, legend: bool = True) -> None:
    """Chart text in the CJK font; bar series in the shared palette (safe for colour-blind readers)."""
    chart.font.size = Pt(14)
    chart.font.name = CJK_FONT
    name_cjk_font(chart.font._rPr)
    for series, color in zip(chart.plots[0].series, PALETTE):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = hex_color(color)
    chart.has_title = False  # the slide's title says it; a one-series chart would repeat the series name
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False


def whole_number_axis(chart, values) -> None:
    """Counts of people, operations or sites: ticks on whole numbers (never 0.2 of an operation)."""
    top = max([v for v in values if v is not None] or [0])
    step = next(s for s in (m * 10 ** e for e in range(12) for m in (1, 2, 5)) if top / s <= 8)
    axis = chart.value_axis
    axis.major_unit = step
    axis.minimum_scale = 0
    axis.tick_labels.number_format = "0"
    axis.tick_labels.number_format_is_linked = False


def hide_legend_entry(chart, series_index: int) -> None:
    """Leave one series out of the legend (bars coloured by their light: a caption names the colours)."""
    legend = chart._chartSpace.find(qn("c:chart")).find(qn("c:legend"))
    entry = legend.makeelement(qn("c:legendEntry"), {})
    entry.append(entry.makeelement(qn("c:idx"), {"val": str(series_index)}))
    entry.append(entry.makeelement(qn("c:delete"), {"val": "1"}))
    legend.find(qn("c:legendPos")).addnext(entry)


def add_table(slide, header: list[str], rows: list[list[str]], left, top, width, row_height, size: int,
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
        table.cell(r, c).fill.fore_color.rgb = hex_color(color)
    for r in range(len(rows) + 1):
        for c in range(len(header)):
            style_text_frame(table.cell(r, c).text_frame, size, bold=r == 0)
    return table


def light_fill(status) -> str:
    """A pale tint of the light for a cell behind dark text (AA contrast), the word says the status."""
    return {"green": "#CCECE3", "amber": "#F9E2B3", "red": "#F6CCB3"}[getattr(status, "value", status)]


def combo_line(chart, series_index: int) -> None:
    """Turn one series of a clustered column chart into a mark on each bar on the same axes (a combo
    chart of a line series drawn as markers only): python-pptx writes single-type charts, so the
    <c:ser> moves into a <c:lineChart> of its own."""
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
    ln = sppr.makeelement(qn("a:ln"), {})
    ln.append(ln.makeelement(qn("a:noFill"), {}))  # a mark per bar: no line joins unrelated units
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
