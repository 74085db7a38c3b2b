"""A corpus of hostile names, published into a copy of the sample data by an ordinary import.

Each payload would set ``window.__pwned`` (or fetch from a documentation address, 198.51.100.7,
TEST-NET-2) if any page treated it as markup or script; the tests check that nothing of the kind
happens and that the names are shown literally."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd

from rehabdash import ingest
from rehabdash.ingest.publish import read_tables

from .workbooks import data_copy, filled, newest
from .workbooks import ADMIN

AS_OF = dt.date(2025, 9, 30)
BAOTOU, QINGSHAN = "150200000000", "150204000000"
EVIL_HOST = "198.51.100.7"

PAYLOADS = {
    "html": '中心<img src=x onerror="window.__pwned=1">',
    "script": '站</script><script>window.__pwned=2</script>',
    "template": "S${window.__pwned=3}站`${window.__pwned=4}`",
    "image": f"![t](http://{EVIL_HOST}/x.png)康复室",
    "link": f"[点此](http://{EVIL_HOST}/) **粗体** www.{EVIL_HOST}.example.com :red[红] $x^2$",
    "formula": f'=HYPERLINK("http://{EVIL_HOST}/","幸福路街道")',
    "plus": "+SUM(1,2)站",
    "minus": "-2+3康复站",
    "at": "@SUM(1)机构",
    "long": "很长的名称" * 60,
    "rtl": "\u202e站务中心\u200b零\u200d宽\u2066名\u2069",
}


@dataclasses.dataclass(frozen=True)
class Published:
    directory: Path
    names: dict[str, list[str]]  # table → the hostile names it now holds


def _rename(frame: pd.DataFrame, names: list[str], tag: str) -> pd.DataFrame:
    frame = frame.head(len(names)).copy()
    frame["name"] = [f"{n}{tag}" for n in names[:len(frame)]]
    return frame


def publish_hostile(tmp_path: Path) -> Published:
    """Copy the sample data to `tmp_path` and import one workbook that renames, in 包头市青山区,
    townships, facilities of every tier, institutions and device stations after the payloads."""
    directory = data_copy(tmp_path)
    tables = read_tables(newest(directory))
    payloads = list(PAYLOADS.values())
    regions = tables["regions"]
    townships = regions[regions["parent_code"] == QINGSHAN]
    in_qingshan = set(townships["region_code"]) | {QINGSHAN}
    rows, names = {}, {}
    # Townships: a few payloads only, so the scope stays recognisable; each name unique.
    rows["regions"] = _rename(townships, payloads[:4] + [PAYLOADS["formula"]], "街道")
    facilities = tables["facilities"]
    facilities = facilities[facilities["region_code"].isin(in_qingshan)]
    rows["facilities"] = pd.concat([
        _rename(facilities[facilities["tier"] == tier], payloads[i:] + payloads[:i], f"·{i}")
        for i, tier in enumerate(("district_center", "township_station", "village_room"))])
    institutions = tables["institutions"]
    rows["institutions"] = _rename(institutions[institutions["region_code"].isin(in_qingshan)], payloads, "·机构")
    stations = tables["device_stations"]  # few in 青山区: take the city's, shown at city scope
    in_baotou = set(regions.loc[regions["parent_code"].isin(set(regions.loc[regions["parent_code"] == BAOTOU,
                                                                              "region_code"]) | {BAOTOU}), "region_code"])
    stations = stations[stations["region_code"].isin(in_baotou | {BAOTOU})]
    rows["device_stations"] = _rename(stations.sort_values("station_id"), payloads[2:] + payloads[:2], "·辅具")
    for table, frame in rows.items():
        names[table] = frame["name"].tolist()
    checked = ingest.check_workbook(filled(directory, rows), None, directory, account=ADMIN)  # the as-of rule
    assert checked.valid, ingest.problem_table(checked.problems, "zh").to_string()
    ingest.publish(checked, ADMIN, "恶意名称.xlsx", directory)
    return Published(directory, names)
