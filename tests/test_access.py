"""Access: a district account sees its district and nothing else, on every page and export, however
another district is asked for (URL, session state, a hand-made scope); logins and lockout are audited."""
import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rehabdash import ui
from rehabdash.access import audit
from rehabdash.access.accounts import AccountStore
from rehabdash.access.pages import TOPIC_PAGES
from rehabdash.export import workbook
from rehabdash.kernel.scope import Scope
from rehabdash.store import db

from .seed import BAOTOU, END_2024, QINGSHAN, snapshot

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DONGHE = "150202000000"
PASSWORD = "青山 correct horse"
PAGES = [p.script for p in TOPIC_PAGES]


@pytest.fixture
def local_auth(tmp_path, monkeypatch):
    monkeypatch.setenv("REHAB_AUTH", "local")
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("REHAB_LOCKOUT_AFTER", "3")
    store = AccountStore()
    store.add("qingshan", PASSWORD, "viewer", [QINGSHAN])
    store.add("city", PASSWORD, "admin", [BAOTOU])
    return store


def login(username: str, password: str = PASSWORD, state=None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


@pytest.fixture
def spy(monkeypatch):
    """Every named query the pages run, with its scope and the frame it returned."""
    calls = []
    real_run = db.run

    def recording_run(name, snapshot, allowed=None, **params):
        frame = real_run(name, snapshot, allowed=allowed, **params)
        calls.append((name, params.get("scope"), allowed, frame))
        return frame

    monkeypatch.setattr(db, "run", recording_run)
    return calls


def assert_only_qingshan(calls):
    scoped = [(name, scope, allowed, frame) for name, scope, allowed, frame in calls if scope is not None]
    assert scoped, "the pages ran no scoped query"
    for name, scope, allowed, frame in scoped:
        assert allowed == (QINGSHAN,), name
        assert all(code.startswith("150204") for code in scope), (name, scope)
        if name == "regions":  # the path above the district comes with names only, no figures
            frame = frame[frame["registered_disabled"].notna()]
        if "in_scope" in frame.columns:  # partner institutions elsewhere: a directory entry, no figures
            frame = frame[frame["in_scope"]]
        # An institution's own region_code is where it stands (a partner may stand elsewhere); its
        # figures in these frames are the scope's children and services only.
        columns = ("subunit_code", "township_code") if "institution_id" in frame.columns else (
            "region_code", "subunit_code", "township_code")
        for column in columns:
            if column in frame.columns:
                codes = frame[column].dropna()
                assert codes.str.startswith("150204").all(), (name, column)


def test_login_page_is_in_chinese_and_nothing_else_runs(local_auth, spy):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.title[0].value == "康复服务看板 · 登录"
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric and spy == []


def test_every_page_of_a_district_account_shows_its_district_only(local_auth, spy):
    at = login("qingshan", district="东河区", year="2024")  # a URL naming another district
    assert not at.exception
    assert at.selectbox(key="district").options == ["青山区"]  # no 全部, no other district
    assert "包头市 / 青山区" in at.caption[0].value
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert not at.error, (page, [e.value for e in at.error])
    assert_only_qingshan(spy)


def test_session_state_naming_another_district_is_ignored(local_auth, spy):
    at = login("qingshan", state={"district": DONGHE, "city": BAOTOU})
    assert not at.exception
    assert at.selectbox(key="district").value == QINGSHAN
    assert_only_qingshan(spy)


def test_the_query_layer_refuses_a_scope_outside_the_account():
    f = ui.sidebar.Filters(snapshot(END_2024), 2024, Scope(BAOTOU, DONGHE), "x", "zh", allowed=(QINGSHAN,))
    with pytest.raises(db.NoAccess):
        f.run("funding_totals", year=2024)
    with pytest.raises(db.NoAccess):  # exports go through the same runner
        workbook.overview_workbook(f.run, END_2024, 2024, "x", "zh", 0.05)
    whole_city = dataclasses.replace(f, scope=Scope(BAOTOU))
    with pytest.raises(db.NoAccess):
        whole_city.run("rehab_services_totals", year=2024, until=END_2024, until_last_year=END_2024)
    mine = dataclasses.replace(f, scope=Scope(BAOTOU, QINGSHAN))
    assert mine.run("funding_totals", year=2024)["spent_yuan"].iloc[0] > 0


def test_a_page_asked_for_another_district_says_no_access(local_auth, monkeypatch):
    at = login("qingshan")
    real = ui.sidebar.Filters.run

    def forged(self, query, **params):  # as if a bug or a forged state put 东河区 in the scope
        return real(dataclasses.replace(self, scope=Scope(BAOTOU, DONGHE)), query, **params)

    monkeypatch.setattr(ui.sidebar.Filters, "run", forged)
    at.run()
    assert not at.exception
    assert "无权查看所选区域的数据" in at.error[0].value
    assert not at.metric
    assert any(e["event"] == "no_access" and e["user"] == "qingshan" for e in audit.entries())


def test_wrong_passwords_lock_the_account_and_are_audited(local_auth):
    for _ in range(2):
        at = login("qingshan", "guess")
        assert at.error[0].value == "用户名或密码不正确。"
    at = login("qingshan", "guess")
    assert "已暂时锁定" in at.error[0].value
    at = login("qingshan")  # the right password, but locked
    assert "已暂时锁定" in at.error[0].value and not at.metric
    events = [e["event"] for e in audit.entries()]
    assert events == ["login_failed", "login_failed", "account_locked", "account_locked"]


def test_upkeep_pages_follow_the_role(local_auth):
    at = login("qingshan")
    assert not at.exception and at.metric
    assert "upload" not in [p for p in at.query_params]  # sanity: nothing odd in the URL
    with pytest.raises(Exception):
        at.switch_page("app_pages/data_upload.py").run()
    admin = login("city")
    assert not admin.exception
    admin.switch_page("app_pages/snapshots.py").run()
    assert not admin.exception
    assert [e["event"] for e in audit.entries()][-1] == "login"
