"""Shared fixtures: the sample snapshots, and a real `streamlit run` driven by headless Chromium."""
from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("REHAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
APP = PROJECT / "app.py"
PASSWORD = "青山 correct horse"
# The accounts of `local_auth`: username -> (role, region codes). 包头市 (1502), 青山区 (150204), 漯河市 (4111).
ACCOUNTS = {
    "city": ("admin", ("150200000000",)),
    "qs_clerk": ("clerk", ("150204000000",)),
    "qingshan": ("viewer", ("150204000000",)),
    "luohe": ("admin", ("411100000000",)),
}


@pytest.fixture(autouse=True, scope="session")
def _instance_dir(tmp_path_factory):
    """Accounts and the audit log of test runs go to a temporary folder, never to instance/."""
    os.environ.setdefault("REHAB_INSTANCE_DIR", str(tmp_path_factory.mktemp("instance")))


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end test in real Chromium against streamlit run")
    config.addinivalue_line("markers", "deploy: replicas behind nginx with PostgreSQL on loopback (tests/test_deploy.py)")


def _require_chromium():
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests")
    pytest.skip(f"Chromium not found at {CHROMIUM} (allowed outside CI only)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    def __init__(self, script: str = "app.py", env: dict | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(PROJECT / ".pytest_cache" / f"streamlit-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=PROJECT, env={**os.environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {self.log.name}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def app_server():
    """The dashboard on the sample data, served by a real `streamlit run`."""
    _require_chromium()
    (PROJECT / ".pytest_cache").mkdir(exist_ok=True)
    server = StreamlitServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class RecordedPage:
    """A Playwright page that remembers every URL it requested, to prove nothing leaves the machine."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests
                if urlparse(u).scheme in ("http", "https", "ws", "wss")
                and urlparse(u).hostname not in LOCAL_HOSTS]


def signed_in_server(instance: Path, *usernames: str, env: dict | None = None) -> StreamlitServer:
    """The dashboard served with sign-in on (REHAB_AUTH=local), its accounts `usernames` of ACCOUNTS in
    a fresh SQLite store in the folder `instance`. Stop it when done."""
    from rehabdash.access.accounts import AccountStore

    _require_chromium()
    url = f"sqlite:///{instance / 'rehab.db'}"
    store = AccountStore(url)
    for username in usernames:
        role, scope = ACCOUNTS[username]
        store.add(username, PASSWORD, role, list(scope))
    (PROJECT / ".pytest_cache").mkdir(exist_ok=True)
    return StreamlitServer(env={"REHAB_AUTH": "local", "REHAB_INSTANCE_DIR": str(instance),
                                "REHAB_DATABASE_URL": url, **(env or {})})


def sign_in(page, username: str, password: str = PASSWORD, *, at: str | None = None) -> None:
    """Fill in the login form in the browser and send it; first open the URL `at` and wait for the form."""
    if at is not None:
        page.goto(at)
        page.get_by_label("用户名").wait_for(timeout=60_000)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    recorded = RecordedPage(context.new_page())
    yield recorded
    context.close()


def wait_for_app(page, ready_selector: str = '[data-testid="stMetricValue"]', timeout: float = 30_000):
    """Wait until Streamlit has finished the script run and `ready_selector` is on the page."""
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout)
    page.wait_for_selector(ready_selector, timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
    page.wait_for_timeout(500)


def open_whole_page(recorded: RecordedPage, url: str, height: int, timeout: float = 30_000):
    """`url` opened in a window `height` pixels tall (the whole page in one screenshot) and run; the page."""
    page = recorded.page
    page.set_viewport_size({"width": 1400, "height": height})
    page.goto(url)
    wait_for_app(page, timeout=timeout)
    return page


def metric_values(page) -> dict[str, str]:
    """The figures on the page in the browser, by their label."""
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return dict(zip((label.strip() for label in labels), values))


# In meeting mode, the key of the section whose top stands at the banner's lower edge (null if none).
SECTION_AT_TOP = """() => {
  const banner = document.querySelector('.st-key-meeting_banner').getBoundingClientRect().bottom;
  const at = [...document.querySelectorAll('[class*="st-key-section_"]')]
    .find(s => Math.abs(s.getBoundingClientRect().top - banner) < 6);
  return at ? [...at.classList].find(c => c.startsWith('st-key-section_')) : null;
}"""


def choose_in_sidebar(page, box_label: str, option: str) -> None:
    """Pick `option` in the sidebar select box labelled `box_label` (年度, 区县 …), as a user would."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=box_label)
    box.locator("input").click()
    wanted = page.get_by_role("option", name=option, exact=True)
    try:
        wanted.wait_for(timeout=3000)
    except Exception:  # the click focused the box without opening it (seen after a scope change): open it
        box.locator("input").press("ArrowDown")  # as a keyboard user does
    wanted.click()


def as_read(markdown):
    """What a reader sees of a Markdown text a page shows (a table cell, an alert): rendered by a
    CommonMark reader, tags dropped. Names reach Markdown escaped, so their source holds backslashes.
    A value that is not text (a number cell) is returned as it is."""
    from markdown_it import MarkdownIt

    if not isinstance(markdown, str):
        return markdown

    return html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt().render(markdown))).strip()


def start_app(page: str | None = None, *, state: dict | None = None, timeout: float = 60, **query):
    """AppTest of app.py on the URL `query`, with session `state` set before the first run, run once on
    `page` (a script such as "app_pages/rehab.py"; the default page when None)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page is not None:
        at.switch_page(page)
    return at.run()


def open_app_page(page_script: str, before_page=lambda: None, **query):
    """AppTest of app.py opened on the URL `query`, then switched to `page_script` (as with a deep link,
    the default page runs first); `before_page` runs in between, e.g. to forget what that page did."""
    at = start_app(**query)
    before_page()
    at.switch_page(page_script)
    return at.run()


def log_in(username: str, password: str = PASSWORD, *, state: dict | None = None, timeout: float = 60,
           **query):
    """AppTest of app.py with sign-in on (see `local_auth`): the login form filled in and sent."""
    at = start_app(state=state, timeout=timeout, **query)
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


@pytest.fixture(scope="session")
def _accounts_db(tmp_path_factory) -> Path:
    """An instance folder holding the ACCOUNTS, made once: Argon2 hashing takes a fraction of a second a
    password, and `local_auth` copies the database instead."""
    from rehabdash.access.accounts import AccountStore

    directory = tmp_path_factory.mktemp("accounts")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REHAB_INSTANCE_DIR", str(directory))
        patch.delenv("REHAB_DATABASE_URL", raising=False)
        store = AccountStore()
        for username, (role, scope) in ACCOUNTS.items():
            store.add(username, PASSWORD, role, list(scope))
    return directory


@pytest.fixture
def local_auth(_accounts_db, tmp_path, monkeypatch):
    """Sign-in on (REHAB_AUTH=local) with the accounts of ACCOUNTS in a fresh SQLite store of this test,
    at most 3 wrong passwords; the store."""
    from rehabdash.access.accounts import AccountStore

    for path in _accounts_db.glob("rehab.db*"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setenv("REHAB_AUTH", "local")
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("REHAB_DATABASE_URL", raising=False)
    monkeypatch.setenv("REHAB_LOCKOUT_AFTER", "3")
    return AccountStore()


def data_copy(tmp_path: Path, newest_only: bool = False) -> Path:
    """A copy of the sample snapshots (of the newest only, if asked) in `tmp_path`/data, to publish into
    or damage: tests never write to the committed data/."""
    directory = tmp_path / "data"
    source = PROJECT / "data" / "snapshots"
    if newest_only:
        from rehabdash.store.snapshots import list_snapshots, newest_valid

        newest = newest_valid(list_snapshots(PROJECT / "data")).path
        shutil.copytree(newest, directory / "snapshots" / newest.name)
    else:
        shutil.copytree(source, directory / "snapshots")
    return directory


@pytest.fixture
def sample_data(tmp_path, monkeypatch) -> Path:
    """A copy of the sample data (data_copy) that the app and the library read (REHAB_DATA_DIR)."""
    directory = data_copy(tmp_path)
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    return directory


# Settings of the map and of the data directory that a developer's shell may have set; the map tests
# expect the defaults.
MAP_ENV = ("REHAB_BASEMAP", "REHAB_TIANDITU_KEY", "REHAB_TILE_URL", "REHAB_TILE_DATUM", "REHAB_ASSET_BASE_URL",
           "REHAB_TILE_ATTRIBUTION", "REHAB_DATA_DIR")


@pytest.fixture
def clean_map_env(monkeypatch):
    for name in MAP_ENV:
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class AppPage:
    url_path: str  # "map" for /map
    script: str  # "app_pages/facility_map.py"
    title_key: str  # its navigation title in the locale files
    role: str  # the least role that may open it (viewer, clerk, admin)
    only_when: str | None = None  # a further condition of app.py, e.g. "new_deployment"


def app_pages() -> list[AppPage]:
    """The pages of the app, from the library's one table (rehabdash.access.pages.PAGES) that app.py
    and the role gate use too: a topic page is open to every viewer; setup only on an empty data
    directory."""
    from rehabdash.access import pages

    return [AppPage(p.url_path, p.script, p.title, p.role or "viewer",
                    "new_deployment" if p.url_path == pages.SETUP else None) for p in pages.PAGES]


@pytest.fixture
def downloads_clicked(monkeypatch):
    """Every download button's file built as if clicked. A button whose file is built on the click
    (a callable, as the tables' Excel files) has no file under AppTest, which runs no server."""
    import streamlit as st

    real = st.download_button

    def clicked(label, data, *args, **kwargs):
        return real(label, data() if callable(data) else data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", clicked)


@pytest.fixture
def excel_downloads(monkeypatch, downloads_clicked) -> dict[str, bytes]:
    """Sheet name → the Excel file of every table download a page builds (clear it before the page
    under test runs, e.g. `open_page(before_page=excel_downloads.clear)`)."""
    from rehabdash import ui

    downloads: dict[str, bytes] = {}
    original = ui.widgets.xlsx_bytes

    def recording(frame, sheet):
        downloads[sheet] = original(frame, sheet)
        return downloads[sheet]

    monkeypatch.setattr(ui.widgets, "xlsx_bytes", recording)
    return downloads


@pytest.fixture()
def empty_dir(tmp_path, monkeypatch) -> Path:
    """A data directory with nothing in it yet (a new deployment), and an instance folder of its own."""
    directory = tmp_path / "data"
    monkeypatch.setenv("REHAB_DATA_DIR", str(directory))
    monkeypatch.setenv("REHAB_INSTANCE_DIR", str(tmp_path / "instance"))
    return directory


def assert_clean(recorded: RecordedPage) -> None:
    """No error box on the page and no request to any host but the app's own."""
    assert recorded.page.locator('[data-testid="stException"]').count() == 0
    assert recorded.foreign_requests() == []


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    directory = PROJECT / ".pytest_cache" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


has_chromium = shutil.which(CHROMIUM) is not None


def require_tool(tool: str) -> None:
    """A command-line tool the test needs (soffice, pdftotext …): missing, the test fails in CI, else skips."""
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is required in CI")
        pytest.skip(f"{tool} not installed (allowed outside CI only)")


def office_to_pdf(document: Path) -> Path:
    """`document` (PPTX, DOCX …) rendered to PDF beside it by LibreOffice, as a reader's office suite would."""
    require_tool("soffice")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{document.parent}/lo",
                    "--convert-to", "pdf", "--outdir", str(document.parent), str(document)],
                   check=True, capture_output=True, timeout=180)
    return document.with_suffix(".pdf")


def pdf_text(pdf: Path) -> str:
    require_tool("pdftotext")
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


# The account and audit store, on both of its databases: SQLite in a temporary folder, and PostgreSQL
# at REHAB_TEST_POSTGRES_URL (set by .ci/run, which starts a cluster). Outside CI a missing server skips.
POSTGRES_URL = os.environ.get("REHAB_TEST_POSTGRES_URL")


def _postgres_schema_url() -> str:
    """A fresh schema of the test database for one test, so tests never see each other's rows."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("REHAB_TEST_POSTGRES_URL is not set; CI must test the PostgreSQL store")
        pytest.skip("REHAB_TEST_POSTGRES_URL not set (allowed outside CI only)")
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch):
    """REHAB_DATABASE_URL for one test, on SQLite and on PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'rehab.db'}" if request.param == "sqlite" else _postgres_schema_url()
    monkeypatch.setenv("REHAB_DATABASE_URL", url)
    return url
