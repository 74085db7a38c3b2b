"""The sidebar filters: snapshot, scope and year, each bound to a URL query parameter
(Streamlit's bind="query-params"), so a copied link reproduces the view and the filters survive page
switches and server restarts; `Filters` carries the choice and the query runner bound to it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from rehabdash.access import audit
from rehabdash.ingest.publish import recover_audit
from rehabdash.kernel import formatting, i18n, measures, memo
from rehabdash.kernel.config import data_dir
from rehabdash.kernel.scope import RegionTree, Scope
from rehabdash.store import db, snapshots
from rehabdash.store.snapshots import Snapshot, list_snapshots
from rehabdash.topics import reporting
from rehabdash.ui.text import label, lang, t, t_md


FILTERS_KEY = "_filters"


@dataclass(frozen=True)
class Filters:
    """What the sidebar chose; pages read this and nothing else."""

    snapshot: Snapshot
    year: int
    scope: Scope
    scope_label: str
    lang: str
    allowed: tuple[str, ...]  # the account's regions: every query is checked against them
    judged: dt.date | None = None  # the scope's common period's month end (topics.reporting); None: the snapshot's date
    complete: dt.date | None = None  # the scope's common period (数据完整至), a month
    fixed: dt.date | None = None  # the month a meeting was fixed at (调度会截至月份), if any

    def __memo_key__(self) -> tuple:
        """Everything the choice holds (kernel.memo): topic results computed through `run`,
        `run_at` or `run_parent` are shared by every session that chose the same."""
        return (str(self.snapshot.path), self.snapshot.as_of, self.snapshot.problem, self.year, self.scope,
                self.scope_label, self.lang, self.allowed, self.judged)

    @property
    def as_of(self) -> dt.date:
        """The date the view is judged at: the scope's common period (or the meeting's month), so a unit
        that reported early moves nobody's lights; for a closed year its 31 December."""
        return min(self.judged or self.snapshot.as_of, dt.date(self.year, 12, 31))

    @property
    def closed(self) -> bool:
        """A year before the snapshot's: shown at its 31 December, without the months reported since."""
        return self.year < self.snapshot.as_of.year

    @property
    def sample_share(self) -> float:
        """How much of the snapshot is still sample data (reporting.sample_share)."""
        return reporting.sample_share(self.snapshot)

    @property
    def sample(self) -> bool:
        """Whether the sample notice shows: while the snapshot still holds sample rows."""
        return self.sample_share > 0

    @property
    def window(self) -> dict:
        """Bound parameters for 'this year to the snapshot date, and last year to the same day'."""
        return measures.year_window(self.as_of, self.year)

    @property
    def tree(self) -> RegionTree:
        """The regions this account may choose from, with their ancestors for the path."""
        return region_tree(self.snapshot.path, self.allowed)

    def run_at(self, snapshot: Snapshot):
        """`run` of the same scope on another snapshot (the same day last year, earlier dates)."""
        return dataclasses.replace(self, snapshot=snapshot).run
    def run_parent(self, query: str, **params) -> pd.DataFrame:
        """Run a named query on the township's district (the scope one level up): the sibling set
        that disclosure control needs. Checked against the account's regions like every query."""
        parent = Scope(self.scope.city, self.scope.district) if self.scope.township else Scope(self.scope.city)
        return db.run(query, self.snapshot, allowed=self.allowed, scope=parent.codes, **params)

    def run(self, query: str, **params) -> pd.DataFrame:
        """Run a named query on this snapshot, constrained to this scope and the account's regions."""
        return db.run(query, self.snapshot, allowed=self.allowed, scope=self.scope.codes, **params)


def files_signature(root: Path) -> tuple:
    """Cheap fingerprint of the snapshot folders, so checksums are recomputed only when files change:
    every entry of every version folder with its size and modification time, then the versions."""
    try:
        versions = sorted(os.scandir(root), key=lambda e: e.name)
    except FileNotFoundError:
        return ()
    except OSError:  # the snapshots folder itself cannot be listed
        return (("", -1, -1),)
    found = []
    for version in versions:
        try:
            entries = sorted(os.scandir(version.path), key=lambda e: e.name) if version.is_dir() else []
        except OSError:  # a folder the app may not read: check_snapshot refuses it with the reason
            entries = []
        for entry in entries:
            try:
                stat = entry.stat()
                found.append((f"{version.name}/{entry.name}", stat.st_size, stat.st_mtime_ns))
            except OSError:
                found.append((f"{version.name}/{entry.name}", -1, -1))
    # A folder that cannot be listed yields no files above; its own entry still changes the key.
    return tuple(found) + tuple((v.name, 0, 0) for v in versions)


@memo.by_inputs(into=memo.store(16), share=True)
def _snapshots(directory: str, signature: tuple) -> list[Snapshot]:
    # `signature` is part of the cache key, so a newly published snapshot shows up on the next run.
    # Shared: callers get it through snapshots.with_refusals, a new list of frozen snapshots.
    return list_snapshots(Path(directory))


def available_snapshots() -> list[Snapshot]:
    """Every version, newest first; those found unreadable while the app runs are marked refused. The
    audit lines of a version whose publisher was stopped before writing them are completed here (at
    start, and when a version appears; recover_audit remembers the versions it has seen)."""
    directory = data_dir()
    signature = files_signature(directory / "snapshots")
    listed = snapshots.with_refusals(_snapshots(str(directory), signature)) if signature else []
    recover_audit(listed)
    return listed


# Shared by every session (callers only read it). In kernel.memo: st.cache_resource's hashing of the
# arguments took 3 ms a call, and every page asks two or three times.
@memo.by_inputs(into=memo.store(64), share=True)
def region_tree(snapshot_path: Path, allowed: tuple[str, ...]) -> RegionTree:
    snapshot = Snapshot(dt.date.min, snapshot_path)
    return RegionTree(db.run("regions", snapshot, allowed=allowed, scope=allowed), allowed)


def allowed_regions(snapshot: Snapshot, account) -> tuple[str, ...]:
    """The account's region codes, or every top-level region for an unrestricted account."""
    return tuple(account.scope) or tuple(db.run("top_regions", snapshot)["region_code"])


def _keep_if_valid(key: str, options: list) -> None:
    """Drop a remembered choice that the current options no longer contain (e.g. after the city changed)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def _bound_selectbox(label_text: str, options: list, key: str, format_func=str, **kwargs):
    _keep_if_valid(key, options)
    return st.selectbox(
        label_text, options, key=key, format_func=format_func, bind="query-params", **kwargs
    )


# For pages: a selectbox whose choice lives in the URL, so a copied link reopens it.
bound_selectbox = _bound_selectbox


_NEWEST_SEEN = "_rehab_newest_snapshot"  # the newest version's label at this session's last run


def _choose_snapshot() -> Snapshot | None:
    """The version chosen in the sidebar (by label, in the URL), the newest valid one by default; a
    session that was on the newest version moves to the one published since (by any replica), one that
    chose an older version stays on it.

    The chosen version's files are checked again on every run (a few MB, milliseconds): a file that
    rotted in place or became unreadable refuses that version, with the warning, and the next one is
    served instead.
    """
    requested = st.query_params.get("snapshot")
    while True:
        listed = available_snapshots()
        by_label = {snapshots.label(s, listed): s for s in listed if s.valid}
        if not by_label:
            break
        newest = next(iter(by_label))  # a session on the newest version follows a new publish
        if st.session_state.get("snapshot") == st.session_state.get(_NEWEST_SEEN, newest) != newest:
            st.session_state["snapshot"] = newest
        st.session_state[_NEWEST_SEEN] = newest
        wanted = st.session_state.get("snapshot", requested)
        candidate = by_label.get(wanted, next(iter(by_label.values())))
        if snapshots.verify(candidate):
            break
        if "snapshot" in st.session_state and st.session_state["snapshot"] == wanted:
            # refused now: fall back to the newest valid one (a first run has no choice to forget)
            del st.session_state["snapshot"]
    for refused in (s for s in listed if not s.valid):
        st.warning(t("app.refused_snapshot", date=snapshot_label(refused), problem=refused.problem))
    if not by_label:
        return None
    chosen = by_label[_bound_selectbox(t("sidebar.snapshot"), list(by_label), "snapshot")]
    if requested and requested not in by_label:  # a shared link to a snapshot that is gone or refused
        st.warning(t("app.snapshot_fallback", date=snapshots.label(chosen, listed)))
    return chosen


def published_since() -> bool:
    """Whether a version newer than the newest this session saw on its last run has been published
    (by any replica): a listing of the snapshot folders, cheap enough to ask every few seconds."""
    listed = available_snapshots()
    newest = next((snapshots.label(s, listed) for s in listed if s.valid), None)
    return newest is not None and newest != st.session_state.get(_NEWEST_SEEN)


def snapshot_label(snapshot: Snapshot) -> str:
    """A version named unambiguously: its date and number ("2025-09-30 (v5)")."""
    return snapshots.version_label(snapshot.as_of, snapshot.version) if snapshot.as_of != dt.date.min \
        else snapshot.path.name


def _scope_selectbox(label_text: str, options: list, key: str, tree: RegionTree, account, **kwargs):
    """A scope box (city, district, township): a URL label or remembered code outside the account's
    regions is replaced by the box's own choice, and leaves one audit line (once per session)."""
    asked_url, asked_state = st.query_params.get(key), st.session_state.get(key)
    value = _bound_selectbox(label_text, options, key, **kwargs)
    if not account.scope:
        return value
    shown = {kwargs.get("format_func", str)(o) for o in options}
    tampered = [v for v in (asked_url,) if v and v not in shown and not tree.allows_name(v)] + \
        [v for v in (asked_state,) if isinstance(v, str) and v and v not in options and not tree.allows(v)]
    reported = st.session_state.setdefault("_rehab_replaced", set())
    for asked in tampered:
        if (key, asked) not in reported:
            reported.add((key, asked))
            audit.record("value_replaced", account.username, account.scope, widget=key, asked=asked,
                         shown=kwargs.get("format_func", str)(value))
            st.warning(t_md("writepath.value_replaced", value=asked))  # `asked` is the link's own text
    return value


def sidebar_filters(account) -> Filters | None:
    """Draw the sidebar (language, snapshot, year, scope) and return the choice; None without data."""
    with st.sidebar:
        _bound_selectbox(
            i18n.text(i18n.DEFAULT_LANGUAGE, "sidebar.language"),
            list(i18n.LANGUAGES),
            "lang",
            format_func=i18n.LANGUAGE_NAMES.get,
        )
        snapshot = _choose_snapshot()
        if snapshot is None:
            st.error(t("app.no_snapshot", path=data_dir()))
            return None
        sample_notice(snapshot)

        # A new deployment's first snapshot holds no figures yet: its own year, so the pages say "no data".
        years = db.run("data_years", snapshot)["year"].astype(int).tolist() or [snapshot.as_of.year]
        year = _bound_selectbox(t("sidebar.year"), years, "year")

        allowed = allowed_regions(snapshot, account)
        tree = region_tree(snapshot.path, allowed)
        all_label = t("sidebar.all")

        def choices(parent: str) -> list[str]:
            # "全部" only where the account may see the whole parent: a district account gets no city total.
            return ([""] if tree.allows(parent) else []) + tree.children(parent)

        # Above the cities, one choice per level the tree has (nation, province): the top always has
        # a choice; below it "全部" is the level above as a whole.
        above, parent = [], None
        for level in tree.levels_above_city():
            options = [c for c in tree.children(parent) if tree.level(c) == level]
            if parent is not None:
                options = ([""] if tree.allows(parent) else []) + options
            code = _bound_selectbox(label("level", level), options, level,
                                    format_func=lambda c: tree.name(c) if c else all_label)
            above.append(code)
            if not code:
                break
            parent = code
        whole = bool(above) and not above[-1]  # 全部 chosen above the cities
        cities = [] if whole else tree.cities(parent)
        city_options = cities if parent is None else ([""] if tree.allows(parent) else []) + cities
        city = _scope_selectbox(t("sidebar.city"), city_options or [""], "city", tree, account,
                                format_func=lambda c: tree.name(c) if c else all_label,
                                disabled=whole or not city_options)
        district = _scope_selectbox(
            t("sidebar.district"), choices(city) if city else [""], "district", tree, account,
            format_func=lambda c: tree.name(c) if c else all_label, disabled=not city,
        )
        township = _scope_selectbox(
            t("sidebar.township"), choices(district) if district else [""], "township", tree, account,
            format_func=lambda c: tree.name(c) if c else all_label, disabled=not district,
        )
        scope = tree.resolve(city, district, township, tuple(above))
        chosen = Filters(snapshot, int(year), scope, tree.label(scope), lang(), allowed)
        fixed = _meeting_month(account, _complete(chosen))
        st.toggle(t("briefing.meeting"), key="meeting", bind="query-params", help=t("briefing.meeting_help"))
        st.toggle(t("briefing.contrast"), key="contrast", bind="query-params", help=t("briefing.contrast_help"))
        st.toggle(t("briefing.wall"), key="wall", bind="query-params", help=t("briefing.wall_help"))
    filters = with_period(chosen, fixed)
    st.session_state[FILTERS_KEY] = filters
    return filters


def _complete(f: Filters) -> dt.date | None:
    """The scope's common period; None for a scope the account may not read (the page's first query
    refuses it, with its audit line)."""
    try:
        return reporting.complete_month(f.run, f.snapshot.as_of)
    except db.NoAccess:
        return None


def with_period(f: Filters, fixed: dt.date | None = None) -> Filters:
    """`f` judged at its scope's common period (数据完整至), or at the meeting's month `fixed` when that
    is one of the months up to it (reporting.judging_date)."""
    complete = _complete(f)
    fixed = fixed if fixed in reporting.meeting_months(complete) else None
    return dataclasses.replace(f, judged=reporting.judging_date(f.snapshot.as_of, complete, fixed),
                               complete=complete, fixed=fixed)


def sample_notice(snapshot: Snapshot) -> None:
    """The sample notice, while the snapshot still holds sample rows (with their share once real
    reports have come in)."""
    share = reporting.sample_share(snapshot)
    if share >= 1:
        st.info(t("app.sample_badge"), icon=":material/science:")
    elif share > 0:
        st.info(t("reporting.sample_share", share=formatting.rate(share)), icon=":material/science:")


def _meeting_month(account, complete: dt.date | None) -> dt.date | None:
    """调度会截至月份: an admin fixes the month a meeting is judged at (`?period=2025-08`), up to the
    common period; others see the month the link carries, never one later than the common period."""
    options = reporting.meeting_months(complete)
    if not options:
        return None
    if not account.may("admin"):
        return reporting.parse_period(st.query_params.get("period"), complete)
    texts = [""] + [m.isoformat()[:7] for m in reversed(options)]
    # Shown as written in the URL, the same in every language (a bound box's labels must not change
    # with the language); "—" is the common period itself.
    chosen = _bound_selectbox(t("reporting.period_label"), texts, "period",
                              help=t("reporting.period_help", month=formatting.month(complete, lang())),
                              format_func=lambda m: m or f"— ({complete.isoformat()[:7]})")
    return reporting.parse_period(chosen, complete)


def filters() -> Filters:
    """The filters app.py drew on this run."""
    return st.session_state[FILTERS_KEY]


def page_header(title_key: str, f: Filters) -> None:
    """Page title plus one line naming scope, period and snapshot, so every screenshot says what it shows."""
    st.title(t(title_key))
    until = f.window["until"]
    as_of = formatting.date(f.as_of, f.lang)
    if measures.is_year_end(until):
        st.caption(t_md("overview.caption", scope=f.scope_label, year=f.year, as_of=as_of))
    else:
        st.caption(t_md("overview.caption_ytd", scope=f.scope_label, year=f.year,
                        until=formatting.month(until, f.lang), as_of=as_of))
    period_note(f)


def period_note(f: Filters) -> None:
    """What the view is judged at: the common period, the meeting's fixed month, and who reported early
    (their later figures are provisional). Nothing for a closed year: it stands at its 31 December."""
    if f.closed:
        return
    if f.complete is None:
        st.caption(t("reporting.none_reported"))
        return
    month = formatting.month(f.complete, f.lang)
    if f.fixed is not None and f.fixed < f.complete:
        st.caption(t("reporting.fixed", month=formatting.month(f.fixed, f.lang), complete=month))
    else:
        st.caption(t("reporting.complete", month=month))
    early = reporting.progress(f.run, f.snapshot.as_of).early
    if len(early):
        names = early["unit_name"].tolist()
        units = "、".join(names[:30]) + (t("reporting.and_more", count=len(names)) if len(names) > 30 else "")
        months = sorted(set(early["latest_month"]))
        st.caption(t_md("reporting.provisional", units=units,
                        months="、".join(formatting.month(m, f.lang) for m in months)))

