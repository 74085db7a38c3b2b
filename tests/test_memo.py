"""Results cached by their inputs (rehabdash.kernel.memo, issue 20): equal content is one key, any
change of data, settings or the filters' choice is another; callers get their own frames; thirty
sessions asking at once compute once."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from rehabdash.kernel import memo
from rehabdash.kernel.scope import Scope
from rehabdash.store.snapshots import Snapshot
from rehabdash.topics import devices
from rehabdash.ui.sidebar import Filters

from .seed import NEWEST, runner, snapshot

FRAME = pd.DataFrame({"code": ["a", "b"], "count": [1, 2]})


@dataclasses.dataclass(frozen=True)
class Box:
    frame: pd.DataFrame
    items: list
    note: str = ""


def counting(store=None):
    calls = []

    @memo.by_inputs(into=store if store is not None else memo.store(16))
    def compute(*args, **kwargs):
        calls.append(args)
        return Box(FRAME.assign(total=FRAME["count"].sum()), [1, 2])

    return compute, calls


def test_fingerprints_equal_for_equal_content_and_differ_for_any_change():
    fp = memo.fingerprint
    assert fp(FRAME) == fp(FRAME.copy())
    assert fp(FRAME) != fp(FRAME.assign(count=[1, 3]))
    assert fp(FRAME) != fp(FRAME.rename(columns={"count": "n"}))
    assert fp(FRAME) != fp(FRAME.astype({"count": float}))
    assert fp(FRAME) != fp(FRAME.set_index("code"))
    assert fp((1, "x", dt.date(2025, 8, 31))) == fp((1, "x", dt.date(2025, 8, 31)))
    assert fp(1) != fp(1.0) != fp(True)
    assert fp(float("nan")) == fp(float("nan"))
    assert fp(np.int64(3)) == fp(np.int64(3))
    assert fp({"b": 1, "a": 2}) == fp({"a": 2, "b": 1})
    assert fp(frozenset({"x", "y"})) == fp(frozenset({"y", "x"}))
    assert fp(Box(FRAME, [1])) == fp(Box(FRAME.copy(), [1])) != fp(Box(FRAME, [2]))
    for unkeyable in (lambda: 1, object(), pd.DataFrame({"cells": [lambda: 1, 2]})):
        with pytest.raises(memo.Unkeyable):
            fp(unkeyable)


def test_a_frame_keeps_its_fingerprint_after_views_of_it_were_handed_out():
    # pandas 3 marks an array read-only once a view of it is taken (copy-on-write) and pickles that
    # mark: the same frame, handed to another session, must still find its result.
    frame = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64"), "t": ["a", "b", "c"],
                          "day": pd.to_datetime(["2025-01-01", None, "2025-03-01"]), "x": [0.5, 1.5, 2.5]})
    before = memo.fingerprint(frame)
    view = frame.copy(deep=False)
    view["n"].values, view.iloc[:2], view.values
    assert memo.fingerprint(view) == before == memo.fingerprint(frame)


def test_same_inputs_computed_once_and_every_caller_gets_its_own_frames():
    compute, calls = counting()
    first = compute(FRAME, 2025)
    second = compute(FRAME.copy(), 2025)
    assert len(calls) == 1
    assert second is not first and second.frame is not first.frame and second.items is not first.items
    second.frame["extra"] = 1  # a caller adding a column or changing a value ...
    second.frame.loc[0, "count"] = 99
    second.items.append(3)
    third = compute(FRAME, 2025)
    assert list(third.frame.columns) == ["code", "count", "total"]  # ... changes nobody else's
    assert third.frame["count"].tolist() == [1, 2] and third.items == [1, 2]
    compute(FRAME, 2024)
    compute(FRAME, year=2025)
    assert len(calls) == 3


def test_an_unkeyable_argument_computes_every_time_and_failures_are_not_stored():
    compute, calls = counting()
    compute(lambda: 1)
    compute(lambda: 1)
    assert len(calls) == 2
    failing = []

    @memo.by_inputs(into=memo.store(4))
    def flaky(x):
        failing.append(x)
        if len(failing) == 1:
            raise ValueError("first time")
        return x

    with pytest.raises(ValueError):
        flaky(1)
    assert flaky(1) == 1 and len(failing) == 2


def test_the_settings_are_part_of_the_key(monkeypatch):
    compute, calls = counting()
    monkeypatch.setenv("REHAB_SUPPRESS_BELOW", "5")
    compute(FRAME)
    monkeypatch.setenv("REHAB_SUPPRESS_BELOW", "10")
    compute(FRAME)
    assert len(calls) == 2


def test_callers_at_once_wait_for_one_computation():
    calls = []

    @memo.by_inputs(into=memo.store(4), share=True)
    def slow(x):
        calls.append(x)
        time.sleep(0.2)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(slow(1))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(calls) == 1 and len(got) == 8 and len({id(g) for g in got}) == 1


def test_a_store_keeps_its_size():
    store = memo.store(3)
    compute, calls = counting(store)
    for year in range(5):
        compute(FRAME, year)
    assert len(store) == 3
    compute(FRAME, 0)  # dropped, least recently used
    assert len(calls) == 6


def _filters(root: Path, **changes) -> Filters:
    snapshot = Snapshot(NEWEST, root, manifest={"source": "sample"})
    base = Filters(snapshot, 2025, Scope("150200000000"), "包头市", "zh", ("150000000000",))
    return dataclasses.replace(base, **changes)


def test_the_filters_query_runner_is_keyed_by_the_whole_choice(tmp_path):
    f = _filters(tmp_path)
    assert memo.fingerprint(f.run) == memo.fingerprint(_filters(tmp_path).run)
    assert memo.fingerprint(f.run) != memo.fingerprint(f.run_parent)
    for other in (_filters(tmp_path / "v2"), _filters(tmp_path, year=2024), _filters(tmp_path, lang="en"),
                  _filters(tmp_path, scope=Scope("150200000000", "150204000000")),
                  _filters(tmp_path, allowed=("150200000000",))):
        assert memo.fingerprint(other.run) != memo.fingerprint(f.run)
    # the manifest (log entries, checksums) does not key a snapshot: its folder does
    same = dataclasses.replace(f.snapshot, manifest={"source": "sample", "log": {"rows": 3}})
    assert memo.fingerprint(same) == memo.fingerprint(f.snapshot)


def test_a_topic_computed_through_the_filters_equals_the_uncached_figures():
    f = Filters(snapshot(NEWEST), 2025, Scope("150200000000"), "包头市", "zh", ("150200000000",))
    memo.clear()
    cached = devices.by_device_type(f.run, f.as_of, f.year)
    assert devices.by_device_type(f.run, f.as_of, f.year) is not cached  # its own copy ...
    pd.testing.assert_frame_equal(cached, devices.by_device_type.uncached(
        runner(NEWEST, "150200000000"), NEWEST, 2025))  # ... of the figures the topic computes


def test_kernel_functions_and_status_words_have_keys_other_callables_do_not():
    from rehabdash.kernel import formatting
    from rehabdash.kernel.columns import StatusWords

    assert memo.fingerprint(formatting.rate) == memo.fingerprint(formatting.rate)
    assert memo.fingerprint(formatting.rate) != memo.fingerprint(formatting.completion)
    assert memo.fingerprint(StatusWords("zh")) == memo.fingerprint(StatusWords("zh")) != memo.fingerprint(StatusWords("en"))
    from rehabdash.ui import widgets

    for other in (widgets.status_text, lambda s: s, print):  # the session's language; no name; not ours
        with pytest.raises(memo.Unkeyable):
            memo.fingerprint(other)


def test_every_setting_the_code_reads_is_part_of_the_key():
    import re

    from rehabdash.kernel import config

    project = Path(__file__).resolve().parent.parent
    sources = [*project.glob("rehabdash/**/*.py"), project / "app.py", *project.glob("app_pages/*.py")]
    read = {name for path in sources for name in re.findall(r"REHAB_[A-Z_]+", path.read_text(encoding="utf-8"))}
    assert read - {"REHAB_"} <= set(config.SETTINGS)


def test_arrow_columns_whose_values_lie_outside_their_buffers_are_told_apart():
    """A dictionary column's values and a nested column's children are not in the array's own
    buffers: two such columns with other values must not share a fingerprint."""
    def dictionary(values):
        return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values).dictionary_encode()))

    assert memo.fingerprint(dictionary(["x", "y"])) != memo.fingerprint(dictionary(["p", "q"]))
    parent = pa.array([1, 2, 3, 4])
    first = pa.StructArray.from_arrays([parent.slice(0, 2)], ["n"])
    second = pa.StructArray.from_arrays([parent.slice(2, 2)], ["n"])
    assert memo.fingerprint(pd.Series(pd.arrays.ArrowExtensionArray(first))) != memo.fingerprint(
        pd.Series(pd.arrays.ArrowExtensionArray(second)))
    text = pd.Series(["青山区", None, "昆都仑区"], dtype="string[pyarrow]")
    assert memo.fingerprint(text) == memo.fingerprint(text.copy(deep=True))
    assert memo.fingerprint(text) != memo.fingerprint(text.replace("青山区", "东河区"))


def test_a_table_arrow_cannot_take_is_shown_as_a_frame():
    from rehabdash.ui import widgets

    mixed = pd.DataFrame({"是否": pd.Series([True, 1, 2.5], dtype=object)})
    assert isinstance(widgets.arrow_table(mixed), pd.DataFrame)
    shown = widgets.arrow_table(pd.DataFrame({"单位": ["青山区"], "人数": [3]}))
    assert isinstance(shown, pa.Table) and shown.to_pandas()["人数"].tolist() == [3]
