"""Every refusal and fault of the library, in one place, each as a message code and its values.

The library raises; the interface (a page, the command line) says it in the user's language with
`error.message(lang)`, from the `[errors]` section of the locale catalogues. A code of another
section (`auth.locked`, `validation.not_number`) names its own key. Nothing here is a traceback for
a user: a page shows the message, and only a programming error propagates.
"""
from __future__ import annotations

from rehabdash.kernel import i18n


class RehabError(Exception):
    """A refusal or fault with a message code (a locale key under `section`) and its values."""

    section = "errors"

    def __init__(self, code: str, **values):
        super().__init__(code, *values.values())
        self.code = code
        self.values = values

    def message(self, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
        return i18n.text(lang, f"{self.section}.{self.code}", **self.values)

    def __str__(self) -> str:
        try:
            return self.message()
        except (KeyError, IndexError):  # a code without its text: still say which
            return f"{self.section}.{self.code} {self.values}"


class UnknownQuery(RehabError, KeyError):
    """A name that is no file of queries/ (or a private one, such as _setup)."""

    def __init__(self, name: str):
        super().__init__("unknown_query", name=name)


class ScopeRequired(RehabError):
    """A named query that reads scoped tables was run without a scope: a programming error."""

    def __init__(self, name: str):
        super().__init__("scope_required", name=name)


class SnapshotUnreadable(RuntimeError):
    """A file of the snapshot could not be read: the snapshot is now refused (snapshots.refuse), and the
    page is run again on the next valid one (app.py), so no user sees it as such."""


class NoAccess(RehabError, PermissionError):
    """A query asked for regions outside what the session's account may see."""

    section = "auth"

    def __init__(self, codes: list[str]):
        super().__init__("no_access", codes=", ".join(codes))
        self.codes = codes


class LoginRefused(RehabError):
    """A login that did not succeed. `reason` (for the audit log) is wrong_credentials, disabled or
    locked; the message says only "wrong user name or password" for the first two, so that the answer
    does not tell whether an account exists or is disabled."""

    section = "auth"

    def __init__(self, reason: str, username: str):
        super().__init__("locked" if reason == "locked" else "wrong_credentials")
        self.reason = reason
        self.username = username


class AccountChanged(RehabError, PermissionError):
    """Work for a signed-in account (a download built when clicked) was refused: since the sign-in, the
    account was disabled or removed (`account_gone`), or its role or regions changed (`account_regranted`)."""

    section = "auth"

    def __init__(self, code: str, username: str):
        super().__init__(code, user=username)
        self.username = username


class NotValid(RehabError, ValueError):
    """Publishing was refused: the workbook has problems (`problems`), or it was checked for another
    account (`other_account`), or its rows changed after the check (`rows_changed`)."""

    def __init__(self, code: str = "not_valid", **values):
        super().__init__(code, **values)


class PublishError(RehabError):
    """Nothing was published: a full disk, a missing permission, a failed write or too many publishes at
    once (`code` under [publishing], with the data directory's path)."""

    section = "publishing"


class AlreadySetUp(RehabError, FileExistsError):
    """A new deployment was asked for on a data directory that already holds snapshots."""

    section = "setup"

    def __init__(self, directory):
        super().__init__("not_empty", path=str(directory))


class CellProblem(RehabError, ValueError):
    """A cell that cannot be read as its column's type; `key` names the message in [validation]."""

    section = "validation"

    def __init__(self, key: str, **values):
        super().__init__(key, **values)
        self.key = key


class MapConfigError(RehabError, ValueError):
    """The tile base is misconfigured (an operator's setting)."""


class OfflineMapError(RuntimeError):
    """The map holds something that would load code from the internet: a programming error, never
    shown to a user as such (the page fails loudly in tests instead of silently in the browser)."""


class AssetError(RuntimeError):
    """Installing the front-end assets failed (an install step, not a page); Chinese and English."""


class _WorkflowError(RehabError):
    """The values `action` and `field` are codes, said in the user's language ([duban] action_*, field_*)."""

    def message(self, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
        values = {name: i18n.text(lang, f"duban.{name}_{value}") if name in ("action", "field") else value
                  for name, value in self.values.items()}
        return i18n.text(lang, f"{self.section}.{self.code}", **values)


class WorkflowRefused(_WorkflowError, PermissionError):
    """A read or write of the meeting's workflow data (decided items, departments) the account may not
    make; `code` is a locale key under [errors] (duban_*)."""


class EditConflict(_WorkflowError):
    """An edit of a decided item or department made on a version someone else has changed since: nothing
    was written; the message names who changed it and when."""

    def __init__(self, what: str, by: str, at: str):
        super().__init__("duban_conflict", what=what, by=by, at=at)


class TextTooLong(_WorkflowError, ValueError):
    """A text typed into a decided item or department is empty where it is required, or too long."""
