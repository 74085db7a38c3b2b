"""Every page of app.py for every kind of account, with sign-in on: a page the role may open runs without
an exception or error and shows its heading; one it may not open says so in Chinese; signed out, every
page is the login form. The page list is the library's PAGES table (conftest.app_pages)."""
import pytest

from rehabdash.access import gate

from .conftest import ACCOUNTS, app_pages, start_app

PAGES = [p for p in app_pages() if p.only_when is None]  # setup appears on an empty data directory only
SIGNED_OUT = "signed out"
# The heading each page draws (st.title), in Chinese.
HEADINGS = {
    "overview": "总览",
    "rehab": "精准康复与残疾预防",
    "map": "三级康复服务网络挂图",
    "funding": "资金投入",
    "devices": "辅具适配",
    "children": "残疾儿童康复救助",
    "institutions": "定点机构",
    "departments": "部门联动",
    "upload": "数据上传",
    "snapshots": "数据快照",
    "boundaries": "乡镇边界导入",
}
RANK = {"viewer": 0, "clerk": 1, "admin": 2}  # each role may do what the roles before it may
REFUSED = "此页面需要“{role}”权限，本账号不能打开。请在左侧选择其他页面。"
ROLE_NAMES = {"clerk": "数据录入", "admin": "管理员"}


def test_the_page_table_holds_every_page_with_its_role():
    assert {p.url_path for p in PAGES} == set(HEADINGS)
    assert {p.url_path: p.role for p in PAGES if p.role != "viewer"} == {
        "upload": "clerk", "snapshots": "admin", "boundaries": "admin"}


@pytest.mark.parametrize("username", [*ACCOUNTS, SIGNED_OUT])
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.url_path)
def test_every_page_for_every_account(local_auth, page, username):
    if username == SIGNED_OUT:
        at = start_app(page.script)
        assert not at.exception, at.exception
        assert [t.value for t in at.title] == ["康复服务看板 · 登录"]
        assert not at.metric and not at.dataframe
        return
    role = ACCOUNTS[username][0]
    # As a signed-in browser asking for the page's URL (/upload): the deep link app.py opens.
    at = start_app(state={gate.ACCOUNT_KEY: local_auth.get(username), gate.DEEP_LINK_KEY: page.url_path})
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    if RANK[role] >= RANK[page.role]:
        assert not at.error, [e.value for e in at.error]
        assert [t.value for t in at.title][:1] == [HEADINGS[page.url_path]]
        assert not any("权限" in w for w in warnings), warnings
    else:
        assert REFUSED.format(role=ROLE_NAMES[page.role]) in warnings
        assert HEADINGS[page.url_path] not in [t.value for t in at.title]
        assert not at.metric and not at.dataframe
