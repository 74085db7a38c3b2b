"""A sidebar change on a settled page, in headless Chromium (issue 20). Not a test.

    python bench/browser.py [--changes 4] [--pages overview,map,funding,devices,children] [--out bench/browser.json]

Starts `streamlit run app.py` on loopback (demo data, or --data-dir) and opens each page with the first
city and its first district. Once the page has settled, it picks the other of the city's first two
districts in the sidebar's 区县 box, again and again, and times each change: from the click on the
option to the script run that follows having finished (the app's `data-test-script-state` went to
running and back to notRunning), the page header naming the new district and, on the map page, the
map frame holding the new district's map. The first change of each page is not counted (it also
fills the server's caches for that district). Reports p50/p90/max over every counted change.
Chromium: /usr/bin/chromium --no-sandbox --disable-gpu --disable-background-networking.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

import pandas as pd  # noqa: E402

from bench.load import Server, git_commit, percentiles  # noqa: E402
from rehabdash.store.snapshots import list_snapshots, newest_valid  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = ["overview", "map", "funding", "devices", "children"]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

WATCH = """() => {
  window.__states = [];
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => window.__states.push(app.getAttribute('data-test-script-state')))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
# Settled with `name` shown: a run started after the click and finished, the header caption names the
# district, and (on the map page) the map frame holds the district's map.
SETTLED = """([mark, name, isMap]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const since = window.__states.slice(mark);
  if (!since.includes('running') || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  const caption = document.querySelector('[data-testid="stMain"] [data-testid="stCaptionContainer"]');
  if (!caption || !caption.innerText.includes(name)) return false;
  if (!isMap) return true;
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const doc = frame && frame.contentDocument;
  return !!doc && doc.querySelectorAll('.rd-center').length === 1 && doc.documentElement.innerHTML.includes(name);
}"""


def scope_names(data_dir: Path) -> tuple[str, list[str]]:
    snapshot = newest_valid(list_snapshots(data_dir))
    regions = pd.read_parquet(snapshot.table_path("regions"))
    city = regions.loc[regions["level"] == "city"].sort_values("region_code").iloc[0]
    districts = regions[(regions["level"] == "district") & (regions["parent_code"] == city["region_code"])]
    return city["name"], districts.sort_values("region_code")["name"].tolist()[:2]


def measure(url: str, pages: list[str], city: str, districts: list[str], changes: int, timeout_ms: int) -> dict:
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for page_name in pages:
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
                page = context.new_page()
                path = "" if page_name == "overview" else page_name
                page.goto(f"{url}/{path}?city={city}&district={districts[0]}", timeout=timeout_ms)
                page.wait_for_function(
                    "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"
                    " && !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
                if page_name == "map":
                    page.frame_locator(MAP_FRAME).locator(".rd-center").first.wait_for(timeout=timeout_ms)
                page.wait_for_timeout(1000)  # settled: nothing left to draw
                page.evaluate(WATCH)
                times = []
                for i in range(changes + 1):  # the first change is not counted
                    name = districts[(i + 1) % 2]
                    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="区县")
                    box.locator("input").click()
                    option = page.get_by_role("option", name=name, exact=True)
                    try:
                        option.wait_for(timeout=3000)
                    except Exception:  # noqa: BLE001 - the click focused the box without opening it
                        box.locator("input").press("ArrowDown")
                        option.wait_for(timeout=timeout_ms)
                    mark = page.evaluate("window.__states.length")
                    start = time.perf_counter()
                    option.click()
                    page.wait_for_function(SETTLED, arg=[mark, name, page_name == "map"], timeout=timeout_ms,
                                           polling=25)
                    times.append(time.perf_counter() - start)
                    page.wait_for_timeout(500)  # settled again before the next change
                out[page_name] = {"first_s": round(times[0], 3), "counted_s": [round(t, 3) for t in times[1:]]}
                print(f"  {page_name}: {out[page_name]}", flush=True)
                context.close()
        finally:
            browser.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=PROJECT / "data")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--changes", type=int, default=4, help="counted changes per page")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one change may take")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "browser.json")
    args = parser.parse_args(argv)
    pages = [p for p in args.pages.split(",") if p]
    city, districts = scope_names(args.data_dir)
    results = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "commit": git_commit(PROJECT),
               "command": "python bench/browser.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               "load_average_start": [round(x, 2) for x in os.getloadavg()], "city": city, "districts": districts}
    server = Server(PROJECT / "app.py", {"REHAB_DATA_DIR": str(args.data_dir)}, "rehab-bench-browser.log")
    try:
        results["pages"] = measure(f"http://127.0.0.1:{server.port}", pages, city, districts,
                                   max(1, min(args.changes, 50)), int(args.timeout * 1000))
    finally:
        server.stop()
    counted = [t for p in results["pages"].values() for t in p["counted_s"]]
    results["all_changes"] = percentiles(counted)
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    p90 = results["all_changes"].get("p90_s")
    results["targets"] = {"sidebar change p90 <= 1 s": {"p90_s": p90, "n": len(counted),
                                                        "holds": p90 is not None and p90 <= 1}}
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(results["all_changes"]), results["targets"], flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
