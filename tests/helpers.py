"""Shared helpers for the tests: the real knowledge base and a fixed clock."""

from __future__ import annotations

import shutil
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.engine import Engine
from bot.knowledge_files import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
AMS = ZoneInfo("Europe/Amsterdam")
# A Tuesday afternoon and a Sunday night, in Leiden.
TUESDAY_AFTERNOON = datetime(2026, 11, 24, 14, 30, tzinfo=AMS)
SUNDAY_NIGHT = datetime(2026, 11, 29, 3, 10, tzinfo=AMS)


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine(load_knowledge(KNOWLEDGE), "leiden")


def copy_knowledge(target: Path) -> Path:
    """A private copy of the knowledge folder that a test may break."""
    dest = target / "knowledge"
    shutil.copytree(KNOWLEDGE, dest)
    return dest
