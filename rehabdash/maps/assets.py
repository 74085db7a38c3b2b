"""Front-end assets served by the app itself, so the map works on an intranet with no internet.

The map is drawn with Leaflet alone: folium's default jQuery, Bootstrap, Font Awesome and
awesome-markers are not used (see ``rehabdash.maps.mapkit``). Each pinned package is fetched from the
npm registry with ``npm pack``, its tarball checked against the pinned sha512, and the files the
map needs are copied, with the package's LICENSE, into ``static/vendor/<package>/``. Streamlit
serves that folder at ``/app/static/vendor/...`` when ``[server] enableStaticServing = true``
(the ``static/`` folder beside the entry script ``app.py``).

    python -m rehabdash.maps.assets            # install what is missing (skips what is already there)
    python -m rehabdash.maps.assets --check    # exit 1 if anything is missing, install nothing
    python -m rehabdash.maps.assets --force    # reinstall
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rehabdash.kernel.config import PROJECT_DIR
from rehabdash.kernel.errors import AssetError

STATIC_DIR = PROJECT_DIR / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
STAMP_NAME = "VERSION.json"


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files of its tarball we serve (paths inside ``package/``)."""

    version: str
    integrity: str  # the registry's sha512, as `npm pack --json` and package-lock.json give it
    files: dict[str, str]  # tarball path (below package/) -> path below static/vendor/<name>/
    license: str = "LICENSE"


# Every pinned front-end asset, in one place.
PACKAGES: dict[str, Package] = {
    "leaflet": Package(
        version="1.9.4",
        integrity="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        files={
            "dist/leaflet.js": "leaflet.js",
            "dist/leaflet.css": "leaflet.css",
            # leaflet.css refers to these as url(images/...); markers use them too.
            "dist/images/layers.png": "images/layers.png",
            "dist/images/layers-2x.png": "images/layers-2x.png",
            "dist/images/marker-icon.png": "images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "images/marker-shadow.png",
        },
    ),
    # The accessibility audit of the browser tests (tests/test_browser_a11y.py); no page loads it.
    "axe-core": Package(
        version="4.14.1",
        integrity="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        files={"axe.min.js": "axe.min.js"},
    ),
}


def package_dir(name: str, vendor_dir: Path | None = None) -> Path:
    return (vendor_dir or VENDOR_DIR) / name


def _stamp(name: str, pkg: Package) -> dict:
    return {"package": name, "version": pkg.version, "integrity": pkg.integrity,
            "files": sorted(pkg.files.values()) + ["LICENSE"]}


def is_installed(name: str, vendor_dir: Path | None = None) -> bool:
    """True when the pinned version of ``name`` and all its files are in place."""
    pkg = PACKAGES[name]
    target = package_dir(name, vendor_dir)
    try:
        stamp = json.loads((target / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if stamp.get("version") != pkg.version or stamp.get("integrity") != pkg.integrity:
        return False
    return all((target / rel).is_file() for rel in _stamp(name, pkg)["files"])


def missing(vendor_dir: Path | None = None) -> list[str]:
    """Names of pinned packages not (or not at the pinned version) installed."""
    return [name for name in PACKAGES if not is_installed(name, vendor_dir)]


def _npm() -> str:
    npm = shutil.which("npm")
    if not npm:
        raise AssetError(
            "未找到 npm：安装地图前端资源需要 Node.js 的 npm（例如 apt-get install npm），"
            "或者把已安装好的 static/vendor/ 目录从另一台机器复制过来。\n"
            "npm not found: installing the map's front-end assets needs npm (Node.js), e.g. "
            "`apt-get install npm`, or copy an installed static/vendor/ folder from another machine."
        )
    return npm


def _sri_sha512(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def _fetch(name: str, pkg: Package, workdir: Path) -> Path:
    """`npm pack name@version` into workdir; return the checked tarball."""
    cmd = [_npm(), "pack", f"{name}@{pkg.version}", "--json", "--pack-destination", str(workdir)]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssetError(
            f"npm pack {name}@{pkg.version} 失败（退出码 {proc.returncode}），请检查能否访问 npm 仓库。\n"
            f"npm pack {name}@{pkg.version} failed (exit {proc.returncode}); is the npm registry "
            f"reachable?\n{proc.stderr.strip()[-2000:]}"
        )
    tarballs = sorted(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise AssetError(f"npm pack 未生成唯一的 .tgz / npm pack did not produce one .tgz: {tarballs}")
    got = _sri_sha512(tarballs[0])
    if got != pkg.integrity:
        raise AssetError(
            f"{name}@{pkg.version} 的校验和与固定值不符，已拒绝安装。\n"
            f"{name}@{pkg.version}: checksum mismatch, refusing to install.\n"
            f"  expected {pkg.integrity}\n  got      {got}"
        )
    return tarballs[0]


def _extract(name: str, pkg: Package, tarball: Path, dest: Path) -> None:
    wanted = {f"package/{src}": rel for src, rel in pkg.files.items()}
    wanted[f"package/{pkg.license}"] = "LICENSE"
    found: set[str] = set()
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            rel = wanted.get(member.name)
            if rel is None or not member.isfile():
                continue
            src = tar.extractfile(member)
            assert src is not None
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(src.read())
            found.add(member.name)
    lacking = sorted(set(wanted) - found)
    if lacking:
        raise AssetError(f"{name}@{pkg.version} 的压缩包缺少文件 / tarball lacks files: {lacking}")
    (dest / STAMP_NAME).write_text(
        json.dumps(_stamp(name, pkg), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def install(name: str, *, vendor_dir: Path | None = None, force: bool = False) -> bool:
    """Install one pinned package; return True if it was (re)installed, False if already there."""
    pkg = PACKAGES[name]
    if not force and is_installed(name, vendor_dir):
        return False
    target = package_dir(name, vendor_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"rehab-{name}-") as tmp:
        work = Path(tmp)
        tarball = _fetch(name, pkg, work)
        # Build beside the target, then swap it in, so a failure never leaves half a package.
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
        try:
            _extract(name, pkg, tarball, staging)
            if target.exists():
                old = target.with_name(f".{name}-old")
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
                staging.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return True


def install_all(*, vendor_dir: Path | None = None, force: bool = False) -> dict[str, bool]:
    return {name: install(name, vendor_dir=vendor_dir, force=force) for name in PACKAGES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rehabdash.maps.assets",
        description="安装地图所需的前端资源（离线可用） / install the map's pinned front-end assets",
    )
    parser.add_argument("--dest", type=Path, default=VENDOR_DIR,
                        help=f"vendor folder (default: {VENDOR_DIR})")
    parser.add_argument("--force", action="store_true", help="reinstall even if present")
    parser.add_argument("--check", action="store_true",
                        help="only check; exit 1 if something is missing")
    args = parser.parse_args(argv)

    if args.check:
        lacking = missing(args.dest)
        for name in PACKAGES:
            state = "缺失 missing" if name in lacking else "已安装 ok"
            print(f"{name}@{PACKAGES[name].version}: {state}")
        return 1 if lacking else 0
    try:
        for name in PACKAGES:
            done = install(name, vendor_dir=args.dest, force=args.force)
            verb = "已安装 installed" if done else "已是固定版本，跳过 already pinned version, skipped"
            print(f"{name}@{PACKAGES[name].version}: {verb} -> {package_dir(name, args.dest)}")
    except AssetError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
