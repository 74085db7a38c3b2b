"""Issue 31: the dispatch meeting's decided items (督办) and member departments as workflow data, on
SQLite and on PostgreSQL: who may do what (checked in the library), optimistic concurrency (two edits of
one version: one Chinese conflict message, nothing lost), the audit, bounded text, and the status of
the sample's items counted by hand from workflow_sample's dates."""
import datetime as dt
import threading

import pytest

from rehabdash.access import audit, workflow_sample
from rehabdash.access.accounts import Account
from rehabdash.access.workflow import LIMITS, Unit, WorkflowStore
from rehabdash.kernel.errors import EditConflict, TextTooLong, WorkflowRefused
from rehabdash.topics import decisions

from .seed import BAOTOU, QINGSHAN, YUANHUI

LUOHE = "411100000000"
YUANHUI_PATH = (LUOHE, YUANHUI)
DALIU = "411102100000"  # 大刘镇
CHAIR = Account("yh_chair", "admin", (YUANHUI,), password_hash="")
CLERK = Account("yh_clerk", "clerk", (YUANHUI,), password_hash="")
DALIU_CLERK = Account("daliu_clerk", "clerk", (DALIU,), password_hash="")
VIEWER = Account("yh_viewer", "viewer", (YUANHUI,), password_hash="")
QINGSHAN_ADMIN = Account("qs_admin", "admin", (QINGSHAN,), password_hash="")
BAOTOU_ADMIN = Account("bt_admin", "admin", (BAOTOU,), password_hash="")
MEETING = dt.date(2025, 9, 12)


@pytest.fixture
def store(database_url):
    return WorkflowStore()


def record(store, account=CHAIR, unit=Unit("region", DALIU, "大刘镇", (LUOHE, YUANHUI, DALIU)), **changes):
    values = dict(problem="大刘镇康复室设备未配齐", decision="9月底前配齐", unit=unit, person="镇分管副镇长",
                  deadline=dt.date(2025, 9, 30))
    values.update(changes)
    return store.record(account, YUANHUI, YUANHUI_PATH, "漯河市 / 源汇区", MEETING, **values)


def test_the_chair_records_the_unit_reports_and_the_chair_closes(store):
    item = record(store)
    assert decisions.standing(item, MEETING).status == decisions.NOT_STARTED
    item = store.post_update(DALIU_CLERK, item.id, item.version, dt.date(2025, 9, 20), "已采购设备")
    assert decisions.standing(item, dt.date(2025, 9, 20)).status == decisions.IN_PROGRESS
    item = store.post_update(DALIU_CLERK, item.id, item.version, dt.date(2025, 9, 28), "设备已配齐",
                             ask_closure=True)
    assert decisions.standing(item, dt.date(2025, 9, 28)).closure_asked
    closed = store.close(CHAIR, item.id, item.version, dt.date(2025, 10, 10), "经核实已配齐")
    assert decisions.standing(closed, dt.date(2025, 10, 10)).status == decisions.CLOSED
    # judged the day before it was closed, it was overdue: deadline 30 September, 9 October is 9 days late
    assert decisions.standing(closed, dt.date(2025, 10, 9)).status == decisions.OVERDUE
    assert decisions.standing(closed, dt.date(2025, 10, 9)).days_late == 9
    assert [u.kind for u in closed.updates] == ["update", "ask_close", "close"]
    actions = [e["detail"]["action"] for e in audit.entries("workflow")]
    assert actions == ["record", "update", "ask_close", "close"]
    assert [e["user"] for e in audit.entries("workflow")] == ["yh_chair", "daliu_clerk", "daliu_clerk", "yh_chair"]


def test_a_clerk_cannot_close_and_a_viewer_cannot_edit(store):
    item = record(store)
    with pytest.raises(WorkflowRefused) as refused:
        store.close(CLERK, item.id, item.version, MEETING, "办完了")
    assert "只有本级调度会的主持人" in refused.value.message("zh") and "办结事项" in refused.value.message("zh")
    with pytest.raises(WorkflowRefused) as refused:
        store.post_update(VIEWER, item.id, item.version, MEETING, "看看")
    assert refused.value.message("zh") == "本账号是只读账号，不能报送进展。"
    with pytest.raises(WorkflowRefused):
        store.assign(CLERK, item.id, item.version, problem="改", decision="改", unit=item.unit, person="某",
                     deadline=item.deadline)
    with pytest.raises(WorkflowRefused):
        record(store, account=VIEWER)
    assert store.item(CHAIR, item.id).version == item.version  # nothing was written
    assert store.item(VIEWER, item.id).problem == item.problem  # the viewer reads it
    refusals = audit.entries("workflow_refused")
    assert [e["user"] for e in refusals] == ["yh_clerk", "yh_viewer", "yh_clerk", "yh_viewer"]


def test_another_district_neither_sees_nor_touches_the_item(store):
    item = record(store)
    with pytest.raises(WorkflowRefused) as refused:
        store.item(QINGSHAN_ADMIN, item.id)
    assert refused.value.code == "duban_not_found"  # not even that it exists
    with pytest.raises(WorkflowRefused):
        store.items(QINGSHAN_ADMIN, YUANHUI, YUANHUI_PATH)
    with pytest.raises(WorkflowRefused):
        store.close(BAOTOU_ADMIN, item.id, item.version, MEETING, "x")
    with pytest.raises(WorkflowRefused):
        store.post_update(QINGSHAN_ADMIN, item.id, item.version, MEETING, "x")
    assert store.items(QINGSHAN_ADMIN, QINGSHAN, (BAOTOU, QINGSHAN)) == []
    assert store.assigned(QINGSHAN_ADMIN) == []
    # the township answering for it sees it in its own scope and among its assignments
    assert [i.id for i in store.items(DALIU_CLERK, DALIU, (LUOHE, YUANHUI, DALIU))] == [item.id]
    assert [i.id for i in store.assigned(DALIU_CLERK)] == [item.id]


def test_a_department_item_is_the_departments_accounts_and_the_chairs(store):
    health = store.save_department(CHAIR, YUANHUI, YUANHUI_PATH, "源汇区", name="区卫生健康委员会",
                                   duties="康复站建设", contact="医政股", accounts=("yh_health",))
    item = record(store, unit=Unit("department", str(health.id), health.name))
    health_account = Account("yh_health", "clerk", (YUANHUI,), password_hash="")
    store.post_update(health_account, item.id, item.version, MEETING, "已协调卫生院")
    with pytest.raises(WorkflowRefused) as refused:  # a clerk of the district who is not the department
        store.post_update(CLERK, item.id, item.version + 1, MEETING, "代报")
    assert "区卫生健康委员会" in refused.value.message("zh")
    with pytest.raises(WorkflowRefused):
        store.save_department(CLERK, YUANHUI, YUANHUI_PATH, "源汇区", name="区民政局", duties="救助", contact="")
    with pytest.raises(TextTooLong) as exists:
        store.save_department(CHAIR, YUANHUI, YUANHUI_PATH, "源汇区", name="区卫生健康委员会", duties="x", contact="")
    assert "已在成员单位名单中" in exists.value.message("zh")
    found = decisions.by_department(store.departments(CHAIR, YUANHUI, YUANHUI_PATH),
                                    store.items(CHAIR, YUANHUI, YUANHUI_PATH), MEETING)
    assert [(d.department.name, len(d.open)) for d in found] == [("区卫生健康委员会", 1)]


def test_two_edits_of_one_version_give_one_conflict_and_lose_nothing(store):
    item = record(store)
    first = store.assign(CHAIR, item.id, item.version, problem=item.problem, decision=item.decision,
                         unit=item.unit, person=item.person, deadline=dt.date(2025, 10, 15))
    other = Account("yh_chair2", "admin", (YUANHUI,), password_hash="")
    with pytest.raises(EditConflict) as conflict:  # drawn with the same version, submitted second
        store.assign(other, item.id, item.version, problem=item.problem, decision=item.decision,
                     unit=item.unit, person="区残联理事长", deadline=item.deadline)
    message = conflict.value.message("zh")
    assert message.startswith("“大刘镇康复室设备未配齐”已被yh_chair于") and "您的修改没有保存" in message
    latest = store.item(CHAIR, item.id)
    assert (latest.deadline, latest.person, latest.version) == (dt.date(2025, 10, 15), "镇分管副镇长", 2)
    again = store.assign(other, item.id, latest.version, problem=item.problem, decision=item.decision,
                         unit=item.unit, person="区残联理事长", deadline=latest.deadline)
    assert (again.deadline, again.person, again.version) == (dt.date(2025, 10, 15), "区残联理事长", 3)
    assert first.version == 2


def test_concurrent_edits_one_wins_one_is_told(store):
    item = record(store)
    barrier, outcomes = threading.Barrier(2), []

    def edit(account, person):
        barrier.wait()
        try:
            store.assign(account, item.id, item.version, problem=item.problem, decision=item.decision,
                         unit=item.unit, person=person, deadline=item.deadline)
            outcomes.append(("saved", person))
        except EditConflict as conflict:
            outcomes.append(("conflict", conflict.message("zh")))

    threads = [threading.Thread(target=edit, args=(Account(f"chair{n}", "admin", (YUANHUI,), ""), f"责任人{n}"))
               for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "saved"]
    saved = next(value for kind, value in outcomes if kind == "saved")
    assert store.item(CHAIR, item.id).person == saved and store.item(CHAIR, item.id).version == 2


def test_text_is_bounded_and_made_one_line(store):
    with pytest.raises(TextTooLong) as too_long:
        record(store, problem="问" * (LIMITS["problem"] + 1))
    assert too_long.value.message("zh") == "“问题”最多200字，现有201字，请精简后再提交。"
    with pytest.raises(TextTooLong) as empty:
        record(store, person="  ")
    assert empty.value.message("zh") == "请填写“责任人”。"
    with pytest.raises(TextTooLong):
        record(store, deadline=dt.date(2025, 9, 1))  # before the meeting
    item = record(store, problem="=HYPERLINK(\"x\")\n第二行\x00")
    assert item.problem == "=HYPERLINK(\"x\") 第二行"


# The sample, counted by hand from workflow_sample.MEETINGS (deadlines, updates and closing dates).
@pytest.mark.parametrize("scope,path,on,last_meeting,counts,overdue_days", [
    # 10-18 meeting: 1 closed (12-06), 1 overdue (12-15 → 16 d), 2 in progress, 1 not started;
    # carried: 白云鄂博 92 d, 青山区 61 d (closure asked), 妇幼保健院 122 d
    (BAOTOU, (BAOTOU,), dt.date(2024, 12, 31), dt.date(2024, 10, 18),
     {"closed": 1, "in_progress": 2, "not_started": 1, "overdue": 4}, [122, 92, 61, 16]),
    # 04-12 meeting on 06-30: 第四医院 closed 06-28; 达茂旗 (closure asked) and 白云鄂博 in progress
    (BAOTOU, (BAOTOU,), dt.date(2024, 6, 30), dt.date(2024, 4, 12),
     {"closed": 1, "in_progress": 2, "not_started": 0, "overdue": 0}, []),
    # 07-18 meeting: 评定中心 closed 08-29, 馨灿 overdue 16 d, 财政 and 卫健 in progress, 阴阳赵 not
    # started; carried: 问十乡 in progress, 大刘镇 overdue 31 d
    (YUANHUI, YUANHUI_PATH, dt.date(2025, 8, 31), dt.date(2025, 7, 18),
     {"closed": 1, "in_progress": 3, "not_started": 1, "overdue": 2}, [31, 16]),
])
def test_the_sample_stands_as_counted_by_hand(store, scope, path, on, last_meeting, counts, overdue_days):
    assert workflow_sample.seed(store) and not workflow_sample.seed(store)  # once only
    everyone = Account("demo", "admin", (), "")
    v = decisions.view(store.items(everyone, scope, path), on)
    assert v.last_meeting == last_meeting
    assert v.counts() == counts
    assert [s.days_late for s in v.overdue] == overdue_days
    assert v.current == []


def test_the_sample_has_twenty_items_in_every_state(store):
    workflow_sample.seed(store)
    everyone = Account("demo", "admin", (), "")
    items = store.items(everyone, BAOTOU, (BAOTOU,)) + store.items(everyone, YUANHUI, YUANHUI_PATH)
    assert len(items) == 21
    states = {decisions.standing(i, dt.date(2024, 12, 31) if i.scope_code == BAOTOU else dt.date(2025, 8, 31)).status
              for i in items}
    assert states == set(decisions.STATUSES)
    assert len(store.departments(everyone, YUANHUI, YUANHUI_PATH)) == 6
