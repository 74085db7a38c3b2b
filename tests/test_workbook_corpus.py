"""The generated corpus of clerks' workbooks (tests/workbook_corpus.py), each with its expected outcome:
accepted with the right figures, or refused naming sheet, row and column with a message that says the
fix; nothing is published for a refused one. Plus the limits: the 1.6 GB shared-strings workbook is
refused in under 2 s and 300 MB, measured in a subprocess."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rehabdash import ingest
from rehabdash.ingest import reader

from . import workbook_corpus as corpus
from .seed import QINGSHAN
from .workbooks import ADMIN
from .workbooks import AS_OF, data_copy, filled, month_rows

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    return data_copy(tmp_path_factory.mktemp("corpus"))


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_corpus_case(case, directory):
    before = sorted(p.name for p in (directory / "snapshots").iterdir())
    checked = ingest.check_workbook(case.make(directory), AS_OF, directory, account=ADMIN)
    expected = case.expected
    if isinstance(expected, corpus.Accepted):
        assert checked.valid, ingest.problem_table(checked.problems, "zh").head().to_string()
        rows = corpus.base_rows(directory)
        for table, column in expected.figures:
            assert checked.tables[table][column].sum() == rows[table][column].sum()
        for table, column in expected.codes:
            assert checked.tables[table][column].value_counts().to_dict() == \
                rows[table][column].value_counts().to_dict()
        return
    assert not checked.valid
    table = ingest.problem_table(checked.problems, "zh")
    found = [p for p in ingest.problems.grouped(checked.problems, "zh") if p.key == expected.key]
    assert found, table.head().to_string()
    problem = found[0]
    assert (problem.sheet, problem.row, problem.column) == (expected.sheet, expected.row, expected.column)
    assert expected.fix_says in problem.fix
    if expected.value is not None:
        assert problem.value == expected.value
    assert "Traceback" not in table.to_string()
    with pytest.raises(ingest.NotValid):
        ingest.publish(checked, ADMIN, f"{case.name}.xlsx", directory)
    assert sorted(p.name for p in (directory / "snapshots").iterdir()) == before


def test_a_formula_return_date_is_not_read_as_still_on_loan(directory):
    checked = ingest.check_workbook(corpus.formula_return_date(directory), AS_OF, directory, account=ADMIN)
    [problem] = [p for p in checked.problems if p.key == "formula_no_value"]
    assert problem.value == "=E3+25" or problem.value.endswith("3+25")
    assert "公式没有计算结果" in problem.fix


def test_many_rows_with_one_problem_are_summarised_first(directory):
    checked = ingest.check_workbook(corpus.wrong_station_everywhere(40)(directory), AS_OF, directory, account=ADMIN)
    table = ingest.problem_table(checked.problems, "zh")
    first = table.iloc[0]
    assert first["行"] == "" and first["列"] == "站点编号"
    assert first["问题"].startswith("40 行有同样的问题（第 2—41 行）")
    assert "S-150204-0XX1" in first["问题"]
    assert (table["问题"].iloc[1:] == "站点编号“S-150204-0XX1”不存在").sum() == 40
    assert len(table) == 41


def test_a_few_problems_are_not_summarised(directory):
    checked = ingest.check_workbook(corpus.wrong_station_everywhere(3)(directory), AS_OF, directory, account=ADMIN)
    assert "problem_group" not in {p.key for p in ingest.problems.grouped(checked.problems, "zh")}


def test_too_many_rows_are_refused_before_reading_them_all(directory, monkeypatch):
    monkeypatch.setattr(reader, "MAX_ROWS", 20)
    checked = ingest.check_workbook(filled(directory, month_rows(directory, (QINGSHAN,))), AS_OF, directory,
                                    account=ADMIN)
    [problem] = checked.problems
    assert problem.key == "too_many_rows" and "删除空行" in problem.fix and problem.sheet


def test_a_file_over_the_size_limit_is_refused_unread(directory, monkeypatch):
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1000)
    checked = ingest.check_workbook(corpus.base(directory), AS_OF, directory, account=ADMIN)
    assert [p.key for p in checked.problems] == ["file_too_large"]


def test_the_shared_string_bomb_is_refused_fast_and_small(directory, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(corpus.shared_string_bomb(directory))
    assert bomb.stat().st_size < 3 * 2**20  # ~1.7 MB on disk, 1.6 GB unpacked
    probe = textwrap.dedent("""
        import sys, time
        from rehabdash import ingest
        content = open(sys.argv[1], "rb").read()
        start = time.perf_counter()
        reading = ingest.read(content)
        elapsed = time.perf_counter() - start
        # VmHWM: this process's peak resident memory since exec (ru_maxrss would count the parent's
        # pages from before exec, as a forked child shares them).
        status = open("/proc/self/status").read()
        peak = int(status.split("VmHWM:")[1].split()[0]) / 1024  # kB → MiB
        print(elapsed, peak, ",".join(p.key for p in reading.problems))
    """)
    done = subprocess.run([sys.executable, "-c", probe, str(bomb)], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    elapsed, peak, keys = done.stdout.split()
    assert keys == "part_too_large"
    assert float(elapsed) < 2.0
    assert float(peak) < 300  # the whole process: interpreter, pandas, openpyxl and the refusal
