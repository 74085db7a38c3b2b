"""Names from data, links and other accounts reach Streamlit's Markdown as text: a name written as a
Markdown image, link or HTML shows as written and makes the browser fetch nothing (the elements read
with a CommonMark reader, markdown-it-py, as the browser's Markdown would)."""
# ruff: noqa: F811 (data_dir, the fixture imported from test_boundary_import, is a parameter of a test)
from __future__ import annotations

from markdown_it import MarkdownIt
from shapely.geometry import mapping

from rehabdash.access.accounts import AccountStore

from .conftest import PASSWORD, log_in
from .hostile import EVIL_HOST, PAYLOADS, publish_hostile
from .seed import YUANHUI
from .test_app_duban import local_auth as duban_auth, login as duban_login  # noqa: F401 (the fixture)
from .test_boundary_import import data_dir, geojson, surveyed  # noqa: F401 (data_dir: the fixture)

MARKUP = (PAYLOADS["image"], PAYLOADS["link"], PAYLOADS["html"])


def rendered(text: str) -> str:
    return MarkdownIt().render(text)


def assert_literal(text: str, name: str) -> None:
    """`text`, read as Markdown, has no image, link or raw HTML, and shows `name` as written."""
    html = rendered(text)
    assert "<img" not in html and "<a " not in html and "<script" not in html, html
    shown = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert shown in html, html


def test_a_link_naming_a_district_in_markdown_is_repeated_as_text(local_auth):
    """The warning that a link's district is not the account's repeats the link's own text."""
    at = log_in("qingshan", district=PAYLOADS["image"], timeout=90)
    assert not at.exception
    [warning] = [w.value for w in at.warning if EVIL_HOST in w.value]
    assert_literal(warning, PAYLOADS["image"])


def test_the_snapshot_pages_scope_names_its_townships_as_text(tmp_path, monkeypatch, local_auth):
    published = publish_hostile(tmp_path)
    monkeypatch.setenv("REHAB_DATA_DIR", str(published.directory))
    from rehabdash.ingest.publish import read_tables
    from .workbooks import newest
    regions = read_tables(newest(published.directory))["regions"]
    named = dict(zip(regions["name"], regions["region_code"]))
    hostile = [n for n in published.names["regions"] if n.startswith(MARKUP)]
    local_auth.add("town_admin", PASSWORD, "admin", [named[n] for n in hostile])
    at = log_in("town_admin", timeout=120)
    at.switch_page("app_pages/snapshots.py").run()
    assert not at.exception
    [caption] = [c.value for c in at.caption if "快照差异" in c.value]
    for name in hostile:
        assert_literal(caption, name)


def test_the_upload_page_names_the_account_as_text(local_auth):
    name = PAYLOADS["image"]
    local_auth.add(name, PASSWORD, "clerk", ["150204000000"])
    at = log_in(name, timeout=120)
    at.switch_page("app_pages/data_upload.py").run()
    at.file_uploader[0].set_value(("表.xlsx", b"not a workbook", "application/vnd.openxmlformats-"
                                                                  "officedocument.spreadsheetml.sheet"))
    at.run()
    assert not at.exception
    [caption] = [c.value for c in at.caption if "填报账号" in c.value]
    assert_literal(caption, name)


def test_a_boundary_files_names_in_the_problem_table_are_text(data_dir, monkeypatch):
    """A feature's code and name as the file wrote them, repeated in the problem table (st.table)."""
    import io
    monkeypatch.setenv("REHAB_AUTH", "local")
    AccountStore().add("yh_admin", PASSWORD, "admin", [YUANHUI])
    (_, (_, polygon)), = list(surveyed().items())[:1]
    content = geojson([({"代码": PAYLOADS["image"], "名称": PAYLOADS["link"]}, mapping(polygon))])
    at = log_in("yh_admin")
    at.switch_page("app_pages/boundaries.py").run()
    at.file_uploader[0].set_value(("乡镇.geojson", io.BytesIO(content).getvalue(), "application/geo+json"))
    at.run()
    at.button(key="boundaries_check").click()
    at.run()
    assert not at.exception
    [table] = at.table
    cells = [str(v) for v in table.value.to_numpy().ravel() if EVIL_HOST in str(v)]
    assert cells, table.value.to_string()
    for cell in cells:
        assert_literal(cell, PAYLOADS["image"])


def test_a_departments_name_in_markdown_is_text_in_its_form_and_its_refusal(duban_auth):
    name = PAYLOADS["image"]
    at = duban_login("yh_admin")
    at.switch_page("app_pages/departments.py").run()
    for _ in range(2):  # the second time the name exists: the refusal repeats it
        at.text_input(key="dept_name_new").input(name)
        at.text_area(key="dept_duties_new").input("职责")
        next(b for b in at.button if b.label == "保存成员单位").click()
        at.run()
    assert not at.exception
    [label] = [e.label for e in at.expander if EVIL_HOST in e.label]
    assert_literal(label, name)
    [error] = [e.value for e in at.error]
    assert_literal(error, name)
