"""Hot reload with real file changes in a running event loop."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.reload import KnowledgeWatcher, start_watching
from tests.helpers import TUESDAY_AFTERNOON as NOW
from tests.helpers import copy_knowledge


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


def _set_title(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert f"  nl: {old}\n" in text
    path.write_text(text.replace(f"  nl: {old}\n", f"  nl: {new}\n", 1), encoding="utf-8")


def _title_nl(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[lines.index("title:") + 1].split(":", 1)[1].strip()


async def _within(seconds: float, condition: Callable[[], bool]) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def test_an_edit_is_served_within_five_seconds(kb_dir: Path) -> None:
    sport = kb_dir / "topics" / "sport.yaml"
    old_title = _title_nl(sport)
    holder, watcher = start_watching(kb_dir)
    first = holder.current()
    assert old_title in first.topic_reply("sport", "nl", NOW).text
    watcher.start()
    try:
        _set_title(sport, old_title, "Bij je sportclub of sportvereniging (nieuw)")
        took = await _within(5, lambda: holder.current() is not first)
        reply = holder.current().topic_reply("sport", "nl", NOW)
        assert "Bij je sportclub of sportvereniging (nieuw)" in reply.text
        assert old_title + "\n" not in reply.text
        assert watcher.reloads == 1 and watcher.refusals == 0
        assert took < 5
    finally:
        await watcher.stop()


async def test_a_broken_edit_keeps_the_last_good_engine_and_logs_file_and_line(
    kb_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.reload")
    sport = kb_dir / "topics" / "sport.yaml"
    old_title = _title_nl(sport)
    holder, watcher = start_watching(kb_dir)
    good = holder.current()
    watcher.start()
    try:
        text = sport.read_text(encoding="utf-8")
        lines = text.splitlines()
        broken_line = lines.index("title:") + 2  # 1-based line of `  nl: ...` under title
        lines[broken_line - 1] = "  nl: [a list, where text belongs]"
        sport.write_text("\n".join(lines) + "\n", encoding="utf-8")
        await _within(5, lambda: watcher.refusals == 1)
        assert holder.current() is good
        assert old_title in holder.current().topic_reply("sport", "nl", NOW).text
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1, "one log record per change"
        assert f"{sport}:{broken_line}:" in errors[0].getMessage()

        # fixing the file brings the edit into service again
        sport.write_text(text.replace(f"  nl: {old_title}\n", "  nl: Sport (hersteld)\n"),
                         encoding="utf-8")
        await _within(5, lambda: holder.current() is not good)
        assert "Sport (hersteld)" in holder.current().topic_reply("sport", "nl", NOW).text
        assert watcher.reloads == 1 and watcher.refusals == 1
    finally:
        await watcher.stop()


async def test_a_file_without_a_change_is_not_reloaded(kb_dir: Path) -> None:
    holder, watcher = start_watching(kb_dir)
    first = holder.current()
    assert await watcher.check() is False
    assert holder.current() is first


async def test_a_removed_required_topic_is_refused(kb_dir: Path) -> None:
    holder, _ = start_watching(kb_dir)
    first = holder.current()
    watcher = KnowledgeWatcher(kb_dir, holder, settle=0.05)
    (kb_dir / "topics" / "sport.yaml").unlink()
    assert await watcher.check() is False
    assert watcher.refusals == 1
    assert holder.current() is first
    assert "sport" in holder.current().kb.topics
