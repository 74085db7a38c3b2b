"""A district account signs in in real Chromium and sees its district only."""
import pytest

from .conftest import RecordedPage, assert_clean, sign_in, signed_in_server, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    server = signed_in_server(tmp_path_factory.mktemp("instance"), "qingshan")
    yield server
    server.stop()


def test_district_account_sees_only_its_district(local_server, browser, screenshots_dir):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = RecordedPage(context.new_page())
    sign_in(page.page, "qingshan", at=f"{local_server.url}/?year=2024&district=东河区")
    wait_for_app(page.page)
    main = page.page.locator('[data-testid="stMain"]').inner_text()
    assert "包头市 / 青山区" in main and "东河区" not in main
    values = page.page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert values[:3] == ["727", "233", "98"]  # 青山区 2024, not the city's 6260 / 2017 / 814
    sidebar = page.page.locator('[data-testid="stSidebar"]').inner_text()
    assert "qingshan（查看）" in sidebar
    page.page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="区县").locator("input").click()
    options = page.page.get_by_role("option").all_inner_texts()
    assert options == ["青山区"]
    page.page.keyboard.press("Escape")
    page.page.screenshot(path=str(screenshots_dir / "access-qingshan.png"), full_page=True)
    assert_clean(page)
    context.close()
