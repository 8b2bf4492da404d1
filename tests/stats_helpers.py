"""Helpers for the stats tests: a settable clock and a real read-only switch for files.

Root ignores file permissions, so as root a file or directory is made read-only with the
immutable attribute (``chattr +i``), which stops root too; otherwise ``chmod`` is enough.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` (a file or a directory) unwritable for this process, then restore it."""
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("running as root without chattr: cannot make a file read-only")
        result = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"chattr +i not supported here: {result.stderr.strip()}")
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(stat.S_IMODE(mode) & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield
        finally:
            path.chmod(stat.S_IMODE(mode))


def table_rows(db_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, read with a separate plain connection."""
    db = sqlite3.connect(db_path)
    try:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {name: db.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    finally:
        db.close()


def counts(db_path: Path) -> dict[tuple[str, ...], int]:
    """(day, topic, language, channel, source, kind) -> count."""
    db = sqlite3.connect(db_path)
    try:
        return {tuple(r[:6]): r[6] for r in db.execute(
            "SELECT day, topic, language, channel, source, kind, count FROM counts")}
    finally:
        db.close()
