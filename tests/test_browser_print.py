"""Issue 36: the overview and every topic page print (the browser's Save as PDF) on A4 landscape, every
sheet headed with the scope, the year, the snapshot's date and the sample notice. Chromium's own PDF
(print media, the page's @page size), read back with pdftotext."""
from __future__ import annotations

import re
import subprocess

import pytest

from rehabdash.access import pages

from .conftest import RecordedPage, assert_clean, require_tool, wait_for_app

pytestmark = pytest.mark.browser

A4_LANDSCAPE = (841.9, 595.3)  # points: 297 × 210 mm (Chromium rounds to whole pixels: 595.0)
READY = '[data-testid="stMetricValue"], [data-testid="stPlotlyChart"], [data-testid="stTable"], iframe'


def sheets(pdf) -> list[str]:
    """The text of each sheet of `pdf` (pdftotext separates them by form feeds)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [s for s in text.split("\f") if s.strip()]


def sheet_sizes(pdf) -> set[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    return {tuple(round(float(v), 1) for v in line.split(":", 1)[1].split("pts")[0].split(" x "))
            for line in info.splitlines() if "size:" in line and line.startswith("Page")}


@pytest.mark.parametrize("page_path", [p.url_path for p in pages.TOPIC_PAGES])
def test_every_topic_page_prints_on_a4_landscape_with_its_head_on_every_sheet(app_server, browser, tmp_path,
                                                                               page_path):
    require_tool("pdftotext")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.goto(f"{app_server.url}/{'' if page_path == 'overview' else page_path}?year=2025")
    wait_for_app(page, READY, timeout=60_000)
    page.wait_for_timeout(1500)
    page.emulate_media(media="print")
    pdf = tmp_path / f"{page_path}.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    assert all(abs(w - A4_LANDSCAPE[0]) <= 1 and abs(h - A4_LANDSCAPE[1]) <= 1 for w, h in sheet_sizes(pdf))
    printed = sheets(pdf)
    assert printed
    for number, sheet in enumerate(printed, start=1):
        head = sheet.strip().splitlines()[0]
        assert "包头市 · 2025年 · 数据截至 2025年8月31日" in head, (number, head)
        assert "样例数据，非真实统计" in head, (number, head)
        assert re.search(rf"\b{number}\s*/\s*{len(printed)}\s*$", sheet.rstrip())  # its number at its foot
    assert "切换范围" not in "".join(printed) and "退出会议模式" not in "".join(printed)
    assert_clean(recorded)
    context.close()


def test_the_sidebar_and_the_exports_are_not_printed(app_server, browser, tmp_path):
    require_tool("pdftotext")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{app_server.url}/?year=2025")
    wait_for_app(page)
    page.emulate_media(media="print")
    pdf = tmp_path / "overview.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    text = "".join(sheets(pdf))
    assert "精准康复服务人数" in text and "4412" in text  # the figures, …
    assert "数据快照" not in text and "会议模式" not in text and "下载调度会简报" not in text  # … not the chrome
    context.close()
