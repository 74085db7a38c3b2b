"""The province generator (benchmark data): a tiny province must make contract-valid snapshots."""
from __future__ import annotations

import json

import pandas as pd

from rehabdash.kernel import contract
from rehabdash.store.snapshots import check_snapshot, list_snapshots
from tools import province


def test_tiny_province_is_contract_valid(tmp_path):
    paths = province.write_province(tmp_path, cities=1, dates=(province.SNAPSHOT_DATES[-1],))
    assert check_snapshot(paths[0]) is None
    snapshot = list_snapshots(tmp_path)[0]
    tables = {t: pd.read_parquet(snapshot.table_path(t)) for t in contract.TABLES}
    for table, columns in contract.TABLES.items():
        assert list(tables[table].columns) == list(columns), table
    for (table, column), codes in contract.CODE_LISTS.items():
        values = set(tables[table][column].dropna())
        assert values <= set(codes), (table, column, values - set(codes))
    regions = tables["regions"]
    assert regions["region_code"].str.fullmatch(r"49\d{10}").all()
    assert regions["region_code"].is_unique
    known = set(regions["region_code"])
    assert set(regions["parent_code"].dropna()) <= known
    for table in ("facilities", "rehab_services", "child_rehab", "assistive_devices", "activities"):
        assert set(tables[table]["region_code"]) <= known, table
    counts = regions["level"].value_counts()
    assert counts["district"] == 9 and counts["township"] == 144 and counts["village"] >= 144 * 15
    # every month of 2023-01 .. 2025-08 in every monthly table
    months = pd.date_range("2023-01-01", "2025-08-01", freq="MS").date
    for table in ("rehab_services", "assistive_devices", "child_rehab", "activities"):
        assert set(tables[table]["period"]) == set(months), table
    served = tables["rehab_services"]
    assert (served["served_count"] <= served["need_count"]).all()
    # every point inside its township's rectangle in the boundaries the map reads
    cells = json.loads((tmp_path / "boundaries" / "townships_approx.geojson").read_text(encoding="utf-8"))
    boxes = {f["properties"]["region_code"]: f["geometry"]["coordinates"][0] for f in cells["features"]}
    rooms = tables["facilities"][tables["facilities"]["tier"] == "village_room"]
    for code, lon, lat in zip(rooms["region_code"], rooms["lon"], rooms["lat"]):
        ring = boxes[code[:9] + "000"]
        assert ring[0][0] <= lon <= ring[2][0] and ring[0][1] <= lat <= ring[2][1]
    assert (province.BOX[0] <= regions["lon"]).all() and (regions["lon"] <= province.BOX[2]).all()
