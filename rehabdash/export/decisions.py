"""The dispatch meeting's decided items (督办) in the deck, the bulletin and the workbook: how the last
meeting's items stand, and what this meeting decided. The same topics.decisions tables and lines as the
overview; text typed into items reaches PPTX and DOCX as plain text runs (never markup), and the workbook
through workbook.tables_workbook (text cells stay text, never a formula).

Kept apart from deck.py, workbook.py and bulletin.py, which call `add_slides`, `workbook_tables` and
`bulletin_last` / `bulletin_current` with the meeting's topics.decisions.View (or None).
"""
from __future__ import annotations

import math

from pptx.util import Inches

from rehabdash.charts import decisions as decision_text
from rehabdash.export.pptx_kit import add_table, no_data, text_box, titled_slide
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.topics import decisions

ROWS_PER_SLIDE = 8
# table fill behind the status column: pale tints, the word and symbol carry the status
_FILLS = {decisions.OVERDUE: "#F6CCB3", decisions.CLOSED: "#CCECE3"}


def _t(lang: str, key: str, **values) -> str:
    return i18n.text(lang, f"duban.{key}", **values)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def add_slides(deck, v, lang: str) -> None:
    """The last meeting's items (as many slides as they need) and this meeting's items (`v`: a
    topics.decisions.View, or None for no slides)."""
    if v is None:
        return
    table = decision_text.last_table(v, lang)
    header = [table.frame.columns[i] for i in (1, 3, 5, 6, 7)]
    rows = [[_short(s.item.problem, 40), s.item.unit.name, fmt.date(s.item.deadline, lang),
             decision_text.status_text(s, lang), _short(decision_text.latest_text(s, lang), 48)] for s in v.last]
    title = table.title
    if not rows:
        no_data(titled_slide(deck, title), _t(lang, "bulletin_no_meeting"))
    pages = math.ceil(len(rows) / ROWS_PER_SLIDE)
    for page in range(pages):
        part = rows[page * ROWS_PER_SLIDE:(page + 1) * ROWS_PER_SLIDE]
        slide = titled_slide(deck, title if pages == 1 else f"{title}（{page + 1}/{pages}）")
        if page == 0:
            text_box(slide, decision_text.summary_line(v, lang), Inches(0.5), Inches(0.95), Inches(12.3),
                               Inches(0.5), 14)
        standings = v.last[page * ROWS_PER_SLIDE:(page + 1) * ROWS_PER_SLIDE]
        fills = {(r, 3): _FILLS[s.status] for r, s in enumerate(standings, start=1) if s.status in _FILLS}
        add_table(slide, header, part, Inches(0.5), Inches(1.5), Inches(12.3), Inches(0.5), 14,
                        [3.6, 2.2, 1.5, 1.9, 3.6], fills)
    current = decision_text.current_table(v, lang)
    if current.frame.empty:
        no_data(titled_slide(deck, current.title), _t(lang, "bulletin_current_none"))
        return
    shown = [[_short(str(value), 40) for value in row] for row in current.frame.iloc[:, :5].values.tolist()]
    pages = math.ceil(len(shown) / ROWS_PER_SLIDE)  # more slides, never smaller type
    for page in range(pages):
        slide = titled_slide(deck, current.title if pages == 1 else f"{current.title}（{page + 1}/{pages}）")
        add_table(slide, list(current.frame.columns[:5]), shown[page * ROWS_PER_SLIDE:(page + 1) * ROWS_PER_SLIDE],
                  Inches(0.5), Inches(1.1), Inches(12.3), Inches(0.5), 14, [3.2, 3.6, 2.0, 1.8, 1.7])


def workbook_tables(v, lang: str) -> list:
    """The workbook's sheets of both sections (none without a view)."""
    return [] if v is None else decision_text.tables(v, lang)



def bulletin_last(v, lang: str) -> list[str]:
    """The bulletin's paragraphs on the last meeting's items: the counts, then one per item."""
    if v is None:
        return []
    if v.last_meeting is None:
        return [_t(lang, "bulletin_no_meeting")]
    counts = v.counts()
    lines = [_t(lang, "bulletin_last", meeting=fmt.date(v.last_meeting, lang), total=len(v.last), **counts)]
    return lines + [_item_line(s, lang, n) for n, s in enumerate(v.last, start=1)]


def bulletin_current(v, lang: str) -> list[str]:
    if v is None:
        return []
    if not v.current:
        return [_t(lang, "bulletin_current_none")]
    return [_t(lang, "bulletin_current", total=len(v.current))] + [
        _item_line(s, lang, n) for n, s in enumerate(v.current, start=1)]


def _item_line(s: decisions.Standing, lang: str, n: int) -> str:
    status = decision_text.status_text(s, lang)
    if s.status == decisions.CLOSED or s.latest is not None:
        status += "；" + decision_text.latest_text(s, lang) if lang == "zh" else "; " + decision_text.latest_text(s, lang)
    line = _t(lang, "bulletin_item", problem=s.item.problem, unit=s.item.unit.name, person=s.item.person,
              deadline=fmt.date(s.item.deadline, lang), status=status)
    return f"{n}. {line}"
