"""Reports for staff: read one or more count stores, add them up, leave out small counts.

The stores are opened read-only and hold counts per week. Counts from several files (several
bot instances) are added first. Then every stored cell (week, topic, language, channel,
source, kind) below ``k`` is left out, before anything is added up: every number a report
shows is a sum of cells of at least ``k``. So no two reports, however grouped, can be
subtracted to recover a smaller count (11 - 10 = 1 person from one poster, one week): their
difference is a sum of such cells too, or 0. The price: totals leave out the small cells.
``k`` is at least 5 (:data:`MIN_K`); it can be set higher, never lower.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from bot.clock import week_of
from bot.events import EVENT_KINDS

Period = Literal["week", "month"]
PERIODS: tuple[Period, ...] = ("week", "month")
GROUPS: tuple[str, ...] = ("topic", "language", "channel", "source", "kind")
MIN_K = 5  # the smallest count a report may show
DEFAULT_KINDS: tuple[str, ...] = ("answered",)


class StatsError(Exception):
    """A store cannot be read; the message is one line for staff."""


@dataclass(frozen=True)
class Query:
    start: date | None = None
    end: date | None = None
    by: Period | None = None
    group: tuple[str, ...] = ("topic",)
    kinds: tuple[str, ...] | None = DEFAULT_KINDS  # None: every kind

    def __post_init__(self) -> None:
        unknown = [g for g in self.group if g not in GROUPS]
        if unknown or not self.group:
            raise ValueError(f"unknown group {unknown}; choose from {', '.join(GROUPS)}")
        if self.kinds is not None and any(k not in EVENT_KINDS for k in self.kinds):
            raise ValueError(f"unknown kind; choose from {', '.join(EVENT_KINDS)}")


Daily = dict[tuple[str, ...], int]  # (week's Monday, *group values) -> count


def period_of(day: date, by: Period) -> str:
    """The label of the period a week (its Monday) falls in: 2026-W10 (ISO week) or 2026-03
    (the month of its Monday)."""
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StatsError(f"no stats store at {path} (the bot creates it when it first counts)")
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        db.execute("SELECT count(*) FROM counts LIMIT 1").fetchone()
    except sqlite3.Error as err:
        raise StatsError(f"{path} is not a readable stats store ({err})") from None
    return db


def load_daily(paths: Sequence[Path], query: Query, k: int = MIN_K) -> Daily:
    """Counts per week and group, added up over all the files, from the stored cells of at
    least ``k`` only (see the module's text)."""
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    where, params = ["1 = 1"], []
    if query.start is not None:  # the whole week the first day falls in
        where.append("day >= ?")
        params.append(week_of(query.start).isoformat())
    if query.end is not None:
        where.append("day <= ?")
        params.append(query.end.isoformat())
    if query.kinds is not None:
        where.append(f"kind IN ({', '.join('?' * len(query.kinds))})")
        params.extend(query.kinds)
    cells = ", ".join(("day", *GROUPS))
    sql = (f"SELECT {cells}, SUM(count) FROM counts WHERE {' AND '.join(where)} "
           f"GROUP BY {cells}")
    stored: Counter[tuple[str, ...]] = Counter()
    for path in paths:
        db = _connect_read_only(path)
        try:
            for *key, count in db.execute(sql, params):
                # Day rows of an older store count in their week.
                key[0] = week_of(date.fromisoformat(str(key[0]))).isoformat()
                stored[tuple(str(v) for v in key)] += int(count)
        except sqlite3.Error as err:
            raise StatsError(f"{path} could not be read ({err})") from None
        finally:
            db.close()
    picks = [GROUPS.index(g) + 1 for g in query.group]
    total: Counter[tuple[str, ...]] = Counter()
    for key, count in stored.items():
        if count >= k:
            total[(key[0], *(key[i] for i in picks))] += count
    return dict(total)


@dataclass(frozen=True)
class Report:
    k: int
    columns: tuple[str, ...]  # key columns, e.g. ("week", "topic")
    rows: tuple[tuple[tuple[str, ...], int], ...]

    def shown(self, count: int) -> int | None:
        """The count, or None when it is below k and must not be shown."""
        return count if count >= self.k else None


def build_report(daily: Daily, query: Query, k: int) -> Report:
    """Group the day counts by period (if any) and sort: period, then largest count first."""
    grouped: Counter[tuple[str, ...]] = Counter()
    for (day, *rest), count in daily.items():
        period = (period_of(date.fromisoformat(day), query.by),) if query.by else ()
        grouped[(*period, *rest)] += count
    columns = ((query.by,) if query.by else ()) + query.group
    if query.by:
        rows = sorted(grouped.items(), key=lambda item: (item[0][0], -item[1], item[0][1:]))
    else:
        rows = sorted(grouped.items(), key=lambda item: (-item[1], item[0]))
    return Report(k, columns, tuple(rows))


def _label(column: str, value: str) -> str:
    if value:
        return value
    return "(no topic)" if column == "topic" else "(none)"


def format_table(report: Report) -> str:
    if not report.rows:
        return "no counts in this period"
    header = [*report.columns, "count"]
    body = [
        [*(_label(c, v) for c, v in zip(report.columns, key, strict=True)),
         _cell(report, count)]
        for key, count in report.rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = []
    for row in [header, *body]:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, row[-1].rjust(widths[-1])]).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"(groups of fewer than {report.k} are left out of every count)")
    return "\n".join(lines)


def _cell(report: Report, count: int) -> str:
    shown = report.shown(count)
    return str(shown) if shown is not None else f"<{report.k}"


def format_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*report.columns, "count"])
    for key, count in report.rows:
        writer.writerow([*key, _cell(report, count)])
    return out.getvalue()


def format_json(report: Report) -> str:
    rows = [
        {**dict(zip(report.columns, key, strict=True)), "count": report.shown(count)}
        for key, count in report.rows
    ]
    return json.dumps({"k": report.k, "rows": rows}, ensure_ascii=False, indent=2)


def weekly_by_topic(daily: Daily) -> dict[tuple[date, str], int]:
    """(Monday of the week, topic) -> count, from week counts grouped by topic first."""
    weekly: Counter[tuple[date, str]] = Counter()
    for (day, topic, *_), count in daily.items():
        weekly[(week_of(date.fromisoformat(day)), topic)] += count
    return dict(weekly)


def parse_kinds(text: str | None, group: Iterable[str]) -> tuple[str, ...] | None:
    """``--kind``: a comma list or 'all'; default 'answered' (all kinds when grouped by kind)."""
    if text is None:
        return None if "kind" in group else DEFAULT_KINDS
    if text.strip() == "all":
        return None
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in EVENT_KINDS]
    if unknown or not kinds:
        raise ValueError(f"--kind: unknown kind {', '.join(unknown) or text!r}; "
                         f"choose from all, {', '.join(EVENT_KINDS)}")
    return kinds
