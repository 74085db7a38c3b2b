"""Benchmark (not a test) of the upload page on the 100 000-row wrong-station workbook (issue 23):
the library's read + check + grouped problem table, then in Chromium the time from choosing the file
to the grouped problems shown ("100,000 行有同样的问题").

    python bench/upload_100k.py [--rows 100000] [--no-browser]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from rehabdash import ingest
from tests.workbooks import ADMIN  # noqa: E402
from tests import workbook_corpus as corpus  # noqa: E402
from tests.workbooks import AS_OF, data_copy  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    directory = data_copy(Path(tempfile.mkdtemp(prefix="bench-upload-")))
    start = time.perf_counter()
    content = corpus.wrong_station_everywhere(args.rows)(directory)
    print(f"workbook: {len(content) / 2**20:.1f} MB, made in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    checked = ingest.check_workbook(content, AS_OF, directory, account=ADMIN)
    table = ingest.problem_table(checked.problems, "zh")
    print(f"library: read + check + grouped table {time.perf_counter() - start:.1f} s, "
          f"{len(table)} lines; first: {table.iloc[0]['问题'][:60]}")
    if args.no_browser:
        return 0

    from playwright.sync_api import sync_playwright

    from tests.conftest import StreamlitServer
    server = StreamlitServer(env={"REHAB_DATA_DIR": str(directory)})
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server.url}/upload")
            page.locator('[data-testid="stFileUploader"]').wait_for(timeout=60_000)
            start = time.perf_counter()
            page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
                files=[{"name": "借用台账.xlsx", "mimeType": "application/octet-stream", "buffer": content}])
            page.locator('[data-testid="stAlert"]').filter(
                has_text=f"{args.rows:,} 行有同样的问题").wait_for(timeout=180_000)
            page.locator('[data-testid="stDataFrame"]').wait_for(timeout=60_000)
            elapsed = time.perf_counter() - start
            shot = PROJECT / ".pytest_cache" / "upload-100k.png"
            page.screenshot(path=str(shot))
            print(f"browser: file chosen → grouped problems shown {elapsed:.1f} s ({shot})")
            browser.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
