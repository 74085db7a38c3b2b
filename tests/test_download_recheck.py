"""Downloads check the account again when their file is built (issue 35): a clerk disabled, or given
another role or other regions, while the page is open gets a Chinese message and no file, in the
library (access.downloads.release, accounts.reverify) and through the pages (AppTest): the template of
the upload page, a table's Excel file, and the briefing deck built on its button."""
import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from rehabdash.access import audit, downloads
from rehabdash.access.accounts import AccountStore, reverify
from rehabdash.kernel.errors import AccountChanged

from .conftest import PASSWORD, log_in
from .seed import BAOTOU, QINGSHAN

DONGHE = "150202000000"


@pytest.fixture
def store(local_auth) -> AccountStore:
    """The accounts of conftest.ACCOUNTS: qs_clerk is a clerk of 青山区, city an administrator of 包头市."""
    return local_auth


def regrant(store: AccountStore, username: str, role: str | None = None, scope: list[str] | None = None):
    """What an administrator's change does to the row (there is no command for it yet)."""
    changes = {}
    if role:
        changes["role"] = role
    if scope:
        changes["scope"] = json.dumps(scope)
    store._update(username, **changes)


CHANGES = {
    "disabled": (lambda s: s.set_disabled("qs_clerk", True), "account_gone", "已被管理员停用"),
    "role": (lambda s: regrant(s, "qs_clerk", role="viewer"), "account_regranted", "角色或可查看区域"),
    "scope": (lambda s: regrant(s, "qs_clerk", scope=[DONGHE]), "account_regranted", "角色或可查看区域"),
    "wider scope": (lambda s: regrant(s, "qs_clerk", scope=[BAOTOU]), "account_regranted", "角色或可查看区域"),
}


# --------------------------------------------------------------------------- the library

@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_account_gets_no_file_and_the_refusal_is_audited(store, change):
    held = store.get("qs_clerk")  # as the session holds it since the sign-in
    built = []
    assert downloads.release(held, lambda: built.append(1) or b"PK", "模板.xlsx", (QINGSHAN,)) == b"PK"
    do, code, words = CHANGES[change]
    do(store)
    with pytest.raises(AccountChanged) as refused:
        downloads.release(held, lambda: built.append(2) or b"PK", "模板.xlsx", (QINGSHAN,))
    assert refused.value.code == code and words in refused.value.message("zh")
    assert "qs_clerk" in refused.value.message("zh")
    assert built == [1]  # the second file was never built
    exports, refusals = audit.entries("export"), audit.entries("export_refused")
    assert [e["user"] for e in exports] == ["qs_clerk"]
    assert [(e["user"], e["detail"]["reason"]) for e in refusals] == [("qs_clerk", code)]


def test_an_unchanged_account_passes_and_other_modes_are_not_looked_up(store, monkeypatch):
    held = store.get("qs_clerk")
    assert reverify(held) == held
    store.set_disabled("qs_clerk", True)
    monkeypatch.setenv("REHAB_AUTH", "off")  # the demo without sign-in has no account to look up
    assert reverify(held) is held


# --------------------------------------------------------------------------- through the pages

@pytest.fixture
def captured(monkeypatch):
    """The data of every download button drawn, by key: a callable is built only when asked for."""
    drawn = {}
    real = st.download_button

    def capture(label, data, *args, **kwargs):
        drawn[kwargs.get("key") or label] = data
        return real(label, b"" if callable(data) else data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", capture)
    return drawn


def login(username: str) -> AppTest:
    return log_in(username, timeout=90)


def signed_out_with(at: AppTest, words: str) -> None:
    assert not at.exception
    shown = [w.value.replace("\\", "") for w in at.warning]  # the name is Markdown-escaped: qs\_clerk
    assert any(words in w and "qs_clerk" in w for w in shown), shown
    assert [t.label for t in at.text_input] == ["用户名", "密码"]  # the login form, nothing else


@pytest.mark.parametrize("change", ["disabled", "role", "scope"])
def test_the_template_and_a_table_download_refuse_a_changed_clerk(store, captured, change):
    at = login("qs_clerk")
    at.switch_page("app_pages/data_upload.py").run()
    assert not at.exception
    template = captured["template_download"]
    assert callable(template) and template()[:2] == b"PK"  # before the change: the template
    at.switch_page("app_pages/funding.py").run()
    assert not at.exception
    table_key = next(k for k, v in captured.items() if str(k).endswith("_xlsx") and callable(v)
                     and not str(k).startswith("briefing"))
    assert captured[table_key]()[:2] == b"PK"

    do, code, words = CHANGES[change]
    do(store)  # meanwhile an administrator changes the clerk; the page is still open
    for build in (template, captured[table_key]):
        with pytest.raises(AccountChanged) as refused:
            build()
        assert refused.value.code == code
    at.run()  # the page's next run says why (the refused download asks the session for it)
    signed_out_with(at, words)
    refused = audit.entries("export_refused")
    assert len(refused) == 2 and {e["user"] for e in refused} == {"qs_clerk"}
    assert any(e["detail"]["file"] == "康复服务数据填报模板.xlsx" for e in refused), refused


def test_the_briefing_deck_built_on_its_button_refuses_a_changed_account(store, captured, monkeypatch):
    at = login("city")
    assert not at.exception
    pptx_before = len([k for k in captured if k == "briefing_pptx"])
    assert pptx_before == 0
    workbook = captured["briefing_xlsx"]  # built with the page, handed over only on the click
    assert workbook()[:2] == b"PK"
    regrant(store, "city", role="viewer")
    with pytest.raises(AccountChanged):
        workbook()
    at.button(key="make_pptx").click().run()
    assert not at.exception
    assert "briefing_pptx" not in captured
    assert any("角色或可查看区域" in w.value and "city" in w.value for w in at.warning)
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


# --------------------------------------------------------------------------- in Chromium

@pytest.mark.browser
@pytest.mark.parametrize("where, opened, button, change", [
    ("upload", None, "下载填报模板（Excel）", "disabled"),  # its click also reruns the page
    ("funding", "查看图表数据", "下载表格（Excel）", "role"),  # its click does not: the refusal asks for the run
])
def test_in_the_browser_a_changed_clerk_gets_the_message_and_no_file(tmp_path, browser, monkeypatch,
                                                                     where, opened, button, change):
    from .conftest import RecordedPage, StreamlitServer, _require_chromium, sign_in, wait_for_app

    _require_chromium()
    url = f"sqlite:///{tmp_path / 'rehab.db'}"
    monkeypatch.setenv("REHAB_DATABASE_URL", url)  # this test's audit.entries read the server's database
    store = AccountStore(url)
    store.add("qs_clerk", PASSWORD, "clerk", [QINGSHAN])
    server = StreamlitServer("serve.py", env={"REHAB_AUTH": "local", "REHAB_INSTANCE_DIR": str(tmp_path),
                                              "REHAB_DATABASE_URL": url})
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    try:
        page = RecordedPage(context.new_page()).page
        downloaded = []
        page.on("download", lambda download: downloaded.append(download))
        sign_in(page, "qs_clerk", at=f"{server.url}/{where}")
        if opened:  # the table is in an expander under its chart
            wait_for_app(page, f'summary:has-text("{opened}")', timeout=90_000)
            page.locator(f'summary:has-text("{opened}")').first.click()
        wait_for_app(page, f'button:has-text("{button}"):visible', timeout=90_000)
        do, code, words = CHANGES[change]
        do(store)  # an administrator, while the page is open
        page.locator(f'button:has-text("{button}"):visible').first.click()
        page.get_by_text(words).wait_for(timeout=60_000)
        page.get_by_label("密码").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        assert downloaded == []
        assert [(e["user"], e["detail"]["reason"]) for e in audit.entries("export_refused")] == [("qs_clerk", code)]
    finally:
        context.close()
        server.stop()
