"""Staleness: validate warns about old `checked:` dates, review lists them oldest first."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.knowledge_files import check_knowledge
from bot.staff.review import review_text
from bot.staff.staleness import is_stale, months_between, recheck_notes, stale_problems
from tests.helpers import copy_knowledge


def _set_checked(path: Path, old: str, new: str, count: int = 1) -> int:
    """Change the `checked:` date of the first ``count`` entries; return the first line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = 0
    for i, line in enumerate(lines):
        if count and line.strip() == f"checked: {old}":
            lines[i] = line.replace(old, new)
            first = first or i + 1
            count -= 1
    path.write_text("".join(lines), encoding="utf-8")
    return first


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


def _current_date(path: Path) -> str:
    found = re.search(r"^\s*checked: (\d{4}-\d{2}-\d{2})", path.read_text(encoding="utf-8"),
                      flags=re.MULTILINE)
    assert found
    return found.group(1)


def test_months_and_the_limit() -> None:
    today = date(2026, 11, 28)
    assert months_between(date(2025, 11, 28), today) == 12
    assert months_between(date(2025, 11, 29), today) == 11
    assert not is_stale(date(2025, 11, 28), today, 12)  # exactly 12 months: still fine
    assert is_stale(date(2025, 11, 27), today, 12)
    assert is_stale(date(2026, 2, 28), date(2026, 3, 31), 1) is False
    assert is_stale(date(2026, 2, 27), date(2026, 3, 31), 1)


def test_validate_warns_with_file_and_line(kb_dir: Path) -> None:
    sport = kb_dir / "topics" / "sport.yaml"
    national = kb_dir / "services" / "national.yaml"
    today = date.fromisoformat(_current_date(sport))
    line_topic = _set_checked(sport, _current_date(sport), "2024-01-15")
    line_service = _set_checked(national, _current_date(national), "2025-03-01")
    warnings = stale_problems(kb_dir, today, 12)
    assert [(w.file, w.line) for w in warnings] == [
        (str(sport), line_topic), (str(national), line_service)]
    assert all(w.warning for w in warnings)
    assert "topic 'sport' was checked 2024-01-15" in warnings[0].message
    # a tighter limit finds the same two and no more; a looser one finds only the oldest
    assert len(stale_problems(kb_dir, today, 120)) == 0
    assert [w.line for w in stale_problems(kb_dir, date(2026, 1, 20), 22)] == [line_topic]
    kb, _ = check_knowledge(kb_dir)
    assert kb is not None  # old dates warn; they do not stop the bot


def test_validate_command_prints_the_warning_and_still_passes(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sport = kb_dir / "topics" / "sport.yaml"
    line = _set_checked(sport, _current_date(sport), "2001-01-01")
    assert main(["validate", str(kb_dir), "--stale-months", "12"]) == 0
    err = capsys.readouterr().err
    assert f"{sport}:{line}: warning: topic 'sport' was checked 2001-01-01" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(kb_dir), "--stale-months", "0"])
    assert exit_info.value.code == 2


def test_review_lists_oldest_first(kb_dir: Path) -> None:
    sport = kb_dir / "topics" / "sport.yaml"
    national = kb_dir / "services" / "national.yaml"
    today = date.fromisoformat(_current_date(sport))
    _set_checked(sport, _current_date(sport), "2025-02-01")
    _set_checked(national, _current_date(national), "2024-06-30")
    text = review_text(kb_dir, today, 12)
    lines = text.splitlines()
    assert lines[0] == "2 to re-check (checked more than 12 months ago), oldest first:"
    assert lines[1].split() == ["kind", "id", "checked", "age", "file"]
    first, second = lines[2].split(), lines[3].split()
    assert first[0] == "service" and first[2] == "2024-06-30"
    assert second[:3] == ["topic", "sport", "2025-02-01"]
    assert second[-1].startswith("topics/sport.yaml:")
    months = months_between(date(2025, 2, 1), today)
    assert f"{months} mo" in lines[3]


def test_review_shows_recheck_notes_and_all(kb_dir: Path) -> None:
    services = kb_dir / "services" / "leiden.yaml"
    text = services.read_text(encoding="utf-8")
    marker = "    checked:"
    at = text.index(marker)
    services.write_text(text[:at] + "    # opening hours: re-check on the live site\n"
                        + text[at:], encoding="utf-8")
    notes = [n for n in recheck_notes(kb_dir)
             if n.text == "opening hours: re-check on the live site"]
    assert len(notes) == 1 and notes[0].file == str(services)
    assert notes[0].service != "(file)"
    output = review_text(kb_dir, date(2026, 11, 28), 12, show_all=True)
    assert "opening hours: re-check on the live site" in output
    assert "all entries" in output.splitlines()[0]


def test_stale_months_setting() -> None:
    assert load_settings({}).stale_months == 12
    assert load_settings({"BOT_STALE_MONTHS": "6"}).stale_months == 6
    with pytest.raises(ConfigError):
        load_settings({"BOT_STALE_MONTHS": "zes"})
