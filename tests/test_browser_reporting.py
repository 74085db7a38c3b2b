"""The reporting cycle (报送, issue 30) in real Chromium on a throw-away copy of the data: a clerk declares
September, uploads one township's month and publishes it; the overview then shows 报送进度 (that
township reported, the others 未报送, named) and stays judged at August (数据完整至 2025年8月)."""
import io

import openpyxl
import pytest

from rehabdash.ingest import layout
from rehabdash.kernel import i18n
from rehabdash.store.snapshots import list_snapshots

from .conftest import assert_clean, wait_for_app
from .test_browser_upload import choose_file, download, upload_server  # noqa: F401 (fixture)
from .workbooks import AS_OF, fill_template, month_rows
from .seed import QINGSHAN

pytestmark = pytest.mark.browser
XIANFENG = "150204001000"


def test_declare_september_upload_publish_then_the_overview_shows_who_reported(upload_server, page,  # noqa: F811 (the fixture)
                                                                                screenshots_dir):
    server, directory = upload_server
    browser_page = page.page
    browser_page.goto(f"{server.url}/upload")
    wait_for_app(browser_page, '[data-testid="stFileUploader"]', timeout=120_000)
    main = browser_page.locator('[data-testid="stMain"]')
    # 报送进度 of September (every unit has reported August): nobody yet
    assert "2025年9月数据" in main.inner_text() and "未报送 86 个" in main.inner_text()
    # the clerk declares September
    month_box = main.locator('[data-testid="stSelectbox"]').filter(has_text="报送月份")
    month_box.locator("input").click()
    browser_page.get_by_role("option", name="2025年9月", exact=True).click()
    wait_for_app(browser_page, '[data-testid="stFileUploader"]', timeout=120_000)

    template = download(browser_page, "下载填报模板（Excel）")
    book = openpyxl.load_workbook(io.BytesIO(template))
    instructions = book[layout.special_sheet("instructions", "zh")]
    declared = {row[0].value: row[1].value for row in instructions.iter_rows() if len(row) > 1}
    assert declared[i18n.text("zh", "template.setting_report_month")] == "2025-09"

    rows = {t: f[f["region_code"] == XIANFENG].reset_index(drop=True)
            for t, f in month_rows(directory, (QINGSHAN,)).items()}
    choose_file(browser_page, "先锋道街道2025年9月.xlsx", fill_template(template, rows))
    browser_page.get_by_text("检查通过").wait_for(timeout=60_000)
    wait_for_app(browser_page, '[data-testid="stDataFrame"]')
    assert "报送月份：2025年9月" in main.inner_text()
    publish = browser_page.get_by_role("button", name="发布为新的数据快照")
    publish.wait_for()
    publish.click()
    browser_page.get_by_text("已发布数据快照 2025-09-30").wait_for(timeout=60_000)
    assert list_snapshots(directory)[0].as_of == AS_OF

    browser_page.goto(f"{server.url}/?year=2025")
    wait_for_app(browser_page, timeout=120_000)  # the overview under a shared machine's load
    browser_page.locator(".st-key-section_reporting").get_by_text("报送进度").wait_for(timeout=30_000)
    text = main.inner_text()
    assert "数据完整至 2025年8月" in text
    assert "序时进度 66.6%" in text  # judged at 31 August: day 243 of 365
    assert "先锋道街道 已先行报送2025年9月数据" in text  # provisional, named
    section = browser_page.locator(".st-key-section_reporting")
    reporting = section.inner_text()
    assert "2025年9月数据" in reporting and "未报送：" in reporting and "幸福路街道" in reporting
    # the table, downloadable, the status in words (not colour alone)
    with browser_page.expect_download() as info:
        section.get_by_role("button", name="下载表格（Excel）").click()
    with open(info.value.path(), "rb") as handle:
        table = openpyxl.load_workbook(io.BytesIO(handle.read())).active
    values = [[c.value for c in r] for r in table.iter_rows()]
    assert values[0][:3] == ["报送状态", "报送单位", "所属区县"]
    status = {r[1]: r[0] for r in values[1:]}
    assert status["幸福路街道"] == "✖ 未报送" and status["先锋道街道"] in ("✔ 已报送", "⚠ 逾期报送")
    section.screenshot(path=str(screenshots_dir / "overview-reporting.png"))
    assert_clean(page)
