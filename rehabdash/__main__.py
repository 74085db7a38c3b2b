"""python -m rehabdash COMMAND …: the dashboard's command line.

    python -m rehabdash template OUT.xlsx [--account NAME]    the Excel template for clerks
    python -m rehabdash import FILE.xlsx --account NAME       check a workbook, publish it as a snapshot
    python -m rehabdash accounts add NAME --role viewer --scope 150204000000   accounts (REHAB_AUTH=local)
    python -m rehabdash boundaries import FILE [--crs 4547]  township polygons (GeoJSON, zipped Shapefile, KML)
    python -m rehabdash setup 金水区                          a new deployment: region tree and empty first snapshot

To add a command, write a function that registers it on the subparsers (`add_parser(...)`, then
`set_defaults(run=<function taking the parsed args, returning the exit code>)`) and list it in
REGISTRARS.
"""
from __future__ import annotations

import argparse

from rehabdash.access.cli import add_commands as add_account_commands
from rehabdash.ingest.boundary_cli import add_commands as add_boundary_commands
from rehabdash.ingest.boundary_cli import add_setup_command
from rehabdash.ingest.cli import add_commands as add_ingest_commands

REGISTRARS = [add_ingest_commands, add_account_commands, add_boundary_commands, add_setup_command]


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
