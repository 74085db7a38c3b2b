"""Hostile township boundary files (issue 35): GDAL VRTs under every accepted suffix and inside zips
whose source is a local CSV, an SQLite database (the accounts database among them) or a /vsicurl/
URL; XML entities; zip bombs; path traversal; a huge polygon; and each limit. Every one is refused
with a Chinese message, through the library, the page (signed in as an admin) and the command line,
nothing is published, no marker of a local file or of the local test server appears in any answer,
and the test server receives no request.

With the GDAL reader these tests replace, the VRTs listed the marker rows in the problem table and
the URL source fetched the test server's page.
"""
# ruff: noqa: F811 (data_dir, the fixture imported from test_boundary_import, is a parameter of the tests)
from __future__ import annotations

import http.server
import io
import json
import math
import os
import sqlite3
import struct
import subprocess
import sys
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import mapping

from rehabdash.access.accounts import Account, AccountStore
from rehabdash.ingest import boundaries as township_import
from rehabdash.store import boundaries

from .seed import YUANHUI
from .conftest import PASSWORD, as_read, log_in
from .test_boundary_import import data_dir, geojson, surveyed, three_problems  # noqa: F401 (data_dir: the fixture)

PROJECT = Path(__file__).resolve().parent.parent
ADMIN = Account("admin1", "admin", (), password_hash="")
MARKERS = {"csv": "MARKER-CSV-5b1f0c", "sqlite": "MARKER-SQLITE-93ad", "http": "MARKER-HTTP-e27c",
           "account": "marker_account_41d7"}


class _Bait(http.server.BaseHTTPRequestHandler):
    """The intranet server a hostile file would make the dashboard fetch: it answers with its marker
    and keeps every request it receives."""

    def do_GET(self):
        self.server.requests.append(self.path)
        body = f"name,x,y\n{MARKERS['http']},114,33\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def bait(tmp_path_factory):
    """The marker files (CSV, SQLite) and the local test server, with the hostile files pointing at them."""
    folder = tmp_path_factory.mktemp("bait")
    (folder / "secret.csv").write_text(f"name,x,y\n{MARKERS['csv']},114,33\n", encoding="utf-8")
    with sqlite3.connect(folder / "secret.sqlite") as db:
        db.execute("CREATE TABLE secret (name TEXT, x REAL, y REAL)")
        db.execute("INSERT INTO secret VALUES (?, 114, 33)", (MARKERS["sqlite"],))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Bait)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.folder = folder
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def vrt(source: str, layer: str, x: str = "x", y: str = "y") -> bytes:
    """A GDAL virtual dataset whose rows are those of ``source``, with points from two of its columns
    (a feature with a geometry is listed in the problem table, naming its row)."""
    return (f'<OGRVRTDataSource><OGRVRTLayer name="{layer}"><SrcDataSource>{source}</SrcDataSource>'
            f'<SrcLayer>{layer}</SrcLayer><GeometryType>wkbPoint</GeometryType>'
            f'<GeometryField encoding="PointFromColumns" x="{x}" y="{y}"/></OGRVRTLayer></OGRVRTDataSource>').encode()


def zipped(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def huge_polygon(vertices: int) -> bytes:
    """One township of 源汇区, a circle of ``vertices`` points within it."""
    code, (name, polygon) = next(iter(surveyed().items()))
    x, y = polygon.representative_point().coords[0]
    ring = [[round(x + 0.002 * math.cos(2 * math.pi * i / vertices), 7),
             round(y + 0.002 * math.sin(2 * math.pi * i / vertices), 7)] for i in range(vertices)]
    return geojson([({"code": code, "name": name}, {"type": "Polygon", "coordinates": [ring + ring[:1]]})])


def records_of_letters(count: int) -> bytes:
    """``count`` .dbf records of one random letter each (so that the .dbf does not compress 1000:1)."""
    letters = np.random.default_rng(35).integers(ord("a"), ord("z") + 1, count, dtype=np.uint8)
    return np.column_stack([np.full(count, ord(" "), np.uint8), letters]).tobytes()


def feature_bomb(count: int) -> bytes:
    """A zipped Shapefile of ``count`` empty records (the issue's zip listed 2,000,001 problems)."""
    records = np.zeros(count, dtype=[("number", ">i4"), ("words", ">i4"), ("kind", "<i4")])
    records["number"], records["words"] = np.arange(1, count + 1), 2
    index = np.zeros(count, dtype=[("offset", ">i4"), ("words", ">i4")])
    index["offset"], index["words"] = (100 + 12 * np.arange(count)) // 2, 2

    def header(size: int) -> bytes:
        return struct.pack(">7i", 9994, 0, 0, 0, 0, 0, size // 2) + struct.pack("<2i", 1000, 5) + bytes(64)

    dbf = (struct.pack("<4BIHH20x", 3, 125, 1, 1, count, 65, 2) + b"NAME".ljust(11, b"\0") + b"C" + bytes(4)
           + bytes([1]) + bytes(15) + b"\r" + records_of_letters(count) + b"\x1a")
    return zipped({"xz.shp": header(100 + 12 * count) + records.tobytes(),
                   "xz.shx": header(100 + 8 * count) + index.tobytes(), "xz.dbf": dbf})


def hostile(bait) -> dict[str, tuple[str, bytes, str]]:
    """{case: (file name, content, what the message must say)}."""
    folder, url = bait.folder, bait.url
    sources = {"csv": (str(folder / "secret.csv"), "secret"), "sqlite": (str(folder / "secret.sqlite"), "secret"),
               "url": (f"/vsicurl/{url}/secret.csv", "secret")}
    cases = {}
    for kind, (source, layer) in sources.items():
        payload = vrt(source, layer)
        cases[f"vrt-{kind}-kml"] = ("乡镇.kml", payload, "内容不是 KML")
        cases[f"vrt-{kind}-geojson"] = ("乡镇.geojson", payload, "内容不是 GeoJSON")
        cases[f"vrt-{kind}-json"] = ("a.json", payload, "内容不是 GeoJSON")
        cases[f"vrt-{kind}-zip"] = ("乡镇.zip", zipped({"a.vrt": payload}), "压缩包中没有 Shapefile")
        cases[f"vrt-{kind}-kmz"] = ("乡镇.kmz", zipped({"doc.kml": payload}), "内容不是 KML")
        # a VRT dressed as each part of a Shapefile
        cases[f"vrt-{kind}-shp"] = ("乡镇.zip", zipped({"a.shp": payload, "a.shx": payload, "a.dbf": payload}),
                                    "Shapefile“a.shp”已损坏或不完整")
    secret = folder / "secret.csv"
    cases["xxe"] = ("乡镇.kml", (f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file://{secret}">]>'
                                 "<kml><Placemark><name>&x;</name></Placemark></kml>").encode(), "含 DTD、实体或外部引用")
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    cases["billion-laughs"] = ("乡镇.kml", (f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY l0 "lol">{laughs}]>'
                                            "<kml><Placemark><name>&l9;</name></Placemark></kml>").encode(),
                               "含 DTD、实体或外部引用")
    cases["network-link"] = ("乡镇.kml", (f'<kml xmlns="http://www.opengis.net/kml/2.2"><NetworkLink><Link>'
                                          f"<href>{url}/secret.kml</href></Link></NetworkLink></kml>").encode(),
                             "没有任何要素")
    cases["zip-ratio"] = ("乡镇.zip", zipped({"a.shp": bytes(80 * 2**20), "a.shx": b"", "a.dbf": b""}),
                          "疑似压缩炸弹")
    cases["zip-files"] = ("乡镇.zip", zipped({f"{i}.txt": b"" for i in range(5000)}), "REHAB_BOUNDARY_MAX_ZIP_FILES")
    cases["zip-features"] = ("乡镇.zip", feature_bomb(100_001), "REHAB_BOUNDARY_MAX_FEATURES")
    cases["traversal"] = ("乡镇.zip", zipped({"../../evil.shp": b"", "../../evil.shx": b"", "../../evil.dbf": b""}),
                          "含绝对路径、盘符或“..”")
    cases["absolute"] = ("乡镇.zip", zipped({"/tmp/evil.shp": b""}), "含绝对路径、盘符或“..”")
    # 3.4 million empty arrays in 10 MB: about 250 MB as Python lists, refused before parsing
    cases["json-values"] = ("乡镇.geojson", b'{"type": "FeatureCollection", "features": [], "x": [' + b"[]," * 3_400_000
                            + b"[]]}", "REHAB_BOUNDARY_MAX_VERTICES")
    # 4.1 million empty elements in 16 MB: seconds of parsing, refused by counting the tags
    cases["xml-tags"] = ("乡镇.kml", b"<kml>" + b"<a/>" * 4_100_000 + b"</kml>", "个 XML 标记")
    cases["huge-polygon"] = ("乡镇.geojson", huge_polygon(250_000), "REHAB_BOUNDARY_MAX_FEATURE_VERTICES")
    return cases


@pytest.fixture(scope="module")
def cases(bait):
    return hostile(bait)


def assert_no_leak(text: str, bait) -> None:
    for marker in MARKERS.values():
        assert marker not in text
    assert "root:" not in text  # nothing of /etc/passwd either
    assert bait.requests == [], bait.requests


def test_every_hostile_file_is_refused_by_the_library(data_dir, bait, cases):
    for case, (name, content, expected) in cases.items():
        checked = township_import.check_file(content, name, ADMIN)
        assert not checked.valid and checked.features == [], case
        assert len(checked.problems) == 1 and expected in checked.problems[0], (case, checked.problems)
        assert checked.problems[0].isascii() is False  # in Chinese
        assert_no_leak("\n".join(checked.problems), bait)
    assert not boundaries.imported_path().exists()


# The command line starts a Python each time (5 s on a loaded machine): every class once, the VRT
# sources spread over the suffixes.
CLI_CASES = ("vrt-csv-kml", "vrt-sqlite-geojson", "vrt-url-json", "vrt-csv-zip", "vrt-sqlite-kmz", "vrt-url-shp",
             "xxe", "billion-laughs", "network-link", "zip-ratio", "zip-files", "zip-features", "traversal",
             "huge-polygon")


def test_every_class_of_hostile_file_is_refused_by_the_command_line(data_dir, bait, cases, tmp_path):
    env = {**os.environ, "REHAB_DATA_DIR": str(data_dir), "REHAB_INSTANCE_DIR": str(data_dir / "instance")}

    def run(case: str) -> subprocess.CompletedProcess:
        name, content, _ = cases[case]
        path = tmp_path / case / name
        path.parent.mkdir()
        path.write_bytes(content)
        return subprocess.run([sys.executable, "-m", "rehabdash", "boundaries", "import", str(path)],
                              cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300, check=False)

    with ThreadPoolExecutor(3) as pool:
        results = dict(zip(CLI_CASES, pool.map(run, CLI_CASES)))
    for case, done in results.items():
        assert done.returncode == 1, (case, done.stdout, done.stderr)
        assert "发现 1 个问题，未发布任何内容" in done.stderr and cases[case][2] in done.stderr, (case, done.stderr)
        assert "Traceback" not in done.stderr
        assert_no_leak(done.stdout + done.stderr, bait)
    assert not boundaries.imported_path().exists()


def shown(at) -> str:
    """Every text the page shows, tables included: as sent and as a reader sees it (an escaped name
    holds backslashes in the Markdown sent)."""
    texts = [str(e.value) for kind in ("error", "warning", "info", "success", "markdown", "caption", "exception")
             for e in getattr(at, kind)]
    tables = [d.value for d in [*at.table, *at.dataframe]]
    return "\n".join(texts + [as_read(t) for t in texts] + [t.to_csv() for t in tables]
                     + [t.map(as_read).to_csv() for t in tables])


def test_every_hostile_file_is_refused_on_the_page(data_dir, bait, cases, monkeypatch):
    """Signed in as an admin of 源汇区; the accounts database holds the marker account too, and a VRT
    pointing at it (the issue's first finding) is among the files."""
    monkeypatch.setenv("REHAB_AUTH", "local")
    store = AccountStore()
    store.add("yh_admin", PASSWORD, "admin", [YUANHUI])
    store.add(MARKERS["account"], PASSWORD, "viewer", ["150200000000"])
    accounts_db = Path(os.environ["REHAB_INSTANCE_DIR"]) / "rehab.db"  # where data_dir put the instance
    assert accounts_db.is_file()
    accounts = vrt(str(accounts_db), "rehab_accounts", "failed_logins", "failed_logins")
    files = {**cases, "vrt-accounts-kml": ("乡镇.kml", accounts, "内容不是 KML"),
             "vrt-accounts-zip": ("乡镇.zip", zipped({"a.vrt": accounts}), "压缩包中没有 Shapefile")}
    at = log_in("yh_admin")
    at.switch_page("app_pages/boundaries.py").run()
    assert not at.exception and at.title[0].value == "乡镇边界导入"
    at.text_input(key="boundaries_field").set_value("username").run()  # the accounts' column, as an attacker would
    for case, (name, content, expected) in files.items():
        if case == "huge-polygon":
            at.text_input(key="boundaries_field").set_value("").run()
        at.file_uploader[0].set_value((name, content, "application/octet-stream"))
        at.run()
        at.button(key="boundaries_check").click()
        at.run()
        assert not at.exception, case
        assert at.error[0].value == "发现 1 个问题，未发布任何内容：", (case, at.error[0].value)
        problems = ([d.value.map(as_read) for d in at.table if "问题" in d.value.columns]  # st.table reads Markdown
                    + [d.value for d in at.dataframe if "问题" in d.value.columns])[0]
        assert len(problems) == 1 and expected in problems["问题"].iloc[0], (case, problems["问题"].tolist())
        assert not [b for b in at.button if b.key == "boundaries_publish"]
        assert_no_leak(shown(at), bait)
    assert not boundaries.imported_path().exists()


# ------------------------------------------------------------------------------ each limit, by its setting

def test_a_file_over_the_size_limit_is_not_read(data_dir, monkeypatch):
    content, _ = three_problems()
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_MB", "0.001")  # 1,049 bytes
    checked = township_import.check_file(content, "乡镇.geojson", ADMIN)
    size = f"{len(content) / 1024:.0f} KB"
    assert checked.problems == [f"文件“乡镇.geojson”有 {size}，超过上限 0.001 MB（设置 REHAB_BOUNDARY_MAX_MB），未读取。"]


def test_a_zip_over_the_unpacked_limit_is_not_unpacked(data_dir, monkeypatch):
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_UNPACKED_MB", "1")
    content = zipped({"a.shp": os.urandom(600_000), "a.dbf": os.urandom(600_000)})  # 1.1 MB, incompressible
    checked = township_import.check_file(content, "a.zip", ADMIN)
    assert checked.problems == ["压缩包“a.zip”解压后超过 1.1 MB，超过上限 1 MB（设置 REHAB_BOUNDARY_MAX_UNPACKED_MB），未解压。"]


def test_too_many_features_are_refused_before_they_are_read(data_dir, monkeypatch):
    content, _ = three_problems()  # four features
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_FEATURES", "3")
    checked = township_import.check_file(content, "乡镇.geojson", ADMIN)
    assert checked.problems == [("文件“乡镇.geojson”有 4 个以上要素，超过上限 3 个（设置 REHAB_BOUNDARY_MAX_FEATURES）："
                                 "请按区县拆分后分别导入。")]


def test_too_many_vertices_in_all_stop_the_reading(data_dir, monkeypatch):
    towns = list(surveyed().items())[:3]
    content = geojson([({"code": code}, mapping(polygon)) for code, (_, polygon) in towns])
    vertices = [len(polygon.exterior.coords) + sum(len(r.coords) for r in polygon.interiors) for _, (_, polygon) in towns]
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_VERTICES", str(sum(vertices) - 1))
    checked = township_import.check_file(content, "乡镇.geojson", ADMIN)
    assert checked.problems == [(f"文件的顶点总数超过上限 {sum(vertices) - 1:,} 个（设置 REHAB_BOUNDARY_MAX_VERTICES），"
                                 "已停止读取：请简化边界或按区县拆分后分别导入。")]
    assert checked.features == []
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_VERTICES", str(sum(vertices)))
    assert township_import.check_file(content, "乡镇.geojson", ADMIN).valid


def test_a_placemark_of_too_many_elements_stops_the_reading(data_dir, monkeypatch):
    """A placemark is held as XML until it ends: one of more elements than the vertices of a feature
    is no township's, and reading stops there."""
    (_, (name, polygon)), = list(surveyed().items())[:1]
    ring = " ".join(f"{x},{y}" for x, y in polygon.exterior.coords)
    data = "".join(f'<Data name="d{i}"><value>{i}</value></Data>' for i in range(60))
    content = (f'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>{name}</name>'
               f"<ExtendedData>{data}</ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}"
               "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>").encode()
    assert township_import.check_file(content, "a.kml", ADMIN).valid
    # 60 Data and 60 value, ExtendedData, name, Polygon, outerBoundaryIs, LinearRing, coordinates: 126 elements
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_FEATURE_VERTICES", "126")
    assert township_import.check_file(content, "a.kml", ADMIN).valid
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_FEATURE_VERTICES", "125")
    checked = township_import.check_file(content, "a.kml", ADMIN)
    assert checked.problems == [("第 1 个要素有 125 个以上 XML 元素，超过每个要素 125 个的上限"
                                 "（设置 REHAB_BOUNDARY_MAX_FEATURE_VERTICES）：请在 GIS 软件中简化后重新导出。")]
    assert checked.features == []


def test_the_first_problems_are_listed_and_the_rest_counted(data_dir, monkeypatch):
    content, _ = three_problems()
    everything = township_import.check_file(content, "乡镇.geojson", ADMIN).problems
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_PROBLEMS", "2")
    checked = township_import.check_file(content, "乡镇.geojson", ADMIN)
    assert checked.problem_count == 3 and not checked.valid
    assert checked.problems == everything[:2] + ["另有 1 个问题未列出（只列出前 2 个，设置 REHAB_BOUNDARY_MAX_PROBLEMS）。"]


def test_a_check_over_the_time_limit_stops(data_dir, monkeypatch):
    towns = list(surveyed().items())[:2]
    monkeypatch.setenv("REHAB_BOUNDARY_MAX_SECONDS", "0")
    checked = township_import.check_file(geojson([({"code": c}, mapping(p)) for c, (_, p) in towns]),
                                         "乡镇.geojson", ADMIN)
    assert checked.problems == ["检查超过 0 秒（设置 REHAB_BOUNDARY_MAX_SECONDS），已停止：请简化边界或按区县拆分后分别导入。"]
    assert checked.features == []


def test_a_coordinate_system_is_never_a_proj_string_or_a_file(data_dir, bait):
    """PROJ takes "+init=FILE:ID" and reads that file: neither the EPSG field, a .prj nor a GeoJSON's
    "crs" may hand it one."""
    secret = bait.folder / "secret.csv"
    (code, (_, polygon)), = list(surveyed().items())[:1]
    content = geojson([({"code": code}, mapping(polygon))])
    for choice in (f"+init={secret}:name", f"+proj=longlat +init={secret}:x", "file:///etc/passwd"):
        assert township_import.check_file(content, "a.geojson", ADMIN, crs=choice).problems == [
            f"无法识别坐标系“{choice}”：投影坐标系请填 EPSG 代码，如 4547。"]
    declared = json.loads(content)
    declared["crs"] = {"type": "name", "properties": {"name": f"+init={secret}:name"}}
    problems = township_import.check_file(json.dumps(declared).encode(), "a.geojson", ADMIN).problems
    assert len(problems) == 1 and "GeoJSON 声明的坐标系" in problems[0]
    from .test_boundary_import import shapefile_zip
    parts = zipfile.ZipFile(io.BytesIO(shapefile_zip(dict(list(surveyed().items())[:1]), 4547)))
    members = {n: parts.read(n) for n in parts.namelist()}
    members["xz.prj"] = f"+init={secret}:name".encode()
    problems = township_import.check_file(zipped(members), "a.zip", ADMIN).problems
    assert problems == [("无法读取文件“a.zip”（“xz.prj”不是有效的 WKT 坐标系）。请上传 GeoJSON、KML，"
                         "或含 .shp、.shx、.dbf、.prj 的 Shapefile 压缩包（.zip）。")]
    assert_no_leak("\n".join(problems), bait)


def test_a_coordinate_system_named_in_markdown_is_shown_as_text(data_dir, monkeypatch):
    """A Shapefile's .prj names its coordinate system, and the page's note repeats that name: a name
    written as a Markdown image or link stays text (no request to another host, no link)."""
    from markdown_it import MarkdownIt
    from pyproj import CRS

    from .test_boundary_import import shapefile_zip

    monkeypatch.setenv("REHAB_AUTH", "local")
    AccountStore().add("yh_admin", PASSWORD, "admin", [YUANHUI])
    towns = dict(list(surveyed().items())[:1])
    parts = zipfile.ZipFile(io.BytesIO(shapefile_zip(towns, 4547)))
    members = {n: parts.read(n) for n in parts.namelist()}
    name = "![t](http://198.51.100.7/x.png)[点此](http://198.51.100.7/)"
    wkt = CRS.from_epsg(4547).to_wkt("WKT1_ESRI")
    members["xz.prj"] = wkt.replace(wkt.split('"')[1], name, 1).encode()
    assert CRS.from_wkt(members["xz.prj"].decode()).name == name  # the library reads the name as given
    at = log_in("yh_admin")
    at.switch_page("app_pages/boundaries.py").run()
    at.file_uploader[0].set_value(("乡镇.zip", zipped(members), "application/zip"))
    at.run()
    at.button(key="boundaries_check").click()
    at.run()
    assert not at.exception
    notes = [i.value for i in at.info if "坐标系" in i.value]
    assert notes, [i.value for i in at.info]
    rendered = MarkdownIt().render(notes[0])  # what a Markdown reader makes of the note
    assert "<img" not in rendered and "<a " not in rendered, rendered
    assert "![t](http://198.51.100.7/x.png)" in rendered  # the name, shown as written
