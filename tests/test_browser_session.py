"""Sign-in in real Chromium with REHAB_AUTH=local: a deep link asked for before the login opens after it,
the login survives a reload, logging out shows no traceback and ends the sign-in (also after a reload),
and a clerk's publish ends on a confirmation."""
import pytest

from rehabdash.ingest import read_log

from .conftest import RecordedPage, _require_chromium, assert_clean, sign_in, signed_in_server, wait_for_app
from .seed import QINGSHAN
from .workbooks import data_copy, filled, month_rows

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def session_server(tmp_path_factory):
    _require_chromium()
    root = tmp_path_factory.mktemp("session")
    directory = data_copy(root)
    (root / "instance").mkdir()
    server = signed_in_server(root / "instance", "qingshan", "qs_clerk", env={"REHAB_DATA_DIR": str(directory)})
    yield server, directory
    server.stop()


@pytest.fixture
def fresh_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    yield RecordedPage(context.new_page())
    context.close()


def test_deep_link_reload_and_logout(session_server, fresh_page, screenshots_dir):
    server, _ = session_server
    page = fresh_page.page
    sign_in(page, "qingshan", at=f"{server.url}/map?year=2024")
    wait_for_app(page, '[data-testid="stSidebar"] button:has-text("退出登录")')
    page.get_by_text("三级康复服务网络挂图").wait_for(timeout=30_000)
    assert page.url.startswith(f"{server.url}/map") and "year=2024" in page.url  # the link asked for

    page.reload()
    wait_for_app(page, '[data-testid="stSidebar"] button:has-text("退出登录")')
    page.get_by_text("三级康复服务网络挂图").wait_for(timeout=30_000)
    assert page.get_by_label("密码").count() == 0  # still signed in
    assert "qingshan（查看）" in page.locator('[data-testid="stSidebar"]').inner_text()
    page.screenshot(path=str(screenshots_dir / "session-after-reload.png"), full_page=True)

    # a viewer's link to the admin's page: a message in Chinese, not Streamlit's "Page not found"
    page.goto(f"{server.url}/snapshots")
    page.get_by_text("此页面需要“管理员”权限，本账号不能打开").wait_for(timeout=30_000)
    assert "Page not found" not in page.locator("body").inner_text()
    page.screenshot(path=str(screenshots_dir / "session-viewer-refused.png"), full_page=True)

    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("密码").wait_for(timeout=30_000)
    wait_for_app(page, 'input[type="password"]')
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "has no attribute" not in page.locator("body").inner_text()
    page.screenshot(path=str(screenshots_dir / "session-after-logout.png"), full_page=True)
    page.reload()  # the cookie is gone and its token void: the login form again
    page.get_by_label("密码").wait_for(timeout=30_000)
    assert "rehab_session" not in {c["name"] for c in page.context.cookies()}
    assert_clean(fresh_page)


def test_a_clerks_publish_ends_on_a_confirmation(session_server, fresh_page, screenshots_dir):
    server, directory = session_server
    page = fresh_page.page
    sign_in(page, "qs_clerk", at=f"{server.url}/upload")
    wait_for_app(page, '[data-testid="stFileUploader"]')
    content = filled(directory, month_rows(directory, (QINGSHAN,)))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "青山区2025年9月.xlsx", "mimeType": XLSX, "buffer": content}])
    page.get_by_text("检查通过").wait_for(timeout=60_000)
    wait_for_app(page, '[data-testid="stDataFrame"]')
    assert "填报账号：qs_clerk（数据录入）" in page.locator('[data-testid="stMain"]').inner_text()
    page.get_by_role("textbox", name="备注（可选）").fill("bt_admin")
    page.get_by_role("textbox", name="备注（可选）").press("Enter")
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="发布为新的数据快照").click()
    page.get_by_text("已发布数据快照 2025-09-30").wait_for(timeout=60_000)
    wait_for_app(page, '[data-testid="stAlertContentSuccess"]')
    page.screenshot(path=str(screenshots_dir / "session-clerk-published.png"), full_page=True)
    body = page.locator("body").inner_text()
    assert "StreamlitPageNotFoundError" not in body and "Traceback" not in body
    entry = read_log(directory)[-1]
    assert (entry["who"], entry["note"]) == ("qs_clerk", "bt_admin")
    assert_clean(fresh_page)
