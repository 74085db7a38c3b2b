"""Sign-in answers that tell an attacker nothing, and identities that name nobody (issue 35): a wrong
password, an unknown account and a disabled account get the same message (the audit log keeps the
reason); a single sign-on identity with neither email nor sub is refused, not made the account "None"."""

import pytest

from rehabdash.access import audit
from rehabdash.access.accounts import AccountStore
from rehabdash.access.gate import oidc_account
from rehabdash.kernel.errors import LoginRefused

from .conftest import PASSWORD, log_in
from .seed import QINGSHAN

SAME = "用户名或密码不正确。"


@pytest.fixture
def store(local_auth: AccountStore) -> AccountStore:
    """The accounts of conftest.ACCOUNTS (qingshan a viewer of 青山区) and "gone", disabled."""
    store = local_auth
    store.add("gone", PASSWORD, "viewer", [QINGSHAN])
    store.set_disabled("gone", True)
    return store


def test_the_library_gives_one_message_for_three_reasons(store):
    answers = {}
    for name, username, password in (("wrong", "qingshan", "guess"), ("unknown", "nobody", PASSWORD),
                                     ("disabled right", "gone", PASSWORD), ("disabled wrong", "gone", "guess")):
        with pytest.raises(LoginRefused) as refused:
            store.login(username, password)
        answers[name] = (refused.value.message("zh"), refused.value.message("en"), refused.value.reason)
    assert {zh for zh, _, _ in answers.values()} == {SAME}
    assert {en for _, en, _ in answers.values()} == {"Wrong user name or password."}
    assert [r for _, _, r in answers.values()] == ["wrong_credentials", "wrong_credentials", "disabled", "disabled"]


def test_the_login_form_answers_the_same_and_the_audit_keeps_the_reason(store):
    shown = []
    for username, password in (("qingshan", "guess"), ("nobody", PASSWORD), ("gone", PASSWORD)):
        at = log_in(username, password)
        assert not at.exception
        shown.append([e.value for e in at.error])
    assert shown == [[SAME]] * 3
    failed = [(e["user"], e["detail"]["reason"]) for e in audit.entries("login_failed")]
    assert failed == [("qingshan", "wrong_credentials"), ("nobody", "wrong_credentials"), ("gone", "disabled")]


CLAIMS = {"rehab_role": "viewer", "rehab_scope": QINGSHAN}


@pytest.mark.parametrize("identity", [{}, {"email": None, "sub": None}, {"email": "", "sub": "  "}])
def test_an_identity_without_email_or_sub_is_refused(identity):
    assert oidc_account({**CLAIMS, **identity}) is None


def test_an_identity_is_named_by_email_else_sub():
    assert oidc_account({**CLAIMS, "email": "a@example.gov.cn", "sub": "123"}).username == "a@example.gov.cn"
    account = oidc_account({**CLAIMS, "sub": "123"})
    assert (account.username, account.role, account.scope) == ("123", "viewer", (QINGSHAN,))
    assert oidc_account({"rehab_role": "viewer", "sub": "123"}) is None  # no region: refused as before
