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


def engine_with_a_close_call(target: Path) -> Engine:
    """The real knowledge with one made-up phrase given as an example to two unrelated topics
    (sport and privacy), so that a message of just that phrase is a close call the core
    asks about."""
    knowledge = copy_knowledge(target)
    for topic in ("sport", "privacy"):
        path = knowledge / "topics" / f"{topic}.yaml"
        lines = path.read_text(encoding="utf-8").splitlines()
        at = lines.index("examples:") + 1
        assert lines[at] == "  nl:"
        lines.insert(at + 1, '    - "zwaluwstaart koekoeksklok"')
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Engine(load_knowledge(knowledge), "leiden")
