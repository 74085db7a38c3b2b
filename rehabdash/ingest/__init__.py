"""Data upkeep: the Excel template, the checked import and publishing it as a new snapshot.

    template_bytes(snapshot, lang)            the template clerks fill in
    read(content, lang) → check(reading, as_of)   read, then clean and check; nothing is written
    check_workbook(content, as_of, ...)       both in one call
    publish(checked, who, file_name, note=…)  merge into the newest version, commit it with its log

Every problem is reported at once, in the clerk's language, with sheet, Excel row and header.
"""
from __future__ import annotations

from pathlib import Path

from rehabdash.ingest.check import Checked, Reading, check, check_workbook, read
from rehabdash.ingest.problems import Problem, problem_table
from rehabdash.ingest.publish import (
    LOG_FILE,
    Change,
    Published,
    count_changes,
    publish_tables,
    read_log,
)
from rehabdash.ingest.template import template_bytes
from rehabdash.kernel.errors import NotValid
from rehabdash.store.snapshots import PublishError

__all__ = ["Checked", "LOG_FILE", "NotValid", "Problem", "PublishError", "Published", "Reading", "check", "check_workbook",
           "preview", "problem_table", "publish", "read", "read_log", "template_bytes"]


# What the upload page lets through: the workbook types clerks have; reader.py says what each one is.
UPLOAD_TYPES = ("xlsx", "xlsm", "xls", "et", "ods", "csv", "txt")


def publish(checked: Checked, who: str, file_name: str, data_dir: Path | None = None,
            progress=lambda share, stage: None, note: str = "") -> Published:
    """Commit a checked workbook as a new version on the newest one; refuses one with problems.

    `who` (the account name) and `note` (free text) go into the version's log entry. Raises
    PublishError (Chinese by default, `.text(lang)`) when nothing could be published.
    """
    if not checked.valid:
        raise NotValid(len(checked.problems))
    return publish_tables(checked.tables, checked.base, checked.as_of, who, file_name,
                          checked.file_sha256, data_dir, progress, note=note)


def preview(checked: Checked) -> dict[str, Change]:
    """Rows each table would gain and replace if `checked` were published now."""
    return count_changes(checked.tables, checked.base)
