"""工作通报: the dispatch meeting's bulletin as a Word document (python-docx), in the prose officials
write ("截至2025年8月31日，全区精准康复服务521人，完成年度任务的66.8%，高于序时进度0.2个百分点……").

One paragraph per dispatch indicator, the lagging and warning units named with their shortfall, the
ranking as a table, and what changed since the previous snapshot of the same year. Every number is
read from the same dispatch.Meeting and said by the same words and tables (charts.dispatch) as the
overview page, so the bulletin cannot say anything the page does not.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from rehabdash.charts import decisions as decision_text
from rehabdash.charts import dispatch as dispatch_charts
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n, suppression
from rehabdash.kernel.config import doc_number_prefix, issuer, suppress_below
from rehabdash.kernel.columns import status_text
from rehabdash.kernel.indicators import Status
from rehabdash.export import decisions as decisions_export
from rehabdash.topics import dispatch, institutions, reporting, site_tasks
from rehabdash.topics.dispatch import FUNDING, IndicatorStatus, Meeting

# GB/T 9704 (党政机关公文格式): title in 小标宋, body in 仿宋 三号; Word and WPS have them, and
# LibreOffice falls back to an installed CJK font.
TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
RED = "E60012"  # 版头: the issuing body's name and the separator line in red
NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五")


def _t(lang: str, key: str, **values) -> str:
    return i18n.text(lang, f"bulletin.{key}", **values)


def _font(run, east_asian: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "Times New Roman"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _paragraph(doc, text: str, font: str = BODY_FONT, size: float = 16, bold: bool = False,
               align=None, indent: bool = True, color: str | None = None):
    paragraph = doc.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    paragraph.paragraph_format.line_spacing = Pt(28)
    if align is not None:
        paragraph.alignment = align
    if font == HEADING_FONT:
        paragraph.paragraph_format.keep_with_next = True  # a heading never ends a page
    run = paragraph.add_run(text)
    _font(run, font, size, bold)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    return paragraph


def whole(m: Meeting, lang: str) -> str:
    """'全区' / '全市' / '全旗' for the scope as a whole, the name itself for a township."""
    if lang != "zh":
        return m.scope_name
    if m.level == "township":
        return m.scope_name
    last = m.scope_name[-1:]
    return "全" + (last if last in "市区县旗" else "区")


def points(s: IndicatorStatus) -> float:
    """Distance of completion from 序时进度 in percentage points (one decimal, as the table shows)."""
    return round(abs((s.completion or 0) - s.progress) * 100, 1)


def _value(s: IndicatorStatus, value, lang: str) -> str:
    if s.unit == "wan_yuan":
        return fmt.wan_words(value * fmt.WAN if value is not None else None, lang)
    sep = "" if lang == "zh" else " "
    return f"{fmt.amount(value, lang)}{sep}{dispatch_charts.unit_label(lang, s.unit)}"


def _against_progress(s: IndicatorStatus, lang: str) -> str:
    gap = points(s)
    if s.status is Status.GREEN:
        key = "above" if gap > 0 else "level"
    else:
        key = "below"
    text = _t(lang, key, points=f"{gap:g}", status=status_text(s.status, lang))
    if s.status is not Status.GREEN:
        text += _t(lang, "short", progress=_value(s, s.shortfall_to_progress, lang),
                   task=_value(s, s.shortfall_to_task, lang))
    return text


def indicator_sentence(m: Meeting, s: IndicatorStatus, lang: str) -> str:
    """The paragraph of one indicator for the scope as a whole."""
    day = fmt.date(m.until, lang)
    if s.indicator == FUNDING:
        if s.target is None:
            return _t(lang, "funds_none", day=day, scope=m.scope_name, note=dispatch_charts.no_task_text(m, s, lang))
        return _t(lang, "funds", day=day, whole=whole(m, lang), allocated=fmt.wan_words(s.target, lang),
                  spent=fmt.wan_words(s.actual, lang), rate=fmt.rate(s.completion)) + _against_progress(s, lang)
    actual = suppression.in_prose(s.shown, suppress_below(), dispatch_charts.unit_label(lang, s.unit), lang) \
        if s.hidden else _value(s, s.actual_in_unit, lang)  # officials write 不足5人, never "<5"
    if s.target is None:
        return _t(lang, "no_task", day=day, whole=whole(m, lang), done=_t(lang, "done_" + s.indicator, actual=actual))
    text = _t(lang, "task", day=day, whole=whole(m, lang), done=_t(lang, "done_" + s.indicator, actual=actual),
              target=_value(s, s.target_in_unit, lang), completion=fmt.completion(s.completion))
    text += _against_progress(s, lang)
    if s.indicator in dispatch.RATE_BASES and s.rate is not None:
        text += _t(lang, "rate", rate_name=_t(lang, "rate_" + s.indicator), rate=fmt.rate(s.rate))
    return text


def units_sentence(m: Meeting, indicator: str, lang: str) -> str:
    """'滞后单位：东河区（完成59.6%，距序时进度差12人）；预警单位：……' for one indicator, or ''."""
    items = [(unit, s) for unit, s in m.lagging_in(lang) if s.indicator == indicator]
    parts = []
    for status, key in ((Status.RED, "red_units"), (Status.AMBER, "amber_units")):
        named = [_t(lang, "unit_item", unit=unit, completion=(fmt.rate if indicator == FUNDING else fmt.completion)(s.completion),
                    short=_value(s, s.shortfall_to_progress, lang))
                 for unit, s in items if s.status is status]
        if named:
            parts.append(_t(lang, key, units=_t(lang, "list_sep").join(named)))
    return _t(lang, "part_sep").join(parts) + (_t(lang, "end") if parts else "")


def changes_sentence(m: Meeting, lang: str) -> str:
    if m.previous is None:
        return _t(lang, "no_changes_past") if m.as_of.year != m.year else _t(lang, "no_changes")
    before = {s.indicator: s for s in m.previous.indicators}
    parts = []
    for s in m.indicators:
        b = before[s.indicator]
        if s.hidden or b.hidden or (s.indicator == FUNDING and s.target is None):
            continue
        change = s.in_unit(s.actual - b.actual)
        name = dispatch_charts.label(lang, s.indicator) if s.indicator != FUNDING else _t(lang, "funds_spent")
        parts.append(_t(lang, "change_item", indicator=name, change=_value(s, change, lang)))
    return _t(lang, "changes", date=fmt.date(m.previous.as_of, lang), items=_t(lang, "list_sep").join(parts))


def overall_sentence(m: Meeting, lang: str) -> str:
    judged = [s for s in m.indicators if s.status is not None]
    if not judged:
        return _t(lang, "overall_none", day=fmt.date(m.until, lang), scope=m.scope_name)
    count = {status: sum(s.status is status for s in judged) for status in Status}
    return _t(lang, "overall", day=fmt.date(m.until, lang), whole=whole(m, lang),
              progress=fmt.completion(m.progress), total=len(judged), green=count[Status.GREEN],
              amber=count[Status.AMBER], red=count[Status.RED])


def overdue_sentence(m: Meeting, lang: str) -> str:
    """'截至…，以下9个站点的建设任务已过完成时限、尚未投入使用：兴盛社区康复室（友谊大街街道办事处）建设任务
    逾期62天，进展：建设中；……。' or '' where no site is overdue."""
    sites = m.overdue_sites
    if sites is None or sites.empty:
        return ""
    return _t(lang, "overdue", day=fmt.date(m.as_of, lang), count=len(sites),
              items=_t(lang, "part_sep").join(site_tasks.overdue_lines(sites, lang)))


def _red_line(paragraph) -> None:
    """The red separator under 发文字号 (版头中的分隔线): the paragraph's bottom border."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "6"), ("w:color", RED)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def issuing_body(m: Meeting, lang: str) -> str:
    return issuer() or _t(lang, "issuer_default", scope=m.scope_name)


def doc_number(m: Meeting) -> str:
    """发文字号 '包残联通〔2025〕  号': the prefix from the settings and the year; the number is left blank
    for the office that registers the document. '' without a prefix."""
    prefix = doc_number_prefix()
    return f"{prefix}〔{m.year}〕\u3000\u3000号" if prefix else ""


def _masthead(doc, m: Meeting, lang: str) -> None:
    """版头 (GB/T 9704-2012): the issuing body's mark in red, 发文字号, and the red line under them."""
    _paragraph(doc, _t(lang, "masthead", issuer=issuing_body(m, lang)), TITLE_FONT, 30,
               align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=RED)
    number = _paragraph(doc, doc_number(m), BODY_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _red_line(number)


def next_steps(m: Meeting, lang: str, decisions=None) -> list[str]:
    """下一步工作要求: one per lagging indicator (its units named), the overdue sites, the overdue decided
    items (督办), and when to report back: from the same items the bulletin reports."""
    lines = []
    items = m.lagging_in(lang)
    for indicator in dispatch.INDICATOR_ORDER:
        units = [unit for unit, s in items if s.indicator == indicator]
        if units:
            lines.append(_t(lang, "step_lagging", indicator=dispatch_charts.label(lang, indicator),
                            units=_t(lang, "list_sep").join(dict.fromkeys(units))))
    sites = m.overdue_sites
    if sites is not None and not sites.empty:
        lines.append(_t(lang, "step_sites", count=len(sites)))
    if decisions is not None and (overdue := decision_text.overdue_lines(decisions, lang)):
        lines.append(_t(lang, "step_decisions", count=len(overdue)))
    lines.append(_t(lang, "step_report"))
    return [(f"（{NUMERALS[n]}）" if lang == "zh" else f"({n + 1}) ") + line for n, line in enumerate(lines)]


def _signature(doc, m: Meeting, lang: str) -> None:
    """落款: the issuing body and the date, right-aligned four characters in, after a blank line."""
    doc.add_paragraph()
    for text in (issuing_body(m, lang), fmt.date(m.as_of, lang)):
        paragraph = _paragraph(doc, text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(64)


def _annex(doc, m: Meeting, by: str, lang: str) -> None:
    """附件: the ranking table on a page of its own, with its note where it shows controlled counts."""
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _paragraph(doc, _t(lang, "annex_label"), HEADING_FONT, 16, indent=False)
    _paragraph(doc, _t(lang, "annex_title"), TITLE_FONT, 18, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    ranking = dispatch_charts.ranking_table(m, by, lang)
    shown = dispatch_charts.display(ranking)
    value = next(c for c in ranking.frame.columns[3:] if c.startswith(dispatch_charts.label(lang, by)))
    status = f"{dispatch_charts.label(lang, by)} · {i18n.text(lang, 'dispatch.status')}"
    _paragraph(doc, _t(lang, "ranking_intro", indicator=dispatch_charts.label(lang, by)), indent=False)
    header = [shown.columns[0], shown.columns[1], value, i18n.text(lang, "dispatch.status"), shown.columns[2]]
    _table(doc, header, shown[[shown.columns[0], shown.columns[1], value, status, shown.columns[2]]].values.tolist())
    if ranking.note and by == dispatch.CHILDREN:  # the one column of the table with controlled counts
        _paragraph(doc, ranking.note, size=14, indent=False)


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows) + 1, cols=len(header))
    table.style = "Table Grid"
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(value))
            _font(run, HEADING_FONT if r == 0 else BODY_FONT, 11, bold=r == 0)


def _decisions(doc, v, lang: str, n: int, which: str) -> int:
    """The section `which` ('last': 上次调度会议定事项落实情况, 'current': 本次议定事项) as heading number
    `n` (0-based); the next number. Nothing without a view (`v`: a topics.decisions.View)."""
    if v is None:
        return n
    title = i18n.text(lang, "duban.last_title" if which == "last" else "duban.current_title")
    _paragraph(doc, f"{NUMERALS[n]}、{title}" if lang == "zh" else f"{n + 1}. {title}", HEADING_FONT, 16,
               indent=lang == "zh")
    for line in (decisions_export.bulletin_last if which == "last" else decisions_export.bulletin_current)(v, lang):
        _paragraph(doc, line)
    return n + 1


def build_docx(m: Meeting, by: str, lang: str, decisions=None) -> bytes:
    """The bulletin of the meeting: title, overall, one paragraph per indicator with its lagging and
    warning units, the last meeting's decided items, the ranking table on `by`, the changes since the
    previous snapshot, and this meeting's decided items (`decisions`: a topics.decisions.View)."""
    doc = Document()
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Pt(105), Pt(99)  # GB/T 9704: 37 mm and 35 mm
    section.left_margin, section.right_margin = Pt(79), Pt(74)
    _masthead(doc, m, lang)
    _paragraph(doc, _t(lang, "title", scope=m.scope_name), TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER,
               indent=False)
    _paragraph(doc, dispatch_charts.period_label(m, lang), BODY_FONT, 14, align=WD_ALIGN_PARAGRAPH.CENTER,
               indent=False)
    if m.sample:
        _paragraph(doc, i18n.text(lang, "meeting.sample"), HEADING_FONT, 14, bold=True,
                   align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color="8A4B00")
    _paragraph(doc, _t(lang, "addressee_" + (m.level if m.level in ("district", "township") else "city")),
               indent=False)  # 主送机关
    _paragraph(doc, overall_sentence(m, lang))
    if m.reporting is not None:  # who has reported the month being collected (报送进度)
        _paragraph(doc, reporting.summary(m.reporting, lang))

    for n, s in enumerate(m.indicators):
        heading = f"{NUMERALS[n]}、{dispatch_charts.label(lang, s.indicator)}" if lang == "zh" else \
            f"{n + 1}. {dispatch_charts.label(lang, s.indicator)}"
        _paragraph(doc, heading, HEADING_FONT, 16, indent=lang == "zh")
        _paragraph(doc, indicator_sentence(m, s, lang) + units_sentence(m, s.indicator, lang))

    n = len(m.indicators)
    if overdue := overdue_sentence(m, lang):  # the sites past their deadline, with the unit responsible
        _paragraph(doc, f"{NUMERALS[n]}、{i18n.text(lang, 'tasks.overdue_title')}" if lang == "zh" else
                   f"{n + 1}. {i18n.text(lang, 'tasks.overdue_title')}", HEADING_FONT, 16, indent=lang == "zh")
        _paragraph(doc, overdue)
        n += 1
    if behind := institutions.lagging_lines(m.lagging_institutions, lang):  # designated institutions behind
        _paragraph(doc, f"{NUMERALS[n]}、{i18n.text(lang, 'institutions.lagging_title')}" if lang == "zh" else
                   f"{n + 1}. {i18n.text(lang, 'institutions.lagging_title')}", HEADING_FONT, 16, indent=lang == "zh")
        _paragraph(doc, _t(lang, "part_sep").join(behind) + ("。" if lang == "zh" else "."))
        n += 1
    n = _decisions(doc, decisions, lang, n, "last")
    _paragraph(doc, f"{NUMERALS[n]}、{_t(lang, 'ranking_heading')}" if lang == "zh" else
               f"{n + 1}. {_t(lang, 'ranking_heading')}", HEADING_FONT, 16, indent=lang == "zh")
    annex = None  # the ranking table goes to 附件 (GB/T 9704: tables after the 落款)
    if m.subunits:
        annex = by if by in dispatch.rankable(m.subunits) else dispatch.INDICATOR_ORDER[0]
        _paragraph(doc, _t(lang, "ranking_intro_annex", indicator=dispatch_charts.label(lang, annex)))
    else:
        _paragraph(doc, i18n.text(lang, m.no_subunits_key))

    _paragraph(doc, f"{NUMERALS[n + 1]}、{_t(lang, 'changes_heading')}" if lang == "zh" else
               f"{n + 2}. {_t(lang, 'changes_heading')}", HEADING_FONT, 16, indent=lang == "zh")
    _paragraph(doc, changes_sentence(m, lang))
    n = _decisions(doc, decisions, lang, n + 2, "current")
    _paragraph(doc, f"{NUMERALS[n]}、{_t(lang, 'next_steps')}" if lang == "zh" else f"{n + 1}. {_t(lang, 'next_steps')}",
               HEADING_FONT, 16, indent=lang == "zh")
    for line in next_steps(m, lang, decisions):
        lead, stop, rest = line.partition("。" if lang == "zh" else ". ")  # its lead in 楷体 (second level)
        _font(_paragraph(doc, lead + stop, SUBHEADING_FONT).add_run(rest), BODY_FONT, 16)
    if annex:
        _paragraph(doc, _t(lang, "annex_list", title=_t(lang, "annex_title")))
    _signature(doc, m, lang)
    if annex:
        _annex(doc, m, annex, lang)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
