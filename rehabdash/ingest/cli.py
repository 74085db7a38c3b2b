"""The data-upkeep commands of `python -m rehabdash`: `template` and `import`."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from rehabdash.access.accounts import Account, AccountStore
from rehabdash.ingest import (
    NotValid,
    PublishError,
    check_workbook,
    problem_table,
    publish,
    template_bytes,
)
from rehabdash.ingest.publish import recover_audit
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.months import collecting_month
from rehabdash.kernel.config import auth_mode, data_dir
from rehabdash.store.snapshots import list_snapshots, newest_valid


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _month(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text.strip()[:7]}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}") from None


def _collecting_month(account: Account) -> dt.date:
    """The month being collected in the account's regions (kernel.months.collecting_month)."""
    from rehabdash.store import db
    from rehabdash.topics import reporting

    snapshot = newest_valid(list_snapshots(data_dir()))
    if snapshot is None:
        return collecting_month(None)
    regions = tuple(account.scope) or tuple(db.run("top_regions", snapshot)["region_code"])

    def run(query: str, **params):
        return db.run(query, snapshot, allowed=regions, scope=regions, **params)
    return collecting_month(reporting.complete_month(run, snapshot.as_of), newest=snapshot.as_of)


def run_template(args) -> int:
    snapshot = newest_valid(list_snapshots(data_dir()))
    scope = ()
    if args.account:  # the template of an account: its regions' codes and example rows only
        account = import_account(args.account)
        if account is None:
            print(f"未完成：账号 {args.account} 不存在或已停用 / not done: no such enabled account", file=sys.stderr)
            return 2
        scope = tuple(account.scope)
    args.out.write_bytes(template_bytes(snapshot, args.lang, scope=scope, report_month=args.month))
    print(f"{args.out}  ({i18n.text(args.lang, 'template.title')})")
    return 0


def import_account(name: str | None) -> Account | None:
    """The account an import is made as: `--account NAME` of the account store; without it, only in the
    local demo (REHAB_AUTH=off), the demo account that covers every region."""
    if name:
        account = AccountStore().get(name)
        return account if account is not None and not account.disabled else None
    if auth_mode() == "off":
        from rehabdash.access.gate import DEMO
        return DEMO
    return None


def run_import(args) -> int:
    account = import_account(args.account)
    if account is None:
        print(f"未完成：需要 --account 指定一个有效的账号（{args.account or '未指定'}）/ "
              "not done: --account must name an enabled account", file=sys.stderr)
        return 2
    recover_audit(list_snapshots(data_dir()))  # a publish stopped before its audit lines: complete them
    content = args.file.read_bytes()
    # both optional for callers that build the arguments themselves
    month = getattr(args, "month", None) or _collecting_month(account)
    checked = check_workbook(content, args.as_of, lang=args.lang, account=account, report_month=month,
                             correction_reason=getattr(args, "correction_reason", ""))
    for note in checked.notes:
        print(note)
    if not checked.valid:
        print(problem_table(checked.problems, args.lang).to_string(index=False), file=sys.stderr)
        print(i18n.text(args.lang, "upload.checked_bad", count=len(checked.problems)), file=sys.stderr)
        return 1
    if args.check_only:
        print(i18n.text(args.lang, "upload.checked_ok", rows=sum(checked.row_counts.values())))
        return 0
    try:
        published = publish(checked, account, args.file.name, note=args.note)
    except NotValid as error:
        print(error, file=sys.stderr)
        return 1
    except PublishError as error:  # full disk, no permission, too many concurrent publishes
        print(error.message(args.lang), file=sys.stderr)
        return 1
    added = sum(c.added for c in published.changes.values())
    replaced = sum(c.replaced for c in published.changes.values())
    print(i18n.text(args.lang, "upload.published", date=published.snapshot.as_of.isoformat(), added=added,
                    replaced=replaced, at=fmt.beijing_time(published.log_entry.get("at"))))
    print(published.path)
    return 0


def add_commands(commands) -> None:
    """Register `template` and `import` on the subparsers of `python -m rehabdash`."""
    template = commands.add_parser("template", help="write the Excel template clerks fill in")
    template.add_argument("out", type=Path, help="where to write the .xlsx file")
    template.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    template.add_argument("--account", default=None, help="limit region codes and examples to its regions")
    template.add_argument("--month", type=_month, default=None,
                          help="the reporting month (报送月份, YYYY-MM) to write on the instructions sheet")
    template.set_defaults(run=run_template)

    importer = commands.add_parser("import", help="check a filled-in workbook and publish it as a snapshot")
    importer.add_argument("file", type=Path, help="the filled-in .xlsx file")
    importer.add_argument("--month", type=_month, default=None,
                          help="the reporting month (报送月份), YYYY-MM; by default the month being collected "
                               "(the month before today, not beyond the month after the one every unit "
                               "has reported)")
    importer.add_argument("--correction-reason", default="",
                          help="why an earlier month is reported again or late (补报/更正); required then")
    importer.add_argument("--as-of", type=_date, default=None,
                          help="the new snapshot's date, YYYY-MM-DD; by default the as-of rule's date "
                               "(the last day of the reporting month); another date is refused")
    importer.add_argument("--account", default=None,
                          help="the account importing (its regions bound what may be imported); "
                               "required unless REHAB_AUTH=off")
    importer.add_argument("--note", default="", help="free text kept beside the account in the import log")
    importer.add_argument("--check-only", action="store_true", help="check, but publish nothing")
    importer.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    importer.set_defaults(run=run_import)
