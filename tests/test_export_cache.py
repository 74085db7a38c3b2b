"""Issue 29: one way to cache. The deck, workbook, bulletin and import template are kept by their inputs
(kernel.memo), never by a key written by hand: a change of any input they read gives the file anew,
equal to the file built without the cache; the same inputs give the kept file."""
import datetime as dt
import io
import zipfile

import docx
import openpyxl
import pytest
from pptx import Presentation

from rehabdash import ingest
from rehabdash.access import workflow_sample
from rehabdash.access.accounts import Account
from rehabdash.access.workflow import WorkflowStore
from rehabdash.export import bulletin, deck, workbook
from rehabdash.kernel import memo
from rehabdash.store import db
from rehabdash.topics import decisions
from rehabdash.ui import exports

from .conftest import open_app_page
from .seed import NEWEST, QINGSHAN, YUANHUI, snapshot
from .test_exports_meeting import meeting, slide_texts

BY = "precise_rehab_served"


class Run:
    """A named query of one snapshot and scope, keyed by them, as the sidebar's Filters.run is."""

    def __init__(self, code: str):
        self.code = code

    def __memo_key__(self):
        return (str(snapshot(NEWEST).path), self.code)

    def __call__(self, name, **params):
        return db.run(name, snapshot(NEWEST), allowed=(self.code,), scope=(self.code,), **params)


def content(data: bytes) -> list[str]:
    """What a reader sees of a file (not its zip timestamps): every text of a deck, document or workbook."""
    if data[:2] != b"PK":
        raise AssertionError("not an Office file")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    if any(n.startswith("ppt/") for n in names):
        return [slide_texts(s) for s in Presentation(io.BytesIO(data)).slides]
    if any(n.startswith("word/") for n in names):
        document = docx.Document(io.BytesIO(data))
        return [p.text for p in document.paragraphs] + [
            c.text for table in document.tables for row in table.rows for c in row.cells]
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{sheet.title}!{cell.coordinate}={cell.value}" for sheet in book
            for row in sheet.iter_rows() for cell in row if cell.value is not None]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    database = tmp_path_factory.mktemp("workflow") / "rehab.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REHAB_DATABASE_URL", f"sqlite:///{database}")
        store = WorkflowStore()
        workflow_sample.seed(store)
        chair = Account("yh_chair", "admin", (YUANHUI,), password_hash="")
        view = decisions.view(store.items(chair, YUANHUI, ("411100000000", YUANHUI)), NEWEST)
    return {"yuanhui": meeting(YUANHUI, "源汇区", "district"), "qingshan": meeting(QINGSHAN, "青山区", "district"),
            "view": view}


def variants(builder, inputs):
    """The builder's base arguments and, for each input it reads, the arguments with that input changed."""
    m, other, view = inputs["yuanhui"], inputs["qingshan"], inputs["view"]
    if builder is deck.meeting_deck:
        base = (m, BY, "zh", Run(YUANHUI), {YUANHUI}, view)
        return base, {"meeting": (other, BY, "zh", Run(QINGSHAN), {QINGSHAN}, view),
                      "ranked by": (m, "devices_fitted", "zh", Run(YUANHUI), {YUANHUI}, view),
                      "language": (m, BY, "en", Run(YUANHUI), {YUANHUI}, view),
                      "decisions": (m, BY, "zh", Run(YUANHUI), {YUANHUI}, None)}
    base = (m, BY, "zh", view)
    return base, {"meeting": (other, BY, "zh", view), "ranked by": (m, "devices_fitted", "zh", view),
                  "language": (m, BY, "en", view), "decisions": (m, BY, "zh", None)}


@pytest.mark.parametrize("builder", [workbook.meeting_workbook, bulletin.build_docx, deck.meeting_deck],
                         ids=["workbook", "bulletin", "deck"])
def test_a_changed_input_gives_the_file_anew_and_the_same_inputs_the_kept_one(builder, inputs):
    memo.clear()
    base, changed = variants(builder, inputs)
    first = exports.built((builder, *base))
    assert exports.built((builder, *base)) is first  # kept, not built again
    assert content(first) == content(builder(*base))
    for what, arguments in changed.items():
        if builder is workbook.meeting_workbook and what == "ranked by":
            continue  # the workbook lists every indicator's ranking: the sort key is the page's only
        again = exports.built((builder, *arguments))
        assert content(again) != content(first), what
        assert content(again) == content(builder(*arguments)), what


def test_a_setting_the_files_read_is_part_of_their_key(inputs, monkeypatch):
    build = (bulletin.build_docx, inputs["yuanhui"], BY, "zh", inputs["view"])
    before = exports.file_key(build)
    monkeypatch.setenv("REHAB_SUPPRESS_BELOW", "3")
    assert exports.file_key(build) != before


def test_the_template_is_kept_by_snapshot_language_scope_and_month():
    memo.clear()
    newest = snapshot(NEWEST)
    base = dict(snapshot=newest, lang="zh", scope=(QINGSHAN,), report_month=dt.date(2025, 9, 1))
    first = ingest.template_bytes(**base)
    assert ingest.template_bytes(**base) is first
    for change in ({"snapshot": snapshot(dt.date(2025, 6, 30))}, {"lang": "en"}, {"scope": (YUANHUI,)},
                   {"report_month": dt.date(2025, 10, 1)}):
        arguments = {**base, **change}
        made = ingest.template_bytes(**arguments)
        assert content(made) != content(first), change
        assert content(made) == content(ingest.template_bytes.uncached(**arguments)), change


def test_a_file_asked_for_is_offered_again_only_for_the_same_view():
    """The bulletin made for 2025 is not offered for 2024: the view changed, so it must be asked for."""
    memo.clear()
    at = open_app_page("app_pages/overview.py", year="2025", city="漯河市", district="源汇区")
    at.button(key="make_docx").click().run()
    assert any(b.proto.id.endswith("briefing_docx") for b in at.get("download_button"))
    at.run()  # a rerun of the same view keeps it on offer
    assert any(b.proto.id.endswith("briefing_docx") for b in at.get("download_button"))
    at.query_params["year"] = "2024"
    at.session_state["year"] = 2024
    at.run()
    assert not at.exception
    assert not any(b.proto.id.endswith("briefing_docx") for b in at.get("download_button"))
    assert any(b.proto.id.endswith("briefing_xlsx") for b in at.get("download_button"))


def test_one_way_to_cache_results():
    """kernel.memo keeps results; Streamlit's caches (keyed by hand or by pickling) are not used."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    sources = [*root.glob("rehabdash/**/*.py"), *root.glob("app_pages/*.py"), root / "app.py"]
    using = [str(p.relative_to(root)) for p in sources
             if "@st.cache_data" in p.read_text(encoding="utf-8") or "@st.cache_resource" in p.read_text(encoding="utf-8")]
    assert using == []


def test_a_meeting_is_fingerprinted_once_and_meetings_of_other_content_are_told_apart(inputs, monkeypatch):
    """The deck, bulletin and workbook are each keyed by the Meeting on every run of the overview: its
    content (frames included) is digested once per object, and another content gives another key."""
    import dataclasses

    digested = []
    digest = memo._frame_digest
    monkeypatch.setattr(memo, "_frame_digest", lambda value: digested.append(1) or digest(value))
    m = dataclasses.replace(inputs["yuanhui"])  # a new object: nothing kept on it yet
    first = exports.file_key((bulletin.build_docx, m, BY, "zh", None))
    assert digested  # the facilities frame at least
    done = len(digested)
    assert exports.file_key((bulletin.build_docx, m, BY, "zh", None)) == first
    exports.file_key((workbook.meeting_workbook, m, BY, "zh", None))
    assert len(digested) == done
    fewer = m.facilities.iloc[:-1]
    assert exports.file_key((bulletin.build_docx, dataclasses.replace(m, facilities=fewer), BY, "zh", None)) != first
    assert exports.file_key((bulletin.build_docx, dataclasses.replace(m), BY, "zh", None)) == first
