"""python -m rehabdash COMMAND …: the dashboard's command line.

    python -m rehabdash template OUT.xlsx [--account NAME]    the Excel template for clerks
    python -m rehabdash import FILE.xlsx --account NAME       check a workbook, publish it as a snapshot
    python -m rehabdash accounts add NAME --role viewer --scope 150204000000   accounts (REHAB_AUTH=local)

To add a command, write a function that registers it on the subparsers (`add_parser(...)`, then
`set_defaults(run=<function taking the parsed args, returning the exit code>)`) and list it in
REGISTRARS.
"""
from __future__ import annotations

import argparse

from .accounts_cli import add_commands as add_account_commands
from .ingest.cli import add_commands as add_ingest_commands

REGISTRARS = [add_ingest_commands, add_account_commands]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rehabdash",
                                     description="康复服务看板 / Rehab Services Dashboard")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in REGISTRARS:
        register(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
