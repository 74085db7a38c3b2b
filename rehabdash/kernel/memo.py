"""Results cached by their inputs, once per process (issue 20).

Thirty officials opening the same link get the same figures: a topic function, a chart or a map is a
pure function of its arguments, so each distinct input is computed once and every later session of
the snapshot (and every rerun that did not change the data) takes the stored result.

`by_inputs` keys a call on a *fingerprint* of its arguments, never on object identity:

- frames and series by a digest of their index and values, with column names, index names and
  dtypes; text, numbers, dates, enums, paths, bytes; tuples, lists, dicts and sets of them;
  dataclass instances field by field;
- an object (or a bound method of an object) that names its own key with ``__memo_key__()`` (worked
  out once per object and kept on it, so such an object must not change): the query runner of the
  sidebar's filters (`Filters.run`, `run_at`, `run_parent`) is keyed by the
  snapshot, scope, year, language and account regions it is bound to, which is all its rows depend on.

A module-level function of the kernel (pure by the layer's rule) is keyed by its name. Anything else
(a lambda, a function of another layer whose result may depend on the session's language, an open
file) makes the call *unkeyable*: it is computed as before, every time. Failures are not stored.

Concurrent callers of the same missing key wait for the first one instead of computing it again
(thirty sessions opening at once would otherwise all compute it). Results are shared: a store that
hands out frames gives each caller a shallow copy (`handout`), so a caller adding a column to its
frame changes nobody else's (pandas copy-on-write protects the values).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import os
import pickle
import threading
import types
from collections import OrderedDict
from pathlib import PurePath
from typing import Any
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from rehabdash.kernel import config


class Unkeyable(Exception):
    """An argument has no fingerprint: the call is computed uncached."""


def _feed(digest, array) -> None:
    """Feed the values of one column (or index) to `digest`, as bytes that are equal for equal values
    whatever state pandas keeps beside them. Pickling the frame is not enough: pandas 3 adds
    ``_readonly`` and a ``_cache`` to an array's state once a view of it was handed out under
    copy-on-write, so equal frames pickled differently from one run to the next."""
    if isinstance(array, pd.arrays.NumpyExtensionArray):
        array = array.to_numpy()
    if isinstance(array, pd.api.extensions.ExtensionArray):
        digest.update(str(array.dtype).encode())
        if hasattr(array, "asi8"):  # dates, times, periods: int64 ticks (NaT included)
            return _feed(digest, np.asarray(array.asi8))
        if isinstance(array, pd.Categorical):
            digest.update(b"cat" + repr(array.ordered).encode())
            _feed(digest, array.codes)
            return _feed(digest, array.categories.array)
        if hasattr(array, "__arrow_array__"):  # Arrow-backed text, masked integers, booleans, floats
            return _feed_arrow(digest, array.__arrow_array__())
        return digest.update(pickle.dumps(list(array), protocol=4))
    array = np.asarray(array)
    digest.update(f"{array.dtype.str}{array.shape}".encode())
    if array.dtype.hasobject:
        return digest.update(pickle.dumps(array.tolist(), protocol=4))
    digest.update(np.ascontiguousarray(array).data)


def _flat(kind: pa.DataType) -> bool:
    """A type whose buffers are all of an array's values: numbers, booleans, text, bytes, dates.
    A dictionary's values and a nested array's children are outside its own buffers."""
    return (pa.types.is_primitive(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)
            or pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_null(kind))


def _feed_arrow(digest, array) -> None:
    """An Arrow array's buffers, each with its length, and the window into them (offset, length):
    equal bytes mean equal values. Equal values laid out differently (other chunks, a slice of a
    larger buffer) give another digest, which costs a recomputation, never a wrong result. Other
    types (dictionaries, nested arrays) are pickled whole."""
    if not _flat(array.type):
        return digest.update(pickle.dumps(array, protocol=4))
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    digest.update(f"{array.type}:{len(chunks)}".encode())
    for chunk in chunks:
        digest.update(f"[{chunk.offset},{len(chunk)},{chunk.null_count}]".encode())
        for buffer in chunk.buffers():
            digest.update(b"-|" if buffer is None else f"{buffer.size}|".encode())
            if buffer is not None:
                digest.update(memoryview(buffer))


def _columns(value: pd.DataFrame | pd.Series) -> list:
    """The column arrays, without building a Series per column (that cost more than the digest)."""
    if isinstance(value, pd.Series):
        return [value.array]
    return [value._get_column_array(i) for i in range(value.shape[1])]


def _frame_digest(value: pd.DataFrame | pd.Series) -> bytes:
    """A digest of the index, every column's dtype and every column's values (see _feed)."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        index = value.index
        if isinstance(index, pd.RangeIndex):
            digest.update(repr((index.start, index.stop, index.step)).encode())
        else:
            for level in range(index.nlevels):
                _feed(digest, index.get_level_values(level).array)
        for array in _columns(value):
            digest.update(b"|" + str(array.dtype).encode() + b"|")
            _feed(digest, array)
    except Exception as unpicklable:  # noqa: BLE001 - a cell holding an object that cannot be pickled
        raise Unkeyable from unpicklable
    return digest.digest()


def fingerprint(value: Any):
    """A hashable stand-in for ``value`` that is equal for equal content (see the module text)."""
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return (type(value).__name__, value)
    if isinstance(value, float):
        return ("float", repr(value))  # NaN equal to NaN
    if isinstance(value, (dt.date, dt.time, dt.timedelta, enum.Enum)):
        return (type(value).__name__, value)
    if isinstance(value, np.generic):
        return ("np." + type(value).__name__, repr(value.item()))
    if isinstance(value, PurePath):
        return ("path", str(value))
    if isinstance(value, pd.DataFrame):
        return ("frame", tuple(map(str, value.columns)), tuple(map(str, value.index.names)),
                _frame_digest(value))
    if isinstance(value, pd.Series):
        return ("series", str(value.name), str(value.dtype), tuple(map(str, value.index.names)),
                _frame_digest(value))
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), fingerprint(v)) for k, v in value.items())))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(fingerprint(v)) for v in value)))
    if callable(getattr(value, "__memo_key__", None)) and not isinstance(value, type):
        return (type(value).__qualname__, _own_key(value))
    owner = getattr(value, "__self__", None)
    if owner is not None and callable(getattr(owner, "__memo_key__", None)) and hasattr(value, "__func__"):
        func = value.__func__
        return ("method", func.__module__, func.__qualname__, _own_key(owner))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__module__, type(value).__qualname__,
                tuple(fingerprint(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if _is_kernel_function(value):
        return ("function", value.__module__, value.__qualname__)
    raise Unkeyable(type(value).__name__)


def _is_kernel_function(value: Any) -> bool:
    """A module-level function of the kernel (formatting.rate …): pure by the kernel's rule, so its
    name is its key. Lambdas, closures and functions of other layers (which may read the session's
    language) are not."""
    return (isinstance(value, types.FunctionType) and value.__module__.startswith("rehabdash.kernel.")
            and "<" not in value.__qualname__)


def _own_key(value: Any):
    """The fingerprint of ``value.__memo_key__()``, worked out once and kept on the object (an object
    that names its key must not change it: the sidebar's frozen Filters, a Snapshot)."""
    kept = getattr(value, "_memo_fingerprint", None)
    if kept is None:
        kept = fingerprint(value.__memo_key__())
        try:
            object.__setattr__(value, "_memo_fingerprint", kept)
        except (AttributeError, TypeError):  # slots or a built-in: computed every time
            pass
    return kept


def handout(value: Any) -> Any:
    """What a caller gets of a stored result: frames and series as shallow copies (their own column
    set and index, the values shared under copy-on-write), containers and dataclasses rebuilt around
    them; everything else as it is."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, list):
        return [handout(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(handout(v) for v in value)
    if isinstance(value, dict):
        return {k: handout(v) for k, v in value.items()}
    if isinstance(value, set):
        return set(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init}
        copied = {name: handout(v) for name, v in fields.items()}
        if all(copied[name] is fields[name] for name in fields):
            return value
        return dataclasses.replace(value, **copied)
    return value


class Store:
    """A process-wide LRU of results, with one lock per key being computed."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict = {}
        self.hits = self.misses = 0

    def get_or_compute(self, key, compute: Callable[[], Any]) -> Any:
        for _ in range(1000):  # a key being computed elsewhere: wait for it, then look again
            with self._lock:
                if key in self._data:
                    self._data.move_to_end(key)
                    self.hits += 1
                    return self._data[key]
                busy = self._computing.get(key)
                if busy is None:
                    busy = self._computing[key] = threading.Lock()
                    busy.acquire()
                    break
            with busy:  # released when the other caller has stored (or failed)
                pass
        else:  # pragma: no cover - only if computations keep failing elsewhere
            return compute()
        try:
            self.misses += 1
            value = compute()
            with self._lock:
                self._data[key] = value
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._computing.pop(key, None)
            busy.release()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)


_stores: list[Store] = []
TOPICS = Store(4096)  # topic results: small frames and dataclasses, per snapshot, scope and year


def store(size: int) -> Store:
    """A new store, emptied with every other by `clear`."""
    made = Store(size)
    _stores.append(made)
    return made


_stores.append(TOPICS)


def settings() -> tuple:
    """The operator's settings (config.SETTINGS: data directory, margins, disclosure threshold, tile
    base …), part of every key: a result computed under other settings is not reused."""
    return tuple(os.environ.get(name) for name in config.SETTINGS)


def key_of(fn: Callable, args: tuple, kwargs: dict) -> tuple:
    """The key of ``fn(*args, **kwargs)`` (raises Unkeyable)."""
    return (fn, settings(), fingerprint(args), fingerprint(kwargs))


def by_inputs(func: Callable | None = None, *, into: Store = TOPICS, share: bool = False):
    """Decorator: `func(*args, **kwargs)` computed once per distinct fingerprint of its arguments.

    ``share=True`` hands every caller the stored object itself (figures, which callers only read);
    otherwise each caller gets `handout` of it. ``func.uncached`` is the function itself."""
    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def cached(*args, **kwargs):
            try:
                key = key_of(fn, args, kwargs)
            except Unkeyable:
                return fn(*args, **kwargs)
            value = into.get_or_compute(key, lambda: fn(*args, **kwargs))
            return value if share else handout(value)

        cached.uncached = fn
        return cached

    return decorate(func) if func is not None else decorate


def clear() -> None:
    """Forget every stored result (the bench's cold runs, tests that rewrite data in place)."""
    for each in _stores:
        each.clear()
