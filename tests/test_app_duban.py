"""Issue 31 on the overview page (AppTest, local sign-in): the last meeting's items with their status,
days late and unit; the chair's form adds this meeting's items; a clerk gets no close button, a viewer
no form at all, another district sees none of the items; a stale update gets one Chinese conflict
message and the other's update stays."""
import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rehabdash.access import audit
from rehabdash.access.accounts import AccountStore
from rehabdash.access.gate import DEMO
from rehabdash.access.workflow import WorkflowStore

from .seed import QINGSHAN, YUANHUI

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "源汇 correct horse"
LAST_TITLE = "上次调度会议定事项落实情况"
XINCAN = "馨灿儿童能力发展中心救助儿童评估积压"  # overdue 16 days on 2025-08-31 (workflow_sample)


@pytest.fixture
def local_auth(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_AUTH", "local")
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("REHAB_DATABASE_URL", raising=False)
    store = AccountStore()
    store.add("yh_admin", PASSWORD, "admin", [YUANHUI])
    store.add("yh_clerk", PASSWORD, "clerk", [YUANHUI])
    store.add("yh_viewer", PASSWORD, "viewer", [YUANHUI])
    store.add("qingshan", PASSWORD, "viewer", [QINGSHAN])
    return store


def login(username: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"year": "2025", **query}.items():
        at.query_params[key] = value
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    return at.run()


def page_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "subheader", "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    parts += [t.value.to_string() for t in at.table]
    return "\n".join(str(p) for p in parts)


def table_with(at: AppTest, column: str):
    return next(t.value for t in at.table if column in t.value.columns)


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_the_overview_shows_the_last_meetings_items_with_status_and_unit(local_auth):
    at = login("yh_viewer")
    assert not at.exception and not at.error
    assert [s.value for s in at.subheader].count(LAST_TITLE) == 1
    table = table_with(at, "落实情况")
    row = table[table["问题"] == XINCAN].iloc[0]
    assert (row["责任单位"], row["完成时限"], row["落实情况"]) == ("馨灿儿童能力发展中心", "2025年8月15日", "✖ 逾期16天")
    assert "✖ 大刘镇：大刘镇残联系统干部入户走访进度慢" in page_text(at)  # beside the lagging list
    # a viewer reads, but gets neither the chair's form nor the update panel
    assert "记录议定事项" not in buttons(at) and "报送进展" not in buttons(at)


def test_a_clerk_may_report_but_not_close(local_auth):
    at = login("yh_clerk")
    assert not at.exception
    assert {"报送进展", "申请办结"} <= set(buttons(at))
    assert "办结" not in buttons(at) and "记录议定事项" not in buttons(at)


def test_another_district_sees_none_of_the_items(local_auth):
    at = login("qingshan", city="漯河市", district="源汇区")  # asks for 源汇区 in the URL: replaced
    assert not at.exception
    text = page_text(at)
    assert "青山区" in text and XINCAN not in text and "馨灿" not in text
    assert "办结" not in buttons(at)


def test_the_chair_adds_an_item_from_the_form(local_auth):
    at = login("yh_admin")
    assert "办结" in buttons(at)
    at.text_input(key="duban_problem_0").input("问十乡康复站用房改造未开工")
    at.text_input(key="duban_decision_0").input("区卫健委10月底前完成改造")
    at.text_input(key="duban_person_0").input("医政股股长")
    unit = at.selectbox(key="duban_unit_0")
    unit.select_index(next(i for i, o in enumerate(unit.options) if "卫生健康" in o))
    next(b for b in at.button if b.label == "记录议定事项").click()
    at.run()
    assert not at.exception
    assert "议定事项已记录。" in [s.value for s in at.success]
    current = table_with(at, "关联指标或站点")
    assert current.iloc[0]["问题"] == "问十乡康复站用房改造未开工"
    assert current.iloc[0]["责任单位"] == "区卫生健康委员会"
    assert current.iloc[0]["完成时限"] == "2025年9月30日"  # 30 days after the meeting of 2025-08-31
    [line] = [e for e in audit.entries("workflow") if e["detail"]["action"] == "record"]
    assert line["user"] == "yh_admin"
    assert at.text_input(key="duban_problem_1").value == ""  # the next form starts empty


def test_a_stale_update_gets_one_conflict_message_and_loses_nothing(local_auth):
    at = login("yh_admin")
    chosen = at.selectbox(key="duban_handle_item").value
    # meanwhile the unit posts an update from another session
    store = WorkflowStore()
    item = store.item(DEMO, chosen)
    store.post_update(DEMO, item.id, item.version, dt.date(2025, 8, 31), "另一处报送的进展")
    at.text_input(key="duban_handle_text").input("主持人的进展")
    next(b for b in at.button if b.label == "报送进展").click()
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "已被demo于" in errors[0] and "您的修改没有保存" in errors[0]
    assert at.text_input(key="duban_handle_text").value == "主持人的进展"  # what was typed stays
    texts = [u.text for u in store.item(DEMO, chosen).updates]
    assert "另一处报送的进展" in texts and "主持人的进展" not in texts
    next(b for b in at.button if b.label == "报送进展").click()  # drawn again with the newest version
    at.run()
    assert "进展已报送。" in [s.value for s in at.success]
    assert "主持人的进展" in [u.text for u in store.item(DEMO, chosen).updates]


def test_the_departments_page_shows_duties_and_items_and_only_the_admin_edits(local_auth):
    at = login("yh_viewer")
    at.switch_page("app_pages/departments.py").run()
    assert not at.exception and not at.error
    assert [s.value for s in at.subheader][:2] == ["区卫生健康委员会", "区民政局"]
    text = page_text(at)
    assert "依托区人民医院" in text and "未办结1项（其中逾期0项），已办结0项" in text
    assert "精神障碍患者免费服药名单与卫健系统不一致" in text  # the health commission's open item
    assert "保存成员单位" not in buttons(at)

    at = login("yh_admin")
    at.switch_page("app_pages/departments.py").run()
    at.text_input(key="dept_name_new").input("区残联康复部")
    at.text_area(key="dept_duties_new").input("组织实施精准康复服务，督办议定事项")
    at.text_input(key="dept_contact_new").input("0395-3120000")
    at.text_input(key="dept_accounts_new").input("yh_clerk")
    next(b for b in at.button if b.label == "保存成员单位").click()
    at.run()
    assert "成员单位已保存。" in [s.value for s in at.success]
    assert "区残联康复部" in [s.value for s in at.subheader]
    [line] = [e for e in audit.entries("workflow") if e["detail"]["action"] == "department"]
    assert line["user"] == "yh_admin"

    at = login("qingshan")
    at.switch_page("app_pages/departments.py").run()
    assert not at.exception and "区卫生健康委员会" not in page_text(at)
