"""The upload page in real Chromium against its own `streamlit run` on a throw-away copy of the data:
download the template, fill in one month, upload a broken copy (problem table, nothing published),
then the fixed one, publish it, and find it in the sidebar and on the snapshot page."""
import io
import re

import openpyxl
import pytest

from rehabdash.ingest.publish import read_tables
from rehabdash.access import audit
from rehabdash.store.snapshots import list_snapshots

from .conftest import StreamlitServer, _require_chromium, assert_clean, wait_for_app
from .seed import QINGSHAN
from .workbooks import AS_OF, SEPTEMBER, data_copy, fill_template, month_rows, set_cell

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def upload_server(tmp_path):
    """Its own server: publishing must go to a temporary copy, never to the committed data/."""
    _require_chromium()
    directory = data_copy(tmp_path)
    server = StreamlitServer(env={"REHAB_DATA_DIR": str(directory)})
    yield server, directory
    server.stop()


def exports_audited() -> list[dict]:
    return audit.entries("export")


def choose_file(page, name: str, content: bytes) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": content}])


def download(page, button_text: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name=button_text).click()
    with open(info.value.path(), "rb") as handle:
        return handle.read()


def test_template_broken_copy_then_fixed_copy_published(upload_server, page, screenshots_dir):
    server, directory = upload_server
    before = sorted(p.name for p in (directory / "snapshots").iterdir())
    browser_page = page.page
    browser_page.goto(f"{server.url}/upload")
    wait_for_app(browser_page, '[data-testid="stFileUploader"]')
    assert "数据上传" in browser_page.locator('[data-testid="stMain"]').inner_text()

    start = len(exports_audited())
    template = download(browser_page, "下载填报模板（Excel）")
    assert "精准康复服务" in openpyxl.load_workbook(io.BytesIO(template)).sheetnames
    month = fill_template(template, month_rows(directory, (QINGSHAN,)))
    broken = set_cell(set_cell(month, "rehab_services", 3, "served_count", 999),
                      "child_rehab", 2, "disability_type", "聋哑")

    choose_file(browser_page, "青山区2025年9月-有误.xlsx", broken)
    browser_page.get_by_text("发现 2 个问题，没有发布任何数据").wait_for(timeout=60_000)
    wait_for_app(browser_page, '[data-testid="stDataFrame"]')
    main = browser_page.locator('[data-testid="stMain"]')
    assert "检查结果" in main.inner_text()
    assert browser_page.get_by_role("button", name="发布为新的数据快照").count() == 0
    browser_page.screenshot(path=str(screenshots_dir / "upload-problems.png"), full_page=True)
    problems = openpyxl.load_workbook(io.BytesIO(download(browser_page, "下载表格（Excel）"))).active
    rows = [[c.value for c in row] for row in problems.iter_rows()]
    assert rows[0] == ["工作表", "行", "列", "填写内容", "问题", "修改方法"]
    assert [r[:4] for r in rows[1:]] == [["精准康复服务", "3", "服务人数", "999"],
                                         ["儿童康复救助", "2", "残疾类别", "聋哑"]]
    # built on the click, and the click is still audited as an export
    assert [e["detail"]["file"] for e in exports_audited()[start:]] == ["数据检查问题.xlsx"]
    assert sorted(p.name for p in (directory / "snapshots").iterdir()) == before

    choose_file(browser_page, "青山区2025年9月.xlsx", month)
    browser_page.get_by_text("检查通过").wait_for(timeout=60_000)
    wait_for_app(browser_page, '[data-testid="stDataFrame"]')
    # the submitter is the signed-in account (the demo one here); the note is free text beside it
    assert "填报账号：demo（管理员）" in browser_page.locator('[data-testid="stMain"]').inner_text()
    browser_page.get_by_role("textbox", name="备注（可选）").fill("张三")
    browser_page.get_by_role("textbox", name="备注（可选）").press("Enter")
    publish = browser_page.get_by_role("button", name="发布为新的数据快照")
    publish.wait_for()
    browser_page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('发布为新的数据快照')"
        " && !b.disabled)", timeout=15_000)
    publish.click()
    browser_page.get_by_text("已发布数据快照 2025-09-30").wait_for(timeout=60_000)
    wait_for_app(browser_page, '[data-testid="stAlertContentSuccess"]')
    browser_page.screenshot(path=str(screenshots_dir / "upload-published.png"), full_page=True)
    sidebar = browser_page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="数据快照").locator("input").click()
    assert browser_page.get_by_role("option", name=AS_OF.isoformat()).count() == 1
    browser_page.keyboard.press("Escape")
    newest = list_snapshots(directory)[0]
    assert newest.as_of == AS_OF and newest.valid and newest.source == "import"
    assert_clean(page)

    browser_page.goto(f"{server.url}/snapshots")
    wait_for_app(browser_page, '[data-testid="stDataFrame"]')
    text = browser_page.locator('[data-testid="stMain"]').inner_text()
    assert "数据快照" in text and "两个快照的差异" in text and "导入记录" in text
    browser_page.screenshot(path=str(screenshots_dir / "snapshots.png"), full_page=True)
    assert_clean(page)


def test_messy_workbooks_one_refused_one_accepted(upload_server, page, screenshots_dir):
    """A copied sheet with the month in it is refused naming the copy; headers with Alt+Enter line breaks
    and age bands typed with a hyphen or a full-width tilde are accepted and published."""
    from . import workbook_corpus as corpus

    server, directory = upload_server
    before = sorted(p.name for p in (directory / "snapshots").iterdir())
    browser_page = page.page
    browser_page.goto(f"{server.url}/upload")
    wait_for_app(browser_page, '[data-testid="stFileUploader"]')

    choose_file(browser_page, "青山区9月-副本.xlsx", corpus.copied_sheet(directory))
    browser_page.get_by_text("没有发布任何数据").first.wait_for(timeout=60_000)
    wait_for_app(browser_page, '[data-testid="stDataFrame"]')
    browser_page.screenshot(path=str(screenshots_dir / "upload-copied-sheet.png"), full_page=True)
    problems = openpyxl.load_workbook(io.BytesIO(download(browser_page, "下载表格（Excel）"))).active
    rows = [[c.value for c in row] for row in problems.iter_rows()]
    copied = [r for r in rows[1:] if r[0] == "精准康复服务 (2)"]
    assert copied and "副本" in copied[0][4] and "精准康复服务" in copied[0][5]
    assert browser_page.get_by_role("button", name="发布为新的数据快照").count() == 0
    assert sorted(p.name for p in (directory / "snapshots").iterdir()) == before

    def messy(book):
        sheet = book[corpus.SHEET["rehab_services"]]
        sheet.cell(1, corpus.column_number(sheet, "服务人数")).value = "服务\n人数"
        sheet = book[corpus.SHEET["child_rehab"]]
        column = corpus.column_number(sheet, "年龄段")
        for row in range(2, sheet.max_row + 1):
            value = sheet.cell(row, column).value
            sheet.cell(row, column).value = {"0–3岁": "0-3岁", "4–6岁": "4～6岁"}.get(value, value)

    choose_file(browser_page, "青山区2025年9月.xlsx", corpus.edit(corpus.base(directory), messy))
    browser_page.get_by_text("检查通过").wait_for(timeout=60_000)
    browser_page.get_by_role("textbox", name="备注（可选）").fill("张三")  # the account is who; a note beside it
    browser_page.get_by_role("textbox", name="备注（可选）").press("Enter")
    browser_page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('发布为新的数据快照')"
        " && !b.disabled)", timeout=15_000)
    browser_page.get_by_role("button", name="发布为新的数据快照").click()
    browser_page.get_by_text("已发布数据快照 2025-09-30").wait_for(timeout=60_000)
    browser_page.screenshot(path=str(screenshots_dir / "upload-messy-published.png"), full_page=True)
    newest = list_snapshots(directory)[0]
    assert newest.as_of == AS_OF and newest.valid and newest.log["who"] == "demo" and newest.log["note"] == "张三"
    # the right numbers: September in the new version is the workbook's, age bands read as their codes
    published, expected = read_tables(newest), corpus.base_rows(directory)
    for table, column in (("rehab_services", "served_count"), ("child_rehab", "aided")):
        september = published[table][published[table]["period"] == SEPTEMBER]
        assert len(september) == len(expected[table]) and september[column].sum() == expected[table][column].sum()
    september = published["child_rehab"][published["child_rehab"]["period"] == SEPTEMBER]
    assert september["age_band"].value_counts().to_dict() == expected["child_rehab"]["age_band"].value_counts().to_dict()
    assert_clean(page)


# Words the uploader may show that are not English: units, the accepted types, WPS (a product).
NOT_ENGLISH = {"MB", "KB", "B", "WPS", "xlsx", "xlsm", "xls", "et", "ods", "geojson", "json", "zip", "kml", "kmz"}
# Every word the uploader draws: its text (Material icon names aside: they are drawn as symbols), the
# text CSS puts before or after an element, and the error tooltip (drawn outside the box).
SHOWN_WORDS_JS = """box => {
    const shown = [];
    for (const el of [box, ...box.querySelectorAll("*")]) {
        if (el.closest('[data-testid="stIconMaterial"]') || !el.checkVisibility()) continue;
        if (parseFloat(getComputedStyle(el).fontSize) > 0)
            for (const node of el.childNodes) if (node.nodeType === 3) shown.push(node.textContent);
        for (const where of ["::before", "::after"]) {
            const content = getComputedStyle(el, where).content;
            if (content && content !== "none" && content !== "normal") shown.push(content);
        }
    }
    for (const tip of document.querySelectorAll('[data-testid="stTooltipErrorContent"]'))
        shown.push(getComputedStyle(tip, "::after").content);
    return shown.join(" ");
}"""


def english_words(text: str) -> list[str]:
    import re
    return [w for w in re.findall(r"[A-Za-z]+", text) if w not in NOT_ENGLISH]


def test_the_upload_box_speaks_chinese_with_the_real_types_and_limit(app_server, page):
    """Issue 36: Streamlit's "Upload", "Drag and drop", "200MB per file • … ODS, CSV, TXT" on a Chinese
    page whose limit is 50 MB and which refuses those types."""
    browser_page = page.page
    browser_page.goto(f"{app_server.url}/upload")
    wait_for_app(browser_page, '[data-testid="stFileUploader"]')
    box = browser_page.locator('[data-testid="stFileUploader"]')
    shown = box.evaluate(SHOWN_WORDS_JS)
    assert english_words(shown) == [], shown
    assert "选择文件" in shown and "单个文件不超过 50 MB" in shown, shown
    accept = box.locator('input[type="file"]').get_attribute("accept")
    assert set(accept.split(",")) - {"application/streamlit"} == {".xlsx", ".xlsm", ".xls", ".et"}
    # a file dragged over the box
    transfer = browser_page.evaluate_handle(
        "() => { const t = new DataTransfer(); t.items.add(new File(['x'], '表.xlsx')); return t; }")
    browser_page.dispatch_event('[data-testid="stFileUploaderDropzone"]', "dragenter", {"dataTransfer": transfer})
    # Streamlit's hint (its English words emptied by the page's script, the locale's drawn by CSS)
    box.locator('[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):not(:has([data-testid]))').wait_for(
        state="attached", timeout=5_000)
    shown = box.evaluate(SHOWN_WORDS_JS)
    assert english_words(shown) == [] and "松开鼠标即可上传" in shown, shown
    browser_page.dispatch_event('[data-testid="stFileUploaderDropzone"]', "dragleave", {"dataTransfer": transfer})
    # a type the box refuses: its message, on the chip and in the tooltip, is Chinese
    box.locator('input[type="file"]').set_input_files(files=[
        {"name": "旧表.ods", "mimeType": "application/vnd.oasis.opendocument.spreadsheet", "buffer": b"PK\x03\x04"}])
    chip = box.locator('[data-testid="stFileChip"][aria-invalid="true"]')
    chip.wait_for(timeout=10_000)
    chip.hover()
    browser_page.locator('[data-testid="stTooltipErrorContent"]').wait_for(timeout=5_000)
    shown = box.evaluate(SHOWN_WORDS_JS)
    assert english_words(shown) == [], shown
    assert "未上传：只接受 .xlsx、.xlsm、.xls、.et 文件，且不超过 50 MB" in shown, shown
    assert_clean(page)


def read_out(tree: str) -> str:
    """The names and text of an aria snapshot, without its role words (button, text, region …)."""
    return "\n".join(re.sub(r"^\s*- [a-z]+(?: \"(.*)\")?:? ?", r"\1 ", line) for line in tree.splitlines())


def test_the_upload_boxes_name_themselves_in_chinese_to_a_screen_reader(app_server, page):
    """What the accessibility tree gives a screen reader, not what is drawn: Streamlit names the input
    "file upload", the button "Upload", a chip's delete button "Remove <file>" and the other "Add files",
    and says "Error: … files are not allowed." — English on a Chinese page."""
    browser_page = page.page
    for path, label in (("upload", "选择填好的 .xlsx 文件"), ("boundaries", "边界文件")):
        browser_page.goto(f"{app_server.url}/{path}")
        wait_for_app(browser_page, '[data-testid="stFileUploader"]')
        box = browser_page.locator('[data-testid="stFileUploader"]')
        box.get_by_role("button", name="选择文件", exact=True).wait_for(timeout=10_000)
        assert box.get_by_role("button", name="选择要上传的文件", exact=True).count() == 1
        tree = box.aria_snapshot()
        assert label in tree and english_words(read_out(tree)) == [], tree
        box.locator('input[type="file"]').set_input_files(files=[
            {"name": "旧表.ods", "mimeType": "application/vnd.oasis.opendocument.spreadsheet", "buffer": b"PK\x03\x04"}])
        box.get_by_role("button", name="移除文件 旧表.ods", exact=True).wait_for(timeout=10_000)
        assert box.get_by_role("button", name="换一个文件", exact=True).count() == 1
        assert box.get_by_role("alert").inner_text().strip() == ""  # its words are drawn by CSS: below
        tree = box.aria_snapshot()
        assert "未上传：只接受" in tree and english_words(read_out(tree).replace("add icon", "")) == [], tree
    assert_clean(page)


def test_the_upload_box_names_follow_the_english_switch(app_server, page):
    browser_page = page.page
    browser_page.goto(f"{app_server.url}/upload?lang=English")
    wait_for_app(browser_page, '[data-testid="stFileUploader"]')
    box = browser_page.locator('[data-testid="stFileUploader"]')
    box.get_by_role("button", name="Choose file", exact=True).wait_for(timeout=10_000)
    assert box.get_by_role("button", name="Choose a file to upload", exact=True).count() == 1
    assert not re.search(r"[\u4e00-\u9fff]", read_out(box.aria_snapshot()))
