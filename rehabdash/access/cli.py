"""`python -m rehabdash accounts …`: add, disable, enable and reset accounts of the `local` auth mode.

Passwords are read from the terminal (or one line of standard input with --password-stdin), never
from the command line, so they do not end up in shell history.
"""
from __future__ import annotations

import getpass
import sys

from rehabdash.access import audit
from rehabdash.access.accounts import ROLES, AccountStore


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 / password: ")
    if first != getpass.getpass("再输一次 / again: "):
        raise SystemExit("两次输入的密码不一致 / the passwords differ")
    return first


def run_accounts(args) -> int:
    store = AccountStore()
    try:
        if args.action == "add":
            account = store.add(args.username, _password(args), args.role, args.scope)
        elif args.action == "reset":
            account = store.reset_password(args.username, _password(args))
        else:
            account = store.set_disabled(args.username, args.action == "disable")
    except (KeyError, ValueError) as error:
        print(f"未完成 / not done: {error}", file=sys.stderr)
        return 1
    audit.record("account_changed", "cli", account.scope, account=account.username, action=args.action)
    print(f"{args.action}: {account.username} ({account.role}, {', '.join(account.scope)})")
    return 0


def add_commands(commands) -> None:
    accounts = commands.add_parser("accounts", help="manage the accounts of REHAB_AUTH=local")
    accounts.add_argument("action", choices=("add", "disable", "enable", "reset"))
    accounts.add_argument("username")
    accounts.add_argument("--role", choices=ROLES, default="viewer")
    accounts.add_argument("--scope", nargs="+", metavar="REGION_CODE", default=[],
                          help="12-digit region codes the account may see (a city, or districts)")
    accounts.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    accounts.set_defaults(run=run_accounts)
