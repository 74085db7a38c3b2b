"""A new deployment without code: 郑州市金水区 set up in an empty data directory, its first month
imported with the template (townships and villages on the regions sheet), seen on the pages.

Expected values from outside the code: 郑州市 has 15 county-level units in the bureau's 2023 list (6
districts, 1 county, 5 county-level cities and 3 development zones: 410171-410173); the figures are the
hand-written rows of the workbook.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from rehabdash import ingest
from rehabdash.access.accounts import Account
from rehabdash.ingest import setup
from rehabdash.kernel.errors import AlreadySetUp, NoAccess
from rehabdash.store.snapshots import list_snapshots, newest_valid

from .conftest import app_pages, open_app_page, start_app

ADMIN = Account("admin", "admin", (), password_hash="")
JINSHUI = "410105000000"
ZHENGZHOU = "410100000000"
PAGES = [p.script for p in app_pages() if p.role != "admin"]  # as the demo would, less the admin pages


def test_the_national_division_list():
    assert setup.find("金水区")["region_code"].tolist() == [JINSHUI]
    assert setup.find("410105")["name"].tolist() == ["金水区"]
    assert len(setup.find("城关区")) == 2  # 拉萨 and 兰州: ambiguous, the code decides
    assert len(setup.region_tree(ZHENGZHOU)) == 1 + 15
    tree = setup.region_tree(JINSHUI)
    assert tree[["region_code", "name", "level"]].values.tolist() == [
        [ZHENGZHOU, "郑州市", "city"], [JINSHUI, "金水区", "district"]]
    assert pd.isna(tree["parent_code"].iloc[0]) and tree["parent_code"].iloc[1] == ZHENGZHOU
    henan = setup.region_tree("410000000000")
    # 河南省: 17 prefecture-level cities and its 省直辖县级行政区划 (419000), which holds 济源市
    assert henan["level"].value_counts().to_dict() == {"district": len(henan) - 19, "city": 18, "province": 1}
    assert "济源市" in set(henan["name"])


def test_setup_refuses_a_restricted_account_and_a_used_directory(empty_dir):
    with pytest.raises(NoAccess):
        setup.create(JINSHUI, Account("c", "clerk", (), password_hash=""))
    with pytest.raises(NoAccess):
        setup.create(JINSHUI, Account("a", "admin", (JINSHUI,), password_hash=""))
    setup.create(JINSHUI, ADMIN, dt.date(2025, 12, 31))
    with pytest.raises(FileExistsError):
        setup.create(JINSHUI, ADMIN)
    with pytest.raises(AlreadySetUp) as refused:  # what the setup page and the command say
        setup.create(JINSHUI, ADMIN)
    assert refused.value.message("zh") == "数据目录中已有数据快照：新部署只能从空的数据目录开始。"


def first_month() -> dict[str, pd.DataFrame]:
    regions = pd.DataFrame([
        {"region_code": "410105001000", "name": "经八路街道", "level": "township", "parent_code": JINSHUI,
         "lon": 113.684, "lat": 34.778, "registered_disabled": 300},
        {"region_code": "410105002000", "name": "花园路街道", "level": "township", "parent_code": JINSHUI,
         "lon": 113.672, "lat": 34.790, "registered_disabled": 250},
        {"region_code": "410105001001", "name": "经八路社区", "level": "village", "parent_code": "410105001000",
         "lon": 113.685, "lat": 34.779, "registered_disabled": 300},
        {"region_code": "410105002001", "name": "花园路社区", "level": "village", "parent_code": "410105002000",
         "lon": 113.673, "lat": 34.791, "registered_disabled": 250},
    ])
    services = pd.DataFrame([
        {"period": dt.date(2026, 1, 1), "region_code": "410105001000", "disability_type": "visual",
         "need_count": 12, "served_count": 10},
        {"period": dt.date(2026, 1, 1), "region_code": "410105002000", "disability_type": "physical",
         "need_count": 8, "served_count": 7},
    ])
    return {"regions": regions, "rehab_services": services}


def test_set_up_jinshui_import_a_first_month_and_see_it(empty_dir):
    path = setup.create(JINSHUI, ADMIN, dt.date(2025, 12, 31))
    snapshot = newest_valid(list_snapshots(empty_dir))
    assert snapshot.path == path and snapshot.source == "setup"
    for page in PAGES:  # every page opens on the empty first snapshot
        at = open_app_page(page)
        assert not at.exception, (page, at.exception)
    workbook = ingest.template_bytes(snapshot, "zh", first_month())
    checked = ingest.check_workbook(workbook, dt.date(2026, 1, 31), lang="zh", account=ADMIN)
    assert checked.valid, ingest.problem_table(checked.problems, "zh").to_string()
    ingest.publish(checked, ADMIN, "金水区2026年1月.xlsx")
    newest = newest_valid(list_snapshots(empty_dir))
    assert newest.as_of == dt.date(2026, 1, 31)
    at = open_app_page("app_pages/overview.py", district="金水区")
    assert not at.exception
    assert at.caption[0].value.startswith("郑州市 / 金水区")
    assert "17" in [m.value for m in at.metric][0], [m.value for m in at.metric]  # 10 + 7 served
    at = open_app_page("app_pages/facility_map.py", district="金水区")
    assert not at.exception and not at.error


def test_the_setup_page_on_an_empty_directory(empty_dir):
    at = start_app()
    assert not at.exception
    assert at.title[0].value == "新部署：选择本级残联的行政区划"
    at.text_input(key="setup_query").set_value("金水区")
    at.run()
    assert at.selectbox(key="setup_code").value == JINSHUI
    at.date_input(key="setup_as_of").set_value(dt.date(2025, 12, 31))
    at.button(key="setup_create").click()
    at.run()
    message = at.success[0].value
    assert not at.exception and message.startswith("已为 金水区（郑州市 · 河南省，410105000000，区县）建立")
    # one code, in one form: not 410105 beside 410105000000
    assert re.findall(r"\d{6,}", message.split("：")[0]) == [JINSHUI], message
    # the next step's page, with the first snapshot in the sidebar: no "no data yet" left over
    assert at.title[0].value == "数据上传" and not at.error, [e.value for e in at.error]
    snapshot = newest_valid(list_snapshots(empty_dir))
    assert snapshot.as_of == dt.date(2025, 12, 31) and snapshot.source == "setup"
