"""The sample's dispatch meetings (督办) and member departments (部门联动), written into an empty workflow
database on first use, as the accounts of a former accounts.json are: three meetings of 包头市 in 2024 and
two of 源汇区 in 2025, dated against the sample snapshots (2024-06-30, 2024-12-31, 2025-06-30, 2025-08-31)
so that every state shows at each of them: closed, in progress, not started, overdue, closure asked.

Invented, like the sample's site tasks: the 源汇区 article names the mechanisms (定期调度, 部门联动,
主席团成员单位的职责) but no item, owner or date. Units, institutions and places are the sample's.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from rehabdash.access.workflow import WorkflowStore, decisions, departments, meetings, updates

SAMPLE_USER = "样例数据"
BAOTOU, YUANHUI = "150200000000", "411102000000"
PATHS = {BAOTOU: (BAOTOU,), YUANHUI: ("411100000000", YUANHUI)}
NAMES = {BAOTOU: "包头市", YUANHUI: "漯河市 / 源汇区"}

DEPARTMENTS = {
    BAOTOU: [
        ("市卫生健康委员会", "将残疾预防和康复纳入基本公共卫生服务；指导医疗机构开展康复医疗、新生儿听力和出生缺陷筛查；配合评估定点康复机构。", "医政医管科 0472-5151234"),
        ("市民政局", "将符合条件的残疾人纳入低保和临时救助；推进精神障碍社区康复服务；指导养老机构接收残疾老人康复。", "社会救助科 0472-5152345"),
        ("市财政局", "按时足额安排和拨付残疾人康复、残疾儿童康复救助资金；监督资金使用。", "社会保障科 0472-5153456"),
        ("市医疗保障局", "落实医疗康复项目医保支付；核对康复服务与医保结算数据。", "待遇保障科 0472-5154567"),
        ("市教育局", "推进残疾儿童康复与学前教育、融合教育衔接；支持特殊教育学校设康复训练室。", "基础教育科 0472-5155678"),
    ],
    YUANHUI: [
        ("区卫生健康委员会", "依托区人民医院、乡镇卫生院和村卫生室建设康复指导中心、康复站、康复室；落实残疾预防和筛查；精神障碍患者免费服药名单管理。", "医政股 0395-3121234"),
        ("区民政局", "残疾人两项补贴和社会救助；支持社区康复和托养服务。", "社会救助股 0395-3122345"),
        ("区财政局", "年初预算残疾人康复资金，追加残疾儿童康复救助临时预算，按进度拨付上级资金。", "社保股 0395-3123456"),
        ("区教育体育局", "残疾儿童入学评估与送教上门，康复与教育衔接。", "基础教育股 0395-3124567"),
        ("区医疗保障局", "医疗康复项目纳入医保支付，康复救助与医保结算衔接。", "待遇保障股 0395-3125678"),
        ("区人力资源和社会保障局", "康复专业技术人员招聘、培训和职称评定。", "专技股 0395-3126789"),
    ],
}


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# (meeting scope, held on) → items: (problem, decision, (unit kind, ref, name, path), person, deadline,
# [(on, kind, text)], (closed on, note) or None). A department's ref is its name here.
B, Y = BAOTOU, YUANHUI
MEETINGS = {
    (B, "2024-04-12"): [
        ("达茂旗精准康复服务进度低于序时进度", "旗残联逐苏木镇排查未服务对象，每周报送进度",
         ("region", "150223000000", "达尔罕茂明安联合旗残联", (B, "150223000000")), "旗残联康复部部长", "2024-06-30",
         [("2024-05-10", "update", "已排查未服务对象312人，分派至各苏木镇"),
          ("2024-06-25", "ask_close", "服务进度已达序时进度，申请办结")], ("2024-07-12", "经7月调度会核实，进度已达序时进度")),
        ("包头市第四医院新增定点后儿童康复科未开展服务", "市残联协调市卫健委完成定点机构评估，6月底前开诊",
         ("department", "市卫生健康委员会", "市卫生健康委员会", ()), "医政医管科科长", "2024-06-30",
         [("2024-05-20", "update", "已完成评估现场核查")], ("2024-06-28", "已于6月24日开展服务")),
        ("白云鄂博矿区村（社区）康复室覆盖率低", "区残联会同区卫健局利用社区卫生服务站建设康复室",
         ("region", "150206000000", "白云鄂博矿区残联", (B, "150206000000")), "区残联理事长", "2024-09-30",
         [("2024-06-05", "update", "已选定2处社区卫生服务站"), ("2024-09-20", "update", "1处已建成，另1处待验收")], None),
    ],
    (B, "2024-07-12"): [
        ("固阳县辅具适配进度滞后", "县残联组织上门评估适配，8月底前补齐",
         ("region", "150222000000", "固阳县残联", (B, "150222000000")), "县残联康复部部长", "2024-08-31",
         [("2024-08-20", "update", "已上门评估146人，适配121人")], ("2024-09-10", "适配进度已达序时进度")),
        ("残疾儿童康复救助资金拨付慢", "市财政局按季度预拨康复救助资金",
         ("department", "市财政局", "市财政局", ()), "社会保障科科长", "2024-09-30",
         [("2024-09-26", "update", "第三季度资金已预拨")], ("2024-10-18", "已按季度预拨")),
        ("青山区社区辅具租赁点逾期未还较多", "区残联逐户回访，建立借还台账",
         ("region", "150204000000", "青山区残联", (B, "150204000000")), "区残联康复部部长", "2024-10-31",
         [("2024-09-15", "update", "已回访逾期未还38户"), ("2024-10-30", "ask_close", "台账已建立，逾期未还降至5件")],
         ("2025-01-10", "逾期未还已全部收回")),
        ("九原区新生儿听力筛查数据未按月报送", "包头市妇幼保健院每月5日前汇总报送筛查数据",
         ("institution", "I-150203-0004", "包头市妇幼保健院", (B, "150203000000", "150203007000")), "保健部主任",
         "2024-08-31", [], None),
    ],
    (B, "2024-10-18"): [
        ("土默特右旗残疾儿童康复中心建成后未开展服务", "旗残联协调旗卫健委完成人员配备，11月底前开诊",
         ("region", "150221000000", "土默特右旗残联", (B, "150221000000")), "旗残联理事长", "2024-11-30",
         [("2024-11-08", "update", "已招聘康复师4名")], ("2024-12-06", "已于12月2日开诊")),
        ("北方医院白内障复明手术患者明细未报送", "北方医院12月15日前报送全部手术明细",
         ("institution", "I-150204-0003", "北方医院", (B, "150204000000", "150204001000")), "眼科主任",
         "2024-12-15", [("2024-12-10", "update", "已报送9个旗县区明细，达茂旗待补")], None),
        ("稀土高新区乡镇（街道）康复站建设进度滞后", "区残联会同区卫健局明年一季度建成",
         ("region", "150271000000", "稀土高新区残联", (B, "150271000000")), "区残联康复部部长", "2025-03-31",
         [("2024-11-20", "update", "已完成选址")], None),
        ("精准康复服务数据与医保结算数据不一致", "市医保局与市残联逐月比对数据",
         ("department", "市医疗保障局", "市医疗保障局", ()), "待遇保障科科长", "2025-01-31", [], None),
        ("市残疾人康复中心康复师培训计划未落实", "年底前完成全年培训计划",
         ("institution", "I-150203-0001", "包头市残疾人康复中心", (B, "150203000000", "150203006000")), "中心主任",
         "2024-12-31", [("2024-11-25", "update", "已举办培训2期，培训康复师86人")], None),
    ],
    (Y, "2025-05-16"): [
        ("问十乡康复站选址滞后", "区残联会同区卫健委协调乡卫生院腾出用房，9月30日前完成选址",
         ("region", YUANHUI, "源汇区残联（会同区卫健委）", PATHS[Y]), "区残联康复部负责人", "2025-09-30",
         [("2025-06-20", "update", "已与问十乡卫生院达成初步意向"), ("2025-08-15", "update", "用房改造方案已报区卫健委")],
         None),
        ("今年规划的10个村（社区）康复室建设资金未到位", "区财政局6月底前拨付建设资金",
         ("department", "区财政局", "区财政局", ()), "社保股股长", "2025-06-30",
         [("2025-06-10", "update", "建设资金已拨付")], ("2025-07-18", "10个康复室已全部建成投入使用")),
        ("柳江医院康复站与结对乡镇对接不畅", "柳江医院与马路街街道签订结对协议，每月下乡指导",
         ("institution", "I-411102-0006", "柳江医院", PATHS[Y] + ("411102002000",)), "康复科主任", "2025-06-30",
         [("2025-06-28", "ask_close", "已签订结对协议，每月下乡1次")], ("2025-07-18", "结对协议已落实")),
        ("大刘镇残联系统干部入户走访进度慢", "镇残联7月底前完成入户走访",
         ("region", "411102100000", "大刘镇", PATHS[Y] + ("411102100000",)), "镇残联理事长", "2025-07-31",
         [("2025-06-15", "update", "已走访120户")], None),
    ],
    (Y, "2025-07-18"): [
        ("残疾儿童康复救助临时预算20万元执行慢", "区财政局8月底前拨付到定点机构",
         ("department", "区财政局", "区财政局", ()), "社保股股长", "2025-08-31",
         [("2025-08-20", "update", "已拨付12万元")], None),
        ("馨灿儿童能力发展中心救助儿童评估积压", "8月15日前完成积压评估",
         ("institution", "I-411102-0008", "馨灿儿童能力发展中心", PATHS[Y] + ("411102990000",)), "中心负责人",
         "2025-08-15", [], None),
        ("阴阳赵镇康复室设备未配齐", "镇政府9月底前配齐康复室设备",
         ("region", "411102101000", "阴阳赵镇", PATHS[Y] + ("411102101000",)), "镇分管副镇长", "2025-09-30", [], None),
        ("精神障碍患者免费服药名单与卫健系统不一致", "区卫健委与区残联8月底前完成名单比对",
         ("department", "区卫生健康委员会", "区卫生健康委员会", ()), "医政股股长", "2025-08-31",
         [("2025-08-25", "ask_close", "已完成名单比对，差异23人已更正")], None),
        ("漯河市残疾人评定中心评定排队时间长", "增加评定日，8月20日前排队不超过5个工作日",
         ("institution", "I-411102-0002", "漯河市残疾人评定中心", PATHS[Y] + ("411102002000",)), "中心主任",
         "2025-08-20", [("2025-08-10", "update", "增加周六评定")], ("2025-08-29", "排队已缩短至5个工作日")),
    ],
}

CHAIR = {B: "包头市残联主席", Y: "源汇区残联主席"}


def seed(store: WorkflowStore) -> bool:
    """Write the sample into an empty workflow database; False where it holds meetings already (or
    another process has just written them)."""
    try:
        with store.engine.begin() as connection:
            if connection.execute(select(meetings.c.id).limit(1)).first() is not None:
                return False
            department_ids = {}
            for scope, rows in DEPARTMENTS.items():
                for name, duties, contact in rows:
                    department_ids[name] = connection.execute(insert(departments).values(
                        scope_code=scope, scope_path=json.dumps(list(PATHS[scope])), name=name, duties=duties,
                        contact=contact, accounts="[]", version=1, updated_by=SAMPLE_USER,
                        updated_at="2024-01-01T00:00:00+00:00").returning(departments.c.id)).scalar_one()
            for (scope, held_on), items in MEETINGS.items():
                meeting_id = connection.execute(insert(meetings).values(
                    scope_code=scope, scope_path=json.dumps(list(PATHS[scope])), scope_name=NAMES[scope],
                    held_on=_d(held_on), created_by=SAMPLE_USER).returning(meetings.c.id)).scalar_one()
                for problem, decision, unit, person, deadline, notes, closed in items:
                    kind, ref, name, path = unit
                    item_id = connection.execute(insert(decisions).values(
                        meeting_id=meeting_id, problem=problem, decision=decision, unit_kind=kind,
                        unit_ref=str(department_ids[ref]) if kind == "department" else ref, unit_name=name,
                        unit_path=json.dumps(list(path)), person=person, deadline=_d(deadline),
                        closed_on=_d(closed[0]) if closed else None, closed_by=CHAIR[scope] if closed else None,
                        close_note=closed[1] if closed else None, version=1, updated_by=SAMPLE_USER,
                        updated_at=f"{held_on}T00:00:00+00:00").returning(decisions.c.id)).scalar_one()
                    for on, note_kind, text in [*notes, *([(closed[0], "close", closed[1])] if closed else [])]:
                        by = CHAIR[scope] if note_kind == "close" else name
                        connection.execute(insert(updates).values(
                            decision_id=item_id, on_date=_d(on), kind=note_kind, text=text, username=by))
        return True
    except IntegrityError:  # another replica seeded at the same moment
        return False
