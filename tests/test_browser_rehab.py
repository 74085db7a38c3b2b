"""The 精准康复与残疾预防 page in real Chromium, in Chinese: seed figures, charts drawn, nothing leaves the
machine; a link carries the view."""
import pytest

from .conftest import assert_clean, metric_values, open_whole_page, wait_for_app

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"]'


def open_rehab(recorded, url: str):
    page = open_whole_page(recorded, url, 5200, timeout=60_000)
    page.locator(CHART).nth(4).locator(".main-svg").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    return page


def test_baotou_2024_in_chinese(app_server, page, screenshots_dir):
    browser_page = open_rehab(page, f"{app_server.url}/rehab?year=2024")
    assert browser_page.locator("h1").first.inner_text().strip() == "精准康复与残疾预防"
    shown = metric_values(browser_page)
    assert shown["精准康复服务人数"] == "6260" and shown["精准康复服务率"] == "99.57%"
    assert shown["任务完成率"] == "110.6%"
    assert shown["弱视儿童救助人数"] == "170" and shown["白内障复明手术例数"] == "182"
    assert shown["新生儿听力筛查人数"] == "100" and shown["高危孕产妇产前筛查人数"] == "100"
    assert shown["精神障碍患者免费服药人数"] == "201" and shown["心理康复项目"] == "50"
    assert shown["精神障碍患者住院补贴"] == "8" and shown["自助互助康复基地"] == "98"
    assert shown["举办培训（场次）"] == "10"
    text = browser_page.locator('[data-testid="stMain"]').inner_text()
    assert "✔ 达标" in text and "基地 5 个，就业 4 人" in text and "九原区" in text
    assert "+51.8%" in text and "51.7%" in text  # the sample's rounding, said on the page
    assert browser_page.locator(CHART).count() == 5
    assert browser_page.locator('[data-testid="stSidebar"]').get_by_text("精准康复与残疾预防").count() == 1
    browser_page.screenshot(path=str(screenshots_dir / "rehab-baotou-2024.png"), full_page=True)
    assert_clean(page)


def test_yuanhui_2025_outreach(app_server, page, screenshots_dir):
    browser_page = open_rehab(page, f"{app_server.url}/rehab?year=2025&city=漯河市&district=源汇区")
    shown = metric_values(browser_page)
    assert (shown["入户走访户数"], shown["解决康复需求"], shown["义诊及知识讲座场次"],
            shown["发放宣传资料份数"], shown["受益群众人次"]) == ("1200", "268", "22", "2000", "2500")
    assert shown["精准康复服务率"] == "100%"
    assert "漯河市 / 源汇区" in browser_page.locator('[data-testid="stMain"]').inner_text()
    browser_page.screenshot(path=str(screenshots_dir / "rehab-yuanhui-2025.png"), full_page=True)
    assert_clean(page)


def test_overview_card_links_to_the_page_and_keeps_the_view(app_server, page):
    browser_page = page.page
    browser_page.set_viewport_size({"width": 1400, "height": 2000})
    browser_page.goto(f"{app_server.url}/?year=2024&district=青山区")
    wait_for_app(browser_page, timeout=60_000)
    main = browser_page.locator('[data-testid="stMain"]')
    for title in ("精准康复与残疾预防", "辅具适配", "儿童康复救助", "资金投入"):  # one link under each card
        assert main.locator('[data-testid="stPageLink"]').filter(has_text=title).count() == 1
    main.locator('[data-testid="stPageLink"]').filter(has_text="精准康复与残疾预防").click()
    browser_page.wait_for_url("**/rehab**", timeout=30_000)
    wait_for_app(browser_page, timeout=60_000)
    assert browser_page.locator("h1").first.inner_text().strip() == "精准康复与残疾预防"
    assert "包头市 / 青山区 · 2024年" in main.inner_text()
    assert "district=" in browser_page.url and "year=2024" in browser_page.url
    assert_clean(page)
