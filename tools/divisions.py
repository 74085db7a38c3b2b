"""The national division list carried by the dashboard: every province, city, county-level unit and
township of the National Bureau of Statistics' 统计用区划代码 (2023: 31 provinces, 342 cities, 2,978
county-level units, 41,352 townships), codes and names only, as ``rehabdash/ingest/divisions.csv.gz``
(read by ``rehabdash.ingest.setup``).

    python -m tools.divisions DIST [--note "2023年统计用区划代码（截止 2023-06-30）"]

``DIST`` is the ``dist/`` folder of https://github.com/modood/Administrative-divisions-of-China (the
bureau's list as CSV: provinces.csv, cities.csv, areas.csv, streets.csv). The bureau publishes a new
list every year (usually in autumn): once that repository has it, clone it, run this command, check
the counts it prints against the bureau's page, run tests/test_divisions.py and commit the file.

Codes are kept as the list has them (2, 4, 6 or 9 digits), which says each unit's level and parent;
``setup`` makes them 12 digits. The file's first line names its source.
"""
from __future__ import annotations

import argparse
import csv
import gzip
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "rehabdash" / "ingest" / "divisions.csv.gz"
FILES = ("provinces", "cities", "areas", "streets")  # the list's levels, top first
SOURCE = "modood/Administrative-divisions-of-China dist/*.csv"


def read_list(dist: Path) -> list[tuple[str, str]]:
    """(code, name) of every unit of the list, top level first, each level in code order."""
    rows = []
    for name in FILES:
        with (dist / f"{name}.csv").open(encoding="utf-8", newline="") as file:
            rows += sorted((r["code"].strip(), r["name"].strip()) for r in csv.DictReader(file))
    return rows


def write(rows: list[tuple[str, str]], note: str, out: Path = OUT) -> None:
    # mtime=0: the same list gives the same bytes, so a yearly run changes the file only if the list did
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed:
        text = f"# {note}; {SOURCE}\ncode,name\n" + "".join(f"{c},{n}\n" for c, n in rows)
        packed.write(text.encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dist", type=Path, help="the dist/ folder of modood/Administrative-divisions-of-China")
    parser.add_argument("--note", default="国家统计局 2023年统计用区划代码（截止 2023-06-30，发布 2023-09-11）",
                        help="which list it is, written on the file's first line")
    args = parser.parse_args()
    rows = read_list(args.dist)
    write(rows, args.note)
    counts = {length: sum(len(c) == length for c, _ in rows) for length in (2, 4, 6, 9)}
    print(f"{OUT}: {counts[2]} provinces, {counts[4]} cities, {counts[6]} county-level units, "
          f"{counts[9]} townships")


if __name__ == "__main__":
    main()
