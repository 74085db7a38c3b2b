"""Files built when their download is clicked, released only to an account that still grants what it
did when the page was drawn.

A download button's file may be built long after the page's run (the browser asks for it on the click,
outside any run), so the login gate's check of that run is not enough: an administrator may have
disabled the clerk or changed the role or regions since. `release` checks the account against the
database (accounts.reverify) first; a refusal builds nothing, is audited, and is raised as
AccountChanged for the interface to say.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from rehabdash.access import audit
from rehabdash.access.accounts import Account, reverify
from rehabdash.kernel.errors import AccountChanged


def release(account: Account, build: Callable[[], bytes], file_name: str,
            scope: Sequence[str] | None = None, audited: bool = True) -> bytes:
    """`build()`'s file for `account`, checked now; with `audited`, the export is in the audit log once
    it was built. `scope`: the regions chosen on the page, for the audit line."""
    try:
        reverify(account)
    except AccountChanged as changed:
        audit.record("export_refused", account.username, scope, file=file_name, reason=changed.code)
        raise
    content = build()
    if audited:
        audit.record("export", account.username, scope, file=file_name)
    return content
