"""`python -m bot stats`: anonymous counts for staff as a table, CSV, JSON or a PNG chart.

Only parses arguments and turns problems into one line on stderr; the work is in
:mod:`bot.stats.report` and :mod:`bot.stats.chart`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.config import load_settings
from bot.stats.report import (
    GROUPS,
    MIN_K,
    PERIODS,
    Query,
    StatsError,
    build_report,
    format_csv,
    format_json,
    format_table,
    load_daily,
    parse_kinds,
    weekly_by_topic,
)
from bot.stats.store import FILENAME


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD")
    parser.add_argument("--by", metavar="week|month", help="one row per week or month")
    parser.add_argument("--group", default="topic", metavar="LIST",
                        help=f"columns to group by, comma separated: {','.join(GROUPS)} "
                             "(default: topic)")
    parser.add_argument("--kind", metavar="LIST",
                        help="event kinds to count, comma separated, or 'all' "
                             "(default: answered; all when grouping by kind)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help='JSON: {"k": 5, "rows": [...]}')
    out.add_argument("--csv", action="store_true", help="CSV for spreadsheets")
    parser.add_argument("--chart", type=Path, metavar="FILE.png",
                        help="also draw weekly counts per topic group to this PNG file")
    parser.add_argument("--merge", nargs="+", type=Path, metavar="FILE",
                        help="read and add up these store files instead of the local store")
    parser.add_argument("--k", metavar="N",
                        help="hide counts below N (default: BOT_STATS_MIN_COUNT, 5)")


class _UsageError(Exception):
    pass


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _UsageError(f"{option} must be a date like 2026-03-01, got {text!r}") from None


def _query(args: argparse.Namespace) -> Query:
    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    if start and end and start > end:
        raise _UsageError(f"--from ({start}) is after --to ({end})")
    if args.by is not None and args.by not in PERIODS:
        raise _UsageError(f"--by must be week or month (counts are kept per week), "
                          f"got {args.by!r}")
    group = tuple(g.strip() for g in args.group.split(",") if g.strip())
    unknown = [g for g in group if g not in GROUPS]
    if unknown or not group:
        raise _UsageError(f"--group: unknown column {', '.join(unknown) or args.group!r}; "
                          f"choose from {','.join(GROUPS)}")
    try:
        kinds = parse_kinds(args.kind, group)
    except ValueError as err:
        raise _UsageError(str(err)) from None
    return Query(start=start, end=end, by=args.by, group=group, kinds=kinds)


def _k(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _UsageError(f"--k must be a whole number, got {text!r}") from None
    if value < MIN_K:
        raise _UsageError(f"--k must be at least {MIN_K} (smaller counts could single "
                          f"someone out), got {value}")
    return value


def run(args: argparse.Namespace, name: str) -> int:
    settings = load_settings()
    try:
        query = _query(args)
        k = _k(args.k, settings.stats_min_count)
        if args.chart is not None and args.chart.suffix.lower() != ".png":
            raise _UsageError(f"--chart must name a .png file, got {str(args.chart)!r}")
    except _UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    paths = args.merge or [Path(settings.data_dir) / FILENAME]
    try:
        report = build_report(load_daily(paths, query, k), query, k)
        if args.chart is not None:
            from bot.stats.chart import write_chart  # matplotlib loads slowly: only on request

            chart_query = Query(start=query.start, end=query.end, group=("topic",),
                                kinds=query.kinds)
            write_chart(weekly_by_topic(load_daily(paths, chart_query, k)), args.chart,
                        k=k, kinds=query.kinds, first=query.start, last=query.end)
    except StatsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: could not write {args.chart}: {err.strerror or err}", file=sys.stderr)
        return 1
    if args.json:
        print(format_json(report))
    elif args.csv:
        print(format_csv(report), end="")
    else:
        print(format_table(report))
    if args.chart is not None:
        print(f"chart written to {args.chart}", file=sys.stderr)
    return 0
