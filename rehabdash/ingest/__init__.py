"""Data upkeep: the Excel template, the checked import and publishing it as a new snapshot.

    template_bytes(snapshot, lang)            the template clerks fill in
    read(content, lang) → check(reading, as_of)   read, then clean and check; nothing is written
    check_workbook(content, as_of, ...)       both in one call
    publish(checked, who, file_name, ...)     merge into the previous snapshot, write it, log it

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

__all__ = ["Checked", "LOG_FILE", "NotValid", "Problem", "Published", "Reading", "check", "check_workbook",
           "preview", "problem_table", "publish", "read", "read_log", "template_bytes"]


def publish(checked: Checked, who: str, file_name: str, data_dir: Path | None = None,
            progress=lambda share, stage: None) -> Published:
    """Publish a checked workbook as the snapshot of its as-of date; refuses one with problems."""
    if not checked.valid:
        raise NotValid(len(checked.problems))
    return publish_tables(checked.tables, checked.base, checked.as_of, who, file_name,
                          checked.file_sha256, data_dir, progress)


def preview(checked: Checked) -> dict[str, Change]:
    """Rows each table would gain and replace if `checked` were published now."""
    return count_changes(checked.tables, checked.base)
