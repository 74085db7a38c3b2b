"""The township boundary page in real Chromium against its own `streamlit run` on a throw-away data
directory: a file with three problems refused (nothing published), a projected Shapefile published,
and the facility map then drawing the imported townships without the 示意 label."""
import pytest

from .conftest import StreamlitServer, _require_chromium, assert_clean, data_copy, wait_for_app
from .test_boundary_import import shapefile_zip, surveyed, three_problems

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    _require_chromium()
    directory = data_copy(tmp_path, newest_only=True)
    running = StreamlitServer(env={"REHAB_DATA_DIR": str(directory),
                                   "REHAB_INSTANCE_DIR": str(tmp_path / "instance")})
    yield running, directory
    running.stop()


def choose_file(page, name: str, content: bytes, mime: str) -> None:
    """Choose the file and wait until the app has rerun with it (a click before that hits the old run)."""
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.locator('[data-testid="stFileUploader"]').get_by_text(name).wait_for(timeout=30_000)
    wait_for_app(page, '[data-testid="stFileUploader"]')


def test_refused_then_published_then_drawn(server, page, screenshots_dir):
    running, directory = server
    browser = page.page
    browser.goto(f"{running.url}/boundaries")
    wait_for_app(browser, '[data-testid="stFileUploader"]')
    assert "乡镇边界导入" in browser.locator('[data-testid="stMain"]').inner_text()

    choose_file(browser, "乡镇.geojson", three_problems()[0], "application/geo+json")
    browser.get_by_role("button", name="检查").click()
    browser.get_by_text("发现 3 个问题，未发布任何内容").wait_for(timeout=60_000)
    wait_for_app(browser, '[data-testid="stTable"]')  # the problems, each sentence whole
    browser.screenshot(path=str(screenshots_dir / "boundaries-refused.png"), full_page=True)
    assert browser.get_by_role("button", name="发布").count() == 0
    assert not (directory / "boundaries").exists()

    towns = dict(list(surveyed().items())[:3])
    choose_file(browser, "源汇区乡镇.zip", shapefile_zip(towns, 4547), "application/zip")
    browser.get_by_role("button", name="检查").click()
    browser.get_by_text("检查通过：3 个要素").wait_for(timeout=60_000)
    browser.get_by_role("button", name="发布").click()
    browser.get_by_text("已发布 3 个乡镇（街道）边界。").wait_for(timeout=60_000)
    wait_for_app(browser, '[data-testid="stDataFrame"]')
    browser.screenshot(path=str(screenshots_dir / "boundaries-published.png"), full_page=True)
    assert (directory / "boundaries" / "townships.geojson").is_file()
    assert_clean(page)

    browser.goto(f"{running.url}/map?city=漯河市&district=源汇区")
    wait_for_app(browser, "iframe")
    frame = browser.frame_locator("iframe").first
    frame.locator(".rd-township").first.wait_for(timeout=30_000)
    # three imported townships drawn, plus the approximate cells of the others
    assert frame.locator(".rd-township").count() == 9
    browser.screenshot(path=str(screenshots_dir / "boundaries-map.png"), full_page=True)
