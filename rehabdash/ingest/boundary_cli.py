"""`python -m rehabdash boundaries import FILE [--kind townships|districts] [--crs auto|wgs84|gcj02|EPSG]
[--field F] [--user NAME] [--accept-outside REASON]`.

The account checked is ``--user`` from the accounts file (it must be an admin whose regions cover the
townships); without it, the operator at the server's shell, who may change every region anyway.
"""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

from rehabdash.access.accounts import Account, AccountStore
from rehabdash.ingest import boundaries as township_import
from rehabdash.kernel import i18n
from rehabdash.kernel.config import boundary_limits
from rehabdash.kernel.errors import AlreadySetUp, NoAccess


def _account(username: str | None) -> Account:
    if username is None:
        return Account(getpass.getuser(), "admin", (), password_hash="")
    accounts = AccountStore().load()
    if username not in accounts or accounts[username].disabled:
        raise NoAccess([])
    return accounts[username]


def _content(path: Path) -> bytes:
    """The file's bytes, at most one past the size limit (check_file refuses it then by name)."""
    with path.open("rb") as file:
        return file.read(int(boundary_limits().max_mb * 2**20) + 1)


def run_import(args) -> int:
    try:
        account = _account(args.user)
        checked = township_import.check_file(_content(args.file), args.file.name, account, crs=args.crs,
                                             key_field=args.field, lang=args.lang, kind=args.kind,
                                             accept_outside=args.accept_outside)
    except NoAccess:
        print(i18n.text(args.lang, "boundaries.not_admin"), file=sys.stderr)
        return 2
    for note in checked.notes:  # which datum the file was taken for
        print(note)
    if checked.problems:
        print(i18n.text(args.lang, "boundaries.problems", count=checked.problem_count), file=sys.stderr)
        for problem in checked.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    districts = "_districts" if args.kind == "districts" else ""
    print(i18n.text(args.lang, f"boundaries.checked_ok{districts}", count=len(checked.features)))
    if checked.accepted:
        print(i18n.text(args.lang, "boundaries.accepted", reason=checked.reason, count=len(checked.accepted)))
    if args.check_only:
        return 0
    path = township_import.publish(checked, account)
    print(i18n.text(args.lang, f"boundaries.published{districts}", count=len(checked.features)))
    print(path)
    return 0


def add_commands(commands) -> None:
    """Register `boundaries import` on the subparsers of `python -m rehabdash`."""
    group = commands.add_parser("boundaries", help="township boundaries").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    importer = group.add_parser("import", help="check a GeoJSON (DataV's included), zipped Shapefile or KML of "
                                               "townships or districts and publish it")
    importer.add_argument("file", type=Path)
    importer.add_argument("--kind", choices=township_import.KINDS, default="townships",
                          help="what the file holds: townships (default) or districts (their outlines then "
                               "replace the reference ones in the check of townships)")
    importer.add_argument("--crs", default="auto",
                          help="auto (the file's own; none declared: WGS-84 or GCJ-02, whichever fits the district "
                               "outlines), wgs84 (also CGCS2000), gcj02, or an EPSG code such as 4547")
    importer.add_argument("--field", default=None, help="the attribute holding the region code or name")
    importer.add_argument("--user", default=None, help="the admin account (REHAB_AUTH=local) checked")
    importer.add_argument("--accept-outside", default=None, metavar="REASON",
                          help="accept polygons beyond their district's outline, for this reason (audited)")
    importer.add_argument("--check-only", action="store_true")
    importer.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    importer.set_defaults(run=run_import)


def run_setup(args) -> int:
    from rehabdash.ingest import setup

    found = setup.find(args.division)
    if len(found) != 1:
        print(i18n.text(args.lang, "setup.not_one", query=args.division, count=len(found),
                        names="、".join(setup.division_labels(found, args.lang).values())[:400]),
              file=sys.stderr)
        return 1
    code = found["region_code"].iloc[0]
    try:
        path = setup.create(code, _account(args.user), args.as_of, townships=args.townships)
    except NoAccess:
        print(i18n.text(args.lang, "boundaries.not_admin"), file=sys.stderr)
        return 2
    except AlreadySetUp as refused:
        print(refused.message(args.lang), file=sys.stderr)
        return 1
    print(i18n.text(args.lang, "setup.created", name=setup.division_labels(found, args.lang)[code], path=path))
    return 0


def add_setup_command(commands) -> None:
    """Register `setup DIVISION` on the subparsers of `python -m rehabdash`."""
    import datetime as dt

    command = commands.add_parser("setup", help="start a new deployment: the region tree of a province, city "
                                                "or district (down to its townships) and an empty first snapshot")
    command.add_argument("division", help="name or code of the federation's division, e.g. 金水区 or 410105")
    command.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                         help="the empty snapshot's date (default: 31 December of last year)")
    command.add_argument("--no-townships", dest="townships", action="store_false",
                         help="without the townships of the national division list (added later on the template)")
    command.add_argument("--user", default=None)
    command.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    command.set_defaults(run=run_setup)
