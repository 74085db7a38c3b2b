"""Every refusal is one audit line naming the account and what was asked: a URL or session value
outside the account's regions (replaced in the sidebar), a refused query, a page the role may not open.
A clerk's publish ends on a confirmation; the upload page and the snapshot page show the account's
regions only."""
import dataclasses

from rehabdash import ui
from rehabdash.access import audit
from rehabdash.ingest import read_log
from rehabdash.kernel.scope import Scope

from .conftest import PASSWORD, as_read, log_in, start_app
from .seed import BAOTOU, QINGSHAN
from .workbooks import filled, month_rows

DONGHE = "150202000000"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def login(username: str, state=None, **query):
    return log_in(username, state=state, timeout=90, **query)


def events(name: str) -> list[dict]:
    return audit.entries(name)


def test_a_url_naming_another_district_is_replaced_and_audited_once(local_auth):
    at = login("qingshan", district="东河区", year="2024")
    assert not at.exception
    assert at.selectbox(key="district").value == QINGSHAN
    assert any("东河区" in w.value for w in at.warning)
    at.run()  # reruns do not audit the same replacement again
    [line] = events("value_replaced")
    assert (line["user"], line["scope"]) == ("qingshan", [QINGSHAN])
    assert line["detail"] == {"widget": "district", "asked": "东河区", "shown": "青山区"}


def test_a_session_value_naming_another_district_is_audited(local_auth):
    at = login("qingshan", state={"district": DONGHE, "city": BAOTOU})
    assert not at.exception and at.selectbox(key="district").value == QINGSHAN
    [line] = events("value_replaced")
    assert line["detail"]["asked"] == DONGHE


def test_a_refused_query_leaves_one_audit_line(local_auth, monkeypatch):
    at = login("qingshan")
    real = ui.sidebar.Filters.run

    def forged(self, query, **params):
        return real(dataclasses.replace(self, scope=Scope(BAOTOU, DONGHE)), query, **params)

    monkeypatch.setattr(ui.sidebar.Filters, "run", forged)
    at.run()
    assert "无权查看所选区域的数据" in at.error[0].value
    [line] = events("no_access")
    assert line["user"] == "qingshan" and line["scope"] == [DONGHE] and line["detail"] == {"page": "/"}  # the start page


def test_a_clerks_publish_ends_on_a_confirmation_named_by_the_account(local_auth, sample_data):
    at = login("qs_clerk")
    at.switch_page("app_pages/data_upload.py").run()
    assert not at.exception
    content = filled(sample_data, month_rows(sample_data, (QINGSHAN,)))
    at.file_uploader[0].set_value(("九月.xlsx", content, XLSX))
    at.run()
    # as a reader sees the caption's Markdown (the account name is escaped as literal text)
    assert "填报账号：qs_clerk（数据录入）" in " ".join(as_read(c.value) for c in at.caption)
    at.text_input(key="upload_note").input("bt_admin").run()
    at.button(key="publish").click().run()
    assert not at.exception and not at.error
    assert "已发布数据快照 2025-09-30" in at.success[0].value
    assert not at.get("page_link")  # no link to the admin's snapshot page
    [entry] = read_log(sample_data)
    assert (entry["who"], entry["note"]) == ("qs_clerk", "bt_admin")
    assert {e["user"] for e in events("import") + events("snapshot")} == {"qs_clerk"}


def test_a_clerks_import_of_another_district_is_refused_on_the_page(local_auth, sample_data):
    at = login("qs_clerk")
    at.switch_page("app_pages/data_upload.py").run()
    at.file_uploader[0].set_value(("东河.xlsx", filled(sample_data, month_rows(sample_data, (DONGHE,))), XLSX))
    at.run()
    assert not at.exception
    problems = next(d.value for d in at.dataframe if "修改方法" in d.value.columns)
    assert problems["问题"].str.contains("不在本账号可填报的区域（青山区）内").all()
    assert not [b for b in at.button if b.key == "publish"]
    [line] = events("import_refused")
    assert line["user"] == "qs_clerk"


def test_a_viewers_link_to_the_upload_page_is_refused_and_audited(local_auth):
    at = login("qingshan")
    at.switch_page("app_pages/overview.py")
    from streamlit.runtime.scriptrunner import (
        get_script_run_ctx,  # noqa: F401  (AppTest sets the intent)
    )
    at.query_params.clear()
    at = start_app(state={"_rehab_account": local_auth.get("qingshan"),
                          "_rehab_deep_link": "upload"},  # the page asked for before the login
                   timeout=90)
    assert not at.exception
    assert "此页面需要“数据录入”权限，本账号不能打开" in at.warning[0].value
    [line] = events("role_refused")
    assert line["user"] == "qingshan" and line["detail"] == {"page": "upload", "needs": "clerk"}


def test_the_snapshot_page_of_a_city_admin_shows_its_city_only(local_auth, sample_data):
    from rehabdash import ingest

    from .workbooks import admin

    # a 源汇区 import: the 包头市 admin must not see its changes nor its log line
    yuanhui = admin("yh_admin", ("411102000000",))
    checked = ingest.check_workbook(filled(sample_data, month_rows(sample_data, ("411102000000",))), None, sample_data,
                                    account=yuanhui)
    ingest.publish(checked, yuanhui, "源汇.xlsx", sample_data)
    at = login("city")
    at.switch_page("app_pages/snapshots.py").run()
    assert not at.exception
    assert not [d for d in at.dataframe if "区县" in d.value.columns]  # no change in 包头市
    # for 包头市 (the sample notice stays while sample rows remain, issue 30)
    assert [i.value for i in at.info if not i.value.startswith("示例数据")] == ["两个快照的数据相同。", "还没有导入记录。"]
    assert any("仅显示本账号区域（包头市）" in c.value for c in at.caption)
    log = [d.value for d in at.dataframe if "填报人" in d.value.columns]
    assert not log or "yh_admin" not in log[0]["填报人"].tolist()
    by_table = next(d.value for d in at.dataframe if "原行数" in d.value.columns).set_index("数据表")
    assert by_table.loc["精准康复服务", "新增"] == 0  # 源汇区's new rows are not the city's


def test_an_unreachable_account_database_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("REHAB_AUTH", "local")
    monkeypatch.setenv("REHAB_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    at = start_app(timeout=90)
    at.text_input[0].input("qingshan")
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "账号数据库暂时无法连接" in at.error[0].value


def test_disabling_an_account_ends_its_open_session(local_auth):
    at = login("qingshan")
    assert at.metric
    local_auth.set_disabled("qingshan", True)
    at.run()
    assert not at.exception and not at.metric
    # issue 35: the reason, not "登录已过期" (signing in again would only say "wrong password")
    assert "已被管理员停用" in at.warning[0].value and at.title[0].value == "康复服务看板 · 登录"
