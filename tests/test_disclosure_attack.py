"""Disclosure control against an attacker who reads every number: for 铁西街道 (东河区, 包头市), with 1
child aided by 2025-06-30 and 3 by 2025-08-31 in the sample data (so 2 in July–August, the issue's
case), every children's number on the pages and exports of the township and of its district, at both
snapshots, is collected, and integer programs look for the hidden counts: the smallest and largest
value each can have given all of it. None may be pinned to one value.

What a shown figure tells the attacker is written here from the rule in the README, not taken from
the code: '<5' is 1–4, '*' anything, 0 is 0, a shown r (a multiple of 5) is max(5, r-2) … r+2. The
attacker also knows that the district is the sum of its townships, that year-to-date counts never
fall from one snapshot to the next, and that early intervention ≤ aided ≤ applicants."""
from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from rehabdash.export import workbook
from rehabdash.kernel.config import PROJECT_DIR
from rehabdash.kernel.scope import Scope
from rehabdash.store import db
from rehabdash.store.snapshots import list_snapshots
from rehabdash.topics import child_rehab

from .conftest import open_app_page

BAOTOU, DONGHE, TIEXI = "150200000000", "150202000000", "150202010000"
SNAPSHOTS = ("2025-06-30", "2025-08-31")
MEASURES = ("applicants", "aided", "early_intervention")
CARD = {"aided": "康复救助儿童人数", "applicants": "申请救助人数", "early_intervention": "低龄儿童早期干预人数"}
BIG = 10**6


def truth(snapshot: str) -> pd.DataFrame:
    """Township x measure, 2025 to the snapshot date, summed from the raw Parquet with pandas."""
    folder = snapshot_of(snapshot).path
    rows = pd.read_parquet(folder / "child_rehab.parquet")
    rows = rows[pd.to_datetime(rows["period"]).dt.year == 2025]
    regions = pd.read_parquet(folder / "regions.parquet")
    townships = regions.loc[regions["parent_code"] == DONGHE, "region_code"]
    return rows.groupby("region_code")[list(MEASURES)].sum().reindex(townships, fill_value=0)


def interval(shown: str, total: int) -> tuple[int, int]:
    shown = str(shown).replace("\\", "").strip()
    if shown == "*":
        return 0, total
    if shown.startswith("<"):
        return 1, int(shown[1:]) - 1
    value = int(shown)
    return (0, 0) if value == 0 else (max(5, value - 2), value + 2)


def snapshot_of(date: str):
    return next(s for s in list_snapshots(PROJECT_DIR / "data") if s.as_of.isoformat() == date)


def plain(value) -> str:
    return str(value).replace("\\", "").strip()


@pytest.fixture(scope="module")
def seen():
    """Everything an attacker reads, per snapshot: the district's exact totals, and each township's
    shown counts (its own pages for 铁西街道, the district ranking and the siblings' own figures)."""
    result = {}
    for date in SNAPSHOTS:
        snapshot = snapshot_of(date)
        query = {"year": "2025", "snapshot": date, "district": "东河区"}
        district = open_app_page("app_pages/child_rehab.py", **query)
        assert not district.exception
        totals = {m: int(plain({x.label: x.value for x in district.metric}[CARD[m]])) for m in MEASURES}
        # Every township's figures as its own page shows them (the library the pages call) ...
        shown = {}
        for code in truth(date).index:
            run_parent = lambda q, **p: db.run(q, snapshot, allowed=(DONGHE,), scope=(DONGHE,), **p)  # noqa: E731, B023 (used in this iteration)
            own = child_rehab.disclosure(run_parent, Scope(BAOTOU, DONGHE, code), snapshot.as_of, 2025).own
            shown[code] = {m: own[m] for m in MEASURES}
        # ... and the district overview's ranking (a table that drills down) shows the same for every township.
        overview = open_app_page("app_pages/overview.py", **query)
        assert not overview.exception
        column = "残疾儿童康复救助人数（应救尽救率）"  # the ranking's children column
        ranking = next(t.value for t in [*overview.table, *overview.dataframe] if column in t.value.columns
                       and len(t.value) == len(shown)).set_index("单位")
        names = dict(zip(db.run("regions", snapshot, allowed=(DONGHE,), scope=(DONGHE,))["region_code"],
                         db.run("regions", snapshot, allowed=(DONGHE,), scope=(DONGHE,))["name"]))
        for code, figures in shown.items():
            assert plain(ranking.loc[names[code], column]) == plain(figures["aided"])
        result[date] = {"totals": totals, "shown": shown}
    return result


def test_the_townships_own_pages_and_exports_show_only_the_controlled_figures(seen):
    for date in SNAPSHOTS:
        own = seen[date]["shown"][TIEXI]
        query = {"year": "2025", "snapshot": date, "district": "东河区", "township": "铁西街道"}
        page = open_app_page("app_pages/child_rehab.py", **query)
        assert not page.exception
        metrics = {m.label: plain(m.value) for m in page.metric}
        assert {m: metrics[CARD[m]] for m in MEASURES} == {m: plain(own[m]) for m in MEASURES}
        assert metrics["应救尽救率"] == metrics["救助资金"] == metrics["人均救助资金"] == "*"
        assert not page.dataframe and all(not m.delta for m in page.metric)
        overview = open_app_page("app_pages/overview.py", **query)
        assert not overview.exception
        card = next(m for m in overview.metric if m.label == "残疾儿童康复救助人数")
        assert plain(card.value) == plain(own["aided"]) and not card.delta
        indicators = overview.table[0].value.set_index("指标")
        row = indicators.loc["残疾儿童康复救助人数"].map(plain)
        assert row["完成数"] == plain(own["aided"]) and row["相关比率"] == "*" and row["完成率"] == "—"
        for table in overview.table[1:]:  # 较上期: the change since the previous snapshot is hidden
            frame = table.value
            if "较上期" in frame.columns:
                assert plain(frame.set_index("指标").at["残疾儿童康复救助人数", "较上期"]) == "*"
        # The briefing workbook of the township carries the same.
        snapshot = snapshot_of(date)
        scope = Scope(BAOTOU, DONGHE, TIEXI)
        # both used in this iteration only
        run = lambda q, **p: db.run(q, snapshot, allowed=(DONGHE,), scope=scope.codes, **p)  # noqa: E731, B023
        run_parent = lambda q, **p: db.run(q, snapshot, allowed=(DONGHE,), scope=(DONGHE,), **p)  # noqa: E731, B023
        disclosure = child_rehab.disclosure(run_parent, scope, snapshot.as_of, 2025)
        book = openpyxl.load_workbook(io.BytesIO(workbook.overview_workbook(
            run, snapshot.as_of, 2025, "包头市 / 东河区 / 铁西街道", "zh", 0.05, "township",
            disclosure=disclosure)))
        sheet = book.worksheets[0]  # the indicators: a title row, then the header, then one row each
        header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "指标")
        rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(values_only=True)}
        assert plain(rows["残疾儿童康复救助人数"]["完成数"]) == plain(own["aided"])
        assert plain(rows["残疾儿童康复救助人数"]["相关比率"]) == "*"


def test_no_combination_gives_a_hidden_count_back(seen):
    before, after = (truth(d) for d in SNAPSHOTS)
    assert before.at[TIEXI, "aided"] == 1 and after.at[TIEXI, "aided"] == 3  # the case of the issue
    townships = list(after.index)
    keys = [(t, m, d) for d in SNAPSHOTS for t in townships for m in MEASURES]
    index = {k: i for i, k in enumerate(keys)}
    lower, upper = np.zeros(len(keys)), np.zeros(len(keys))
    for (t, m, d), i in index.items():
        lower[i], upper[i] = interval(seen[d]["shown"][t][m], seen[d]["totals"][m])
    rows, lo, hi = [], [], []

    def constrain(coefficients: dict, low: float, high: float) -> None:
        row = np.zeros(len(keys))
        for key, c in coefficients.items():
            row[index[key]] = c
        rows.append(row), lo.append(low), hi.append(high)

    for d in SNAPSHOTS:
        for m in MEASURES:  # the district is the sum of its townships
            total = seen[d]["totals"][m]
            constrain({(t, m, d): 1 for t in townships}, total, total)
        for t in townships:
            constrain({(t, "aided", d): 1, (t, "applicants", d): -1}, -BIG, 0)
            constrain({(t, "early_intervention", d): 1, (t, "aided", d): -1}, -BIG, 0)
    for t in townships:
        for m in MEASURES:  # year to date: never less at the later snapshot
            constrain({(t, m, SNAPSHOTS[0]): 1, (t, m, SNAPSHOTS[1]): -1}, -BIG, 0)
    constraints = LinearConstraint(np.array(rows), lo, hi)

    def extremes(objective: dict) -> tuple[float, float]:
        c = np.zeros(len(keys))
        for key, weight in objective.items():
            c[index[key]] = weight
        found = []
        for sign in (1, -1):
            result = milp(sign * c, constraints=constraints, integrality=np.ones(len(keys)),
                          bounds=Bounds(lower, upper))
            assert result.success, result.message
            found.append(sign * result.fun)
        return found[0], found[1]

    truths = {d: frame for d, frame in zip(SNAPSHOTS, (before, after))}
    checked = 0
    for t in townships:
        for m in MEASURES:
            for d in SNAPSHOTS:
                value = truths[d].at[t, m]
                assert lower[index[(t, m, d)]] <= value <= upper[index[(t, m, d)]]  # the rule holds
                if 1 <= value <= 4:
                    low, high = extremes({(t, m, d): 1})
                    assert low < high, f"{t} {m} {d}: pinned to {low}"
                    checked += 1
            grown = after.at[t, m] - before.at[t, m]  # two snapshots differenced
            if 1 <= grown <= 4:
                low, high = extremes({(t, m, SNAPSHOTS[1]): 1, (t, m, SNAPSHOTS[0]): -1})
                assert low < high, f"{t} {m}: children of July–August pinned to {low}"
                checked += 1
    assert checked >= 20  # 铁西街道 and its siblings' small counts and small increases
