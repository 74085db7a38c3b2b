"""The file upload box in the page's language, with the types and the size limit the app reads.

st.file_uploader takes the label, the help, the types and the limit (its picker and its check use
them), but draws its own words in English: the button ("Upload"), the line under it ("200MB per file
• …"), the drop hint and its refusals ("… files are not allowed."). Streamlit 1.67 has no parameter
or setting for them (elements/widgets/file_uploader.py; the words are in the front end's
FileUploader and utils bundles), so they are replaced here by the locale's words through CSS
`content`, for this box only (`.st-key-<key>`).

CSS changes what is drawn, not what a screen reader is told: the names Streamlit gives in attributes
("file upload" on the input, "Remove <file>" on a chip's delete button, "Add files") and the English
words CSS only shrinks (the button's "Upload", the drop hint, a refusal's "Error: … files are not
allowed.") stay in the accessibility tree. A small script (_NAMES_JS) sets the attributes to the
locale's words (the button's too, so axe finds its name) and empties those text nodes (the locale's words stay drawn by the CSS `content`, which
a screen reader reads), again whenever Streamlit redraws the box. It loads nothing and takes no data:
the words are the locale's, passed as JSON; a file name it puts in a label is read from the chip and
set with setAttribute, which interprets nothing.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import streamlit as st

from rehabdash.kernel import safe_text
from rehabdash.ui.text import t

# Streamlit's own words in the box and where 1.67's front end draws them: the button, the line under
# it, the hint while a file is dragged over (the one child with no test id inside), a refused file's
# message (read out by a screen reader, shown on hover in a tooltip drawn outside the box: only file
# chips have error tooltips on the pages with an upload box) and the replace button's hidden name.
# The button's own word is shrunk to nothing, not removed: removed, the button would have no name that
# accessibility checkers (axe) count, and Streamlit gives it no aria-label to set instead.
_BOX = '.st-key-{key} [data-testid="stFileUploaderDropzone"]'
_CSS = """<style>
{box} button [data-testid="stMarkdownContainer"] p {{ font-size: 0; margin: 0; }}
{box} button [data-testid="stMarkdownContainer"]::after {{ content: {button}; }}
{box} [data-testid="stFileUploaderDropzoneInstructions"] span {{ display: none; }}
{box} [data-testid="stFileUploaderDropzoneInstructions"] > div::after {{ content: {instructions}; }}
{box} > div:not([data-testid]):not(:has([data-testid])) > * {{ font-size: 0; }}
{box} > div:not([data-testid]):not(:has([data-testid])) > *::after {{ content: {drop}; font-size: 1rem; }}
{box} [data-testid="stFileChip"][aria-invalid="true"] [role="alert"] {{ font-size: 0; }}
{box} [data-testid="stFileChip"][aria-invalid="true"] [role="alert"]::after {{ content: {refused}; font-size: 0.875rem; }}
[data-testid="stTooltipErrorContent"] {{ font-size: 0 !important; }}
[data-testid="stTooltipErrorContent"]::after {{ content: {refused}; font-size: 0.875rem; }}
{box} button[kind="borderlessIcon"] span[data-has-shortcut] > span:first-child {{ font-size: 0; }}
{box} button[kind="borderlessIcon"] span[data-has-shortcut] > span:first-child::after {{ content: {replace}; font-size: 0.875rem; }}
</style>"""

# Installed once per browser window; each run of a page sets its boxes' words (the language may change).
_NAMES_JS = """<script>
(() => {
  const w = window;
  w.rdUploadWords = Object.assign(w.rdUploadWords || {}, {BOXES});
  const name = (el, text) => { if (el && el.getAttribute('aria-label') !== text) el.setAttribute('aria-label', text); };
  const silence = el => { for (const node of el ? el.childNodes : []) if (node.nodeType === 3 && node.nodeValue) node.nodeValue = ''; };
  const apply = () => {
    for (const [key, words] of Object.entries(w.rdUploadWords)) {
      const zone = document.querySelector('.st-key-' + CSS.escape(key) + ' [data-testid="stFileUploaderDropzone"]');
      if (!zone) continue;
      name(zone.querySelector('input[type="file"]'), words.input);
      const button = zone.querySelector('button[kind="secondary"]');
      name(button, words.button);
      silence(button && button.querySelector('[data-testid="stMarkdownContainer"] p'));  // its name is the whole of it
      name(zone.querySelector('button[kind="borderlessIcon"]'), words.replace);
      for (const chip of zone.querySelectorAll('[data-testid="stFileChip"]')) {
        const file = chip.querySelector('[data-testid="stFileChipName"]');
        name(chip.querySelector('[data-testid="stFileChipDeleteBtn"] button'),
             words.remove + ' ' + (file ? file.textContent : ''));
        for (const alert of chip.querySelectorAll('[role="alert"]')) silence(alert);
      }
      for (const hint of zone.querySelectorAll(':scope > div:not([data-testid]):not(:has([data-testid])) > *')) silence(hint);
    }
    for (const tip of document.querySelectorAll('[data-testid="stTooltipErrorContent"], [data-testid="stTooltipErrorContent"] *')) silence(tip);
  };
  if (!w.rdUploadNames) {
    w.rdUploadNames = new MutationObserver(apply);
    w.rdUploadNames.observe(document.body, {childList: true, subtree: true, characterData: true});
  }
  apply();
})();
</script>"""


def upload_limit(max_mb: float) -> int:
    """The limit a box can keep: the page's own, within the server's (server.maxUploadSize in
    .streamlit/config.toml, which refuses anything larger before the page sees it)."""
    return max(1, min(math.ceil(max_mb), int(st.get_option("server.maxUploadSize"))))


def type_list(types: Sequence[str]) -> str:
    """'.xlsx、.xls、.et' (zh) / '.xlsx, .xls, .et' (en)."""
    return t("uploader.separator").join(f".{kind.lstrip('.')}" for kind in types)


def upload_box(label: str, types: Sequence[str], max_mb: float, key: str, note: str = ""):
    """st.file_uploader that accepts `types` only, up to `max_mb` (within the server's limit), with
    every word of the box in the session's language; `note` (Markdown) is shown under it. The note
    is not the widget's `help`: Streamlit names that tooltip's button "Help for …" in English."""
    limit = upload_limit(max_mb)
    words = {"types": type_list(types), "limit": limit}
    st.html(_CSS.format(box=_BOX.format(key=key), **{
        part: safe_text.css_string(t(f"uploader.{part}", **words))
        for part in ("button", "instructions", "drop", "refused", "replace")}))
    names = {part: t(f"uploader.{part}", **words) for part in ("input", "button", "replace", "remove")}
    st.html(_NAMES_JS.replace("{BOXES}", safe_text.js_data({key: names})), unsafe_allow_javascript=True)
    uploaded = st.file_uploader(label, type=[kind.lstrip(".") for kind in types], max_upload_size=limit, key=key)
    if note:
        st.caption(note)
    return uploaded
