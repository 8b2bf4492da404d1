"""Which services and topics need a re-check: `checked:` dates, and "re-check" notes in comments.

Read straight from the YAML files (not the loaded model) so every entry keeps its file and
line. The caller passes today's date, so the answer never depends on the clock of the test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.clock import months_before
from bot.knowledge_files import Problem, kind_of, line_of, read_yaml

_RECHECK = re.compile(r"#.*\b(re-?check|opnieuw (?:controleren|checken|nakijken))", re.IGNORECASE)
_SERVICE_ID = re.compile(r"^\s*-\s*id:\s*['\"]?([^'\"#\s]+)")


@dataclass(frozen=True)
class Dated:
    """One service or topic with the date its facts were last checked."""

    kind: str  # service | topic
    id: str
    checked: date
    file: str
    line: int  # the line of its `checked:` key


@dataclass(frozen=True)
class RecheckNote:
    """A comment in a services file that asks for a fact to be checked on the live site."""

    service: str
    file: str
    line: int
    text: str


def months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (0 when later is not after earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


def is_stale(checked: date, today: date, months: int) -> bool:
    """True when the check is older than ``months`` months (exactly that many is still fine)."""
    return checked < months_before(today, months)


def dated_entries(directory: Path) -> list[Dated]:
    """Every service and topic with a readable `checked:` date, in file order."""
    out: list[Dated] = []
    for path in sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml")):
        problems: list[Problem] = []
        data = read_yaml(path, str(path), problems)
        kind = kind_of(path, data)
        if problems or not isinstance(data, dict):
            continue
        if kind == "service" and isinstance(data.get("services"), list):
            for i, raw in enumerate(data["services"]):
                entry = _dated("service", raw, str(path), line_of(data, ["services", i, "checked"]))
                if entry is not None:
                    out.append(entry)
        elif kind == "topic":
            entry = _dated("topic", data, str(path), line_of(data, ["checked"]))
            if entry is not None:
                out.append(entry)
    return out


def _dated(kind: str, raw: Any, file: str, line: int) -> Dated | None:
    if not isinstance(raw, dict) or "id" not in raw:
        return None
    try:
        checked = date.fromisoformat(str(raw.get("checked", "")))
    except ValueError:
        return None  # validate reports the bad date itself
    return Dated(kind, str(raw["id"]), checked, file, line)


def stale_entries(directory: Path, today: date, months: int) -> list[Dated]:
    """Entries checked more than ``months`` months before ``today``, oldest first."""
    entries = [e for e in dated_entries(directory) if is_stale(e.checked, today, months)]
    return sorted(entries, key=lambda e: (e.checked, e.kind, e.id))


def stale_problems(directory: Path, today: date, months: int) -> list[Problem]:
    """Warnings for validate: one per entry whose check is too old."""
    return [
        Problem(e.file, e.line, f"{e.kind} {e.id!r} was checked {e.checked.isoformat()}, "
                                f"{months_between(e.checked, today)} months ago (limit {months}):"
                                " check it against its source and update `checked:`",
                warning=True)
        for e in stale_entries(directory, today, months)
    ]


def recheck_notes(directory: Path) -> list[RecheckNote]:
    """Comments saying "re-check" in the services files, with the service they belong to."""
    notes = []
    for path in sorted((directory / "services").glob("*.y*ml")):
        service = "(file)"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = _SERVICE_ID.match(line)
            if found:
                service = found.group(1)
            if _RECHECK.search(line):
                text = line.split("#", 1)[1].strip()
                notes.append(RecheckNote(service, str(path), number, text))
    return notes
