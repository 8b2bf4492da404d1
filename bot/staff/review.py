"""`python -m bot review`: what staff should check again, oldest first.

Lists services and topics whose `checked:` date is older than the limit (BOT_STALE_MONTHS,
default 12), then the "re-check" notes left in comments of the services files.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.config import load_settings
from bot.staff.staleness import (
    Dated,
    RecheckNote,
    dated_entries,
    is_stale,
    months_between,
    recheck_notes,
)


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("directory", nargs="?", type=Path, metavar="DIR",
                        help="knowledge directory (default: BOT_KNOWLEDGE_DIR or knowledge)")
    parser.add_argument("--stale-months", type=months_arg, metavar="N",
                        help="re-check entries older than N months (default: BOT_STALE_MONTHS, 12)")
    parser.add_argument("--all", action="store_true", help="list every entry, oldest first")
    parser.add_argument("--today", type=_day, metavar="YYYY-MM-DD",
                        help="pretend today is this date (to plan ahead)")


def months_arg(raw: str) -> int:
    """An argparse type: a whole number of months, at least 1."""
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of months, got {raw!r}")
    return int(raw)


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-28, got {raw!r}") from None


def run(args: argparse.Namespace, name: str) -> int:
    settings = load_settings()
    directory: Path = args.directory or settings.knowledge_dir
    if not directory.is_dir():
        print(f"error: knowledge directory not found: {directory}", file=sys.stderr)
        return 1
    months: int = args.stale_months or settings.stale_months
    from bot.clock import now

    today: date = args.today or now().date()
    print(review_text(directory, today, months, show_all=args.all))
    return 0


def review_text(directory: Path, today: date, months: int, show_all: bool = False) -> str:
    """The review list as plain text (a table, then the notes)."""
    entries = sorted(dated_entries(directory), key=lambda e: (e.checked, e.kind, e.id))
    due = [e for e in entries if show_all or is_stale(e.checked, today, months)]
    lines: list[str] = []
    if due:
        heading = "all entries" if show_all else f"checked more than {months} months ago"
        lines.append(f"{len(due)} to re-check ({heading}), oldest first:")
        lines.extend(_table(due, today, directory))
    elif entries:
        oldest = entries[0]
        lines.append(f"nothing to re-check: all {len(entries)} entries were checked within "
                     f"{months} months (oldest: {oldest.kind} {oldest.id}, "
                     f"{oldest.checked.isoformat()})")
    else:
        lines.append(f"no services or topics found in {directory}")
    notes = recheck_notes(directory)
    if notes:
        lines.append("")
        lines.append(f"{len(notes)} note(s) in comments asking for a re-check:")
        lines.extend(_note_line(n, directory) for n in notes)
    return "\n".join(lines)


def _table(entries: list[Dated], today: date, directory: Path) -> list[str]:
    rows = [("kind", "id", "checked", "age", "file")]
    for e in entries:
        age = months_between(e.checked, today)
        rows.append((e.kind, e.id, e.checked.isoformat(), f"{age} mo",
                     f"{_short(e.file, directory)}:{e.line}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[4]
            for r in rows]


def _note_line(note: RecheckNote, directory: Path) -> str:
    return f"  {_short(note.file, directory)}:{note.line}  {note.service}: {note.text}"


def _short(file: str, directory: Path) -> str:
    try:
        return str(Path(file).relative_to(directory))
    except ValueError:
        return file
