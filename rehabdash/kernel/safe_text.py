"""Untrusted text on its way out: one helper per context it can reach.

Names and notes in the data come from clerks' workbooks, so none of them is markup, script or a
formula. Each output context gets its own rule, because an escape made for one does nothing in
another (``html.escape`` does not stop ``${...}`` inside a JavaScript template literal):

- HTML text (tooltips, popups, ``st.html``): :func:`html_text`.
- Data for a map script: :func:`js_data` — JSON, safe inside ``<script>``; the script reads it and
  puts it in the page with ``textContent``, never ``innerHTML`` (see ``maps.layers.TextTooltip``).
- Markdown (``st.markdown``, captions, ``st.table`` cells): :func:`markdown_text`, every mark that
  Markdown reads backslash-escaped, so nothing becomes bold, a link, an image, an emoji, colour or LaTeX.
  Where no formatting is needed at all, prefer ``st.text``/``st.dataframe``, which interpret nothing.
- A CSS string (``content: ...``): :func:`css_string`, every character but letters, digits and
  spaces as a CSS escape, so no quote, backslash or ``</style>`` ends it.
- Spreadsheets: :func:`defuse_workbook` on every openpyxl workbook before it is saved; a text cell
  starting with ``=``, ``+``, ``-``, ``@``, tab or CR (OWASP, "CSV injection") stays a text cell with
  Excel's quote prefix, so it is shown as written and never evaluated, also after editing.
"""
from __future__ import annotations

import html
import json
import re
from typing import Any

# OWASP "CSV Injection": the characters a spreadsheet reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What Markdown (GFM, and Streamlit's additions) can read as markup anywhere in a line: emphasis,
# code, links and images, HTML, tables, strikethrough, LaTeX, :emoji: and :color[...], e-mail
# autolinks, entities. Kept out: '.', '/', '%', '-' and the like, which only mean something at the
# start of a line (handled below) or in 'www.' (escaped on its own), so ordinary text stays as it is.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~$:@&{}])")
_LINE_START = re.compile(r"^(\s*)([#+\-=>])")
_ORDERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")
_WWW = re.compile(r"(?i)(www)\.")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def html_text(value: Any) -> str:
    """`value` as HTML text: ``<``, ``>``, ``&`` and both quotes as entities (also fit for attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def js_data(value: Any) -> str:
    """`value` as a JSON literal that may stand inside a ``<script>`` element: ``<``, ``>``, ``&``
    and the JavaScript line separators are escaped, so ``</script>`` or ``<!--`` in a name cannot
    end the script. It is data for the script, never script text or a template literal."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def css_string(value: Any) -> str:
    """`value` as a quoted CSS string, every character but letters, digits and spaces escaped."""
    text = "" if value is None else str(value)
    # An escape ends at the one space after it, which CSS takes as part of the escape.
    return '"' + "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in text) + '"'


def markdown_text(value: Any) -> str:
    """`value` as literal Markdown text on one line: markup characters backslash-escaped (no emphasis,
    links, images, autolinked URLs, ``:emoji:``/``:red[...]`` or ``$LaTeX$``), a list or heading
    mark at its start too, line breaks as spaces."""
    text = _LINE_BREAKS.sub(" ", "" if value is None else str(value))
    text = _WWW.sub(r"\1\\.", _MARKDOWN_SPECIAL.sub(r"\\\1", text))
    text = _LINE_START.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\\2", text)


def is_formula_like(value: Any) -> bool:
    """A string a spreadsheet would take for a formula (OWASP's list of leading characters)."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def defuse_workbook(book) -> None:
    """Make every formula-like text cell of an openpyxl workbook a plain text cell, in place.

    openpyxl turns any ``str`` starting with ``=`` into a formula cell (``data_type 'f'``, written
    as ``<f>``); this sets it back to a string cell and adds the quote prefix (Excel's own mark for
    "typed as text", ``quotePrefix`` of the cell style), for ``+ - @``, tab and CR as well. The value
    stays as written, so the name reads the same and a re-import gets it back unchanged.
    Call it only on workbooks whose cells all come from data (no formula of our own)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if is_formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True


# Plotly reads a small HTML subset in every text it draws (<b>, <br>, <a href>, <span style>):
# names on axes, bars, legends and hover would be markup. Entities are decoded back for display.
_FIGURE_TEXT = ("x", "y", "text", "hovertext", "labels", "name")


def _plotly_text(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, (list, tuple)) or getattr(value, "ndim", 0) == 1:
        if any(isinstance(v, str) for v in value):
            return [html.escape(v, quote=False) if isinstance(v, str) else v for v in value]
    return value


def defuse_figure(figure) -> Any:
    """A plotly figure, in place, with every text of its traces and its title as literal text."""
    for trace in figure.data:
        for attr in _FIGURE_TEXT:
            if attr in trace and trace[attr] is not None:
                trace[attr] = _plotly_text(trace[attr])
        node = getattr(trace, "node", None)
        if node is not None and getattr(node, "label", None) is not None:
            node.label = _plotly_text(node.label)
    if figure.layout.title.text:
        figure.layout.title.text = _plotly_text(figure.layout.title.text)
    for name in figure.layout:  # an explicit category order names the (now escaped) categories
        axis = figure.layout[name]
        if name.startswith(("xaxis", "yaxis")) and getattr(axis, "categoryarray", None) is not None:
            axis.categoryarray = _plotly_text(axis.categoryarray)
    return figure
