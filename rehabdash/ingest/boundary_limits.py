"""What one township boundary upload may cost, and the guard of a zip upload (KMZ, zipped Shapefile).

Every limit is a setting (config.BoundaryLimits) named in its message. A zip's sizes, compression ratio
and number of files are checked in its directory before anything is unpacked; its names are never
used as paths.
"""
from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import PurePosixPath

from rehabdash.kernel import i18n
from rehabdash.kernel.config import BOUNDARY_SETTINGS, BoundaryLimits

ZIP_MAGIC = b"PK\x03\x04"
ZIP_ENTRY = b"PK\x01\x02"  # one per file in a zip's central directory
RATIO_FROM = 2**20  # the ratio applies to files of the zip over 1 MB unpacked, as for workbooks
MB = 2**20


class Refused(Exception):
    """The file is not read: its message (in the user's language) says why and names the limit."""


class Budget:
    """The limits of one check, and what it has spent of them."""

    def __init__(self, limits: BoundaryLimits, lang: str = i18n.DEFAULT_LANGUAGE):
        self.limits, self.lang = limits, lang
        self.deadline = time.monotonic() + limits.max_seconds
        self.vertices = 0

    def message(self, key: str, **values) -> str:
        return i18n.text(self.lang, f"boundaries.{key}", **values)

    def unreadable(self, file_name: str, why: str, **values) -> Refused:
        """The file is not of its format: the reason is ``boundaries.why_<why>``."""
        return Refused(self.message("unreadable", file=file_name, reason=self.message(f"why_{why}", **values)))

    def refuse(self, key: str, limit: str, **values):
        raise Refused(self.message(key, limit=_number(getattr(self.limits, limit)),
                                   setting=BOUNDARY_SETTINGS[limit], **values))

    def clock(self) -> None:
        if time.monotonic() > self.deadline:
            self.refuse("limit_time", "max_seconds")

    def file(self, size: int, file_name: str) -> None:
        if size > self.limits.max_mb * MB:
            self.refuse("limit_file", "max_mb", file=file_name, size=_size(size))

    def features(self, count: int, file_name: str) -> None:
        if count > self.limits.max_features:
            self.refuse("limit_features", "max_features", file=file_name, count=f"{count:,}")

    def feature(self, n: int, vertices: int) -> str | None:
        """Adds a feature's vertices to the total (refused beyond it); the problem of a feature
        beyond its own limit, whose geometry is then not built."""
        self.clock()
        self.vertices += vertices
        if self.vertices > self.limits.max_vertices:
            self.refuse("limit_vertices", "max_vertices")
        if vertices > self.limits.max_feature_vertices:
            return self.message("limit_feature_vertices", n=n, count=f"{vertices:,}",
                                limit=_number(self.limits.max_feature_vertices),
                                setting=BOUNDARY_SETTINGS["max_feature_vertices"])
        return None


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count / 1024:.0f} KB"


def unzip(content: bytes, file_name: str, budget: Budget, wanted) -> dict[str, bytes]:
    """The files of the zip whose names end in ``wanted`` ({name: bytes}), after the zip's number of
    files, names, unpacked sizes and ratios have been checked in its directory."""
    limits = budget.limits
    if not content.startswith(ZIP_MAGIC):
        raise budget.unreadable(file_name, "not_zip")
    # Counted before zipfile reads the directory, which costs memory per entry.
    if (entries := content.count(ZIP_ENTRY)) > limits.max_zip_files:
        budget.refuse("limit_zip_files", "max_zip_files", file=file_name, count=f"{entries:,}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise budget.unreadable(file_name, "not_zip") from None
    if len(entries) > limits.max_zip_files:
        budget.refuse("limit_zip_files", "max_zip_files", file=file_name, count=f"{len(entries):,}")
    unpacked = 0
    for entry in entries:
        name = entry.filename
        if name.startswith(("/", "\\")) or "\\" in name or ":" in name or ".." in PurePosixPath(name).parts:
            raise budget.unreadable(file_name, "zip_path", name=name[:100])
        unpacked += entry.file_size
        if unpacked > limits.max_unpacked_mb * MB:
            budget.refuse("limit_unpacked", "max_unpacked_mb", file=file_name, size=_size(unpacked))
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FROM and ratio > limits.max_ratio:
            budget.refuse("limit_ratio", "max_ratio", file=file_name, name=name[:100], ratio=f"{ratio:,.0f}")
    parts = {}
    for entry in entries:
        if entry.is_dir() or not entry.filename.lower().endswith(wanted):
            continue  # never unpacked
        try:
            with archive.open(entry) as member:
                data = member.read(entry.file_size + 1)  # zipfile stops at the declared size; checked
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
            raise budget.unreadable(file_name, "zip_member", name=entry.filename[:100]) from None
        if len(data) != entry.file_size:
            raise budget.unreadable(file_name, "zip_member", name=entry.filename[:100])
        parts[entry.filename] = data
    return parts
