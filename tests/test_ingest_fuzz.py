"""Property: whatever a damaged workbook holds, the import answers with problems or a whole snapshot,
never with a traceback and never with part of a snapshot on disk."""
from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rehabdash import ingest
from rehabdash.ingest import layout
from rehabdash.kernel.contract import TABLES
from rehabdash.store.snapshots import check_snapshot, list_snapshots

from .seed import QINGSHAN
from .workbooks import ADMIN, AS_OF, data_copy, filled, month_rows

SHEETS = [layout.sheet_name(t, "zh") for t in TABLES] + ["填表说明"]


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory) -> tuple[Path, bytes]:
    """A data directory holding only the newest sample snapshot, and a valid workbook for it."""
    directory = data_copy(tmp_path_factory.mktemp("fuzz"))
    for old in sorted((directory / "snapshots").iterdir())[:-1]:
        shutil.rmtree(old)
    rows = {table: frame.head(6) for table, frame in month_rows(directory, (QINGSHAN,)).items()}
    return directory, filled(directory, rows)


cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**15, max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["１２", "12.5万", "东园村", "青山区", "视力残疾", "2025年9月", "2024-12", "-1", "GCJ-02",
                     "万元", "千元", "=1+1", QINGSHAN, "150204", "I-999"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
)

set_cell = st.tuples(st.just("cell"), st.sampled_from(SHEETS), st.integers(1, 9), st.integers(1, 13),
                     cell_values)
drop_sheet = st.tuples(st.just("drop_sheet"), st.sampled_from(SHEETS))
rename_sheet = st.tuples(st.just("rename_sheet"), st.sampled_from(SHEETS),
                         st.text(alphabet="ABC数据表 1", min_size=1, max_size=10))
drop_row = st.tuples(st.just("drop_row"), st.sampled_from(SHEETS), st.integers(1, 8))
# Cell edits are the common damage; sheet-level and byte-level damage come less often.
edits = st.lists(st.one_of(set_cell, set_cell, set_cell, set_cell, drop_sheet, rename_sheet, drop_row),
                 min_size=1, max_size=6)
byte_damage = st.one_of(
    st.none(), st.none(), st.none(), st.none(),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"),
              st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8)),
)


def damaged(content: bytes, changes, damage) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    for change in changes:
        kind, name, *rest = change
        if name not in book.sheetnames:
            continue
        sheet = book[name]
        if kind == "cell":
            row, column, value = rest
            sheet.cell(row, column).value = value
        elif kind == "drop_sheet" and len(book.sheetnames) > 1:
            book.remove(sheet)
        elif kind == "rename_sheet" and rest[0] not in book.sheetnames:
            sheet.title = rest[0]
        elif kind == "drop_row":
            sheet.delete_rows(rest[0])
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    if damage and damage[0] == "truncate":
        data = data[:int(len(data) * damage[1])]
    elif damage:
        for where, byte in damage[1]:
            data[min(int(len(data) * where), len(data) - 1)] = byte
    return bytes(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=edits, damage=byte_damage)
def test_damaged_workbooks_give_problems_or_a_whole_snapshot(sample_data, changes, damage):
    directory, content = sample_data
    before = sorted(p.name for p in (directory / "snapshots").iterdir())
    checked = ingest.check_workbook(damaged(content, changes, damage), AS_OF, directory, account=ADMIN)
    for problem in checked.problems:
        assert problem.problem and problem.fix  # every problem says what is wrong and how to fix it
    if checked.valid:
        published = ingest.publish(checked, ADMIN, "fuzz.xlsx", directory)
        assert check_snapshot(published.path) is None
        assert published.snapshot.log["who"] == ADMIN.username  # the log entry is part of the version
        shutil.rmtree(published.path)  # so the next example starts from the same versions
    else:
        try:
            ingest.publish(checked, ADMIN, "fuzz.xlsx", directory)
            raise AssertionError("a workbook with problems was published")
        except ingest.NotValid:
            pass
    assert sorted(p.name for p in (directory / "snapshots").iterdir()) == before  # no staging left either
    assert all(s.valid for s in list_snapshots(directory))
    assert not (directory / ingest.LOG_FILE).exists()
