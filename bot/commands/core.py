"""Core commands: run, chat, ask, validate, eval."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import load_settings
from bot.core.engine import Engine
from bot.evaluation import EvalFileError, evaluate, format_report, load_items
from bot.knowledge_files import check_knowledge, load_knowledge

TIMEZONE = ZoneInfo("Europe/Amsterdam")


def now() -> datetime:
    """The time in Leiden: opening hours are read in it."""
    return datetime.now(TIMEZONE)


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "ask":
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("questions", nargs="*", metavar="QUESTION",
                            help="questions; without them, each line of standard input")
    elif name == "validate":
        parser.add_argument("directory", nargs="?", type=Path, metavar="DIR",
                            help="knowledge directory (default: BOT_KNOWLEDGE_DIR or knowledge)")
    elif name == "eval":
        parser.add_argument("file", type=Path, metavar="FILE", help="labelled YAML file")
        parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
        parser.add_argument("--json", action="store_true", help="figures as JSON")


def load_engine() -> Engine:
    settings = load_settings()
    return Engine(load_knowledge(settings.knowledge_dir), settings.municipality)


def run(args: argparse.Namespace, name: str) -> int:
    if name == "run":
        settings = load_settings()
        if settings.telegram_token:
            from bot.channels.telegram_cli import run_polling

            return run_polling(settings)
        name = "chat"
    if name == "chat":
        from bot.channels.console import chat

        chat(load_engine(), now)
        return 0
    if name == "ask":
        return _ask(load_engine(), args.questions, args.json)
    if name == "validate":
        return _validate(args.directory or load_settings().knowledge_dir)
    if name == "eval":
        return _eval(args.file, args.verbose, args.json)
    raise AssertionError(name)


def _ask(engine: Engine, questions: list[str], as_json: bool) -> int:
    lines = questions or (line.rstrip("\n") for line in sys.stdin)
    for question in lines:
        reply = engine.answer(question, now())
        if as_json:
            print(json.dumps({
                "topics": list(reply.topics[:3]),
                "services": list(reply.services),
                "crisis": reply.crisis,
                "fallback": reply.fallback,
                "language": reply.language,
                "reply": reply.text,
            }, ensure_ascii=False), flush=True)
        else:
            print(reply.text + "\n", flush=True)
    return 0


def _validate(directory: Path) -> int:
    kb, problems = check_knowledge(directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    if kb is None:
        errors = sum(not p.warning for p in problems)
        print(f"{directory}: {errors} error(s)", file=sys.stderr)
        return 1
    print(f"{directory}: ok – {len(kb.topics)} topics, {len(kb.services)} services")
    return 0


def _eval(path: Path, verbose: bool, as_json: bool) -> int:
    try:
        items = load_items(path)
    except EvalFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report = evaluate(load_engine(), items, now())
    if as_json:
        print(json.dumps(report.figures(), indent=2))
    else:
        print(format_report(report, verbose))
    return 0
