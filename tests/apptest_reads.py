"""What the AppTest page tests read off a page: one implementation for every test_app_* file."""
from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from .conftest import start_app


def started(page: str | None = None, **query) -> AppTest:
    """`page` run once on the URL `query` (see conftest.start_app), with no exception on it."""
    at = start_app(page, **query)
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def assert_figures(at: AppTest, expected: dict[str, str]) -> None:
    """The figures labelled as in `expected` show exactly its values (others on the page are not looked at)."""
    shown = metrics(at)
    assert {label: shown.get(label) for label in expected} == expected


def deltas(at: AppTest) -> dict[str, str]:
    return {m.label: m.delta for m in at.metric}


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def cells(at: AppTest) -> list[str]:
    """Every cell of every table on the page, as text."""
    return [str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()]


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page that has all of `columns`."""
    return next(frame.value for frame in at.dataframe if set(columns) <= set(frame.value.columns))
