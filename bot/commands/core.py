"""Core commands: run, chat, ask, validate, eval."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.clock import now
from bot.config import load_settings
from bot.core.engine import Engine
from bot.core.replies import summary
from bot.evaluation import EvalFileError, evaluate, format_report, load_items
from bot.knowledge_files import check_knowledge, load_knowledge
from bot.model_cache import build_engine


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "chat":
        parser.add_argument("--json", action="store_true",
                            help="one JSON object per reply (the fields of ask --json)")
    if name == "ask":
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("questions", nargs="*", metavar="QUESTION",
                            help="questions; without them, each line of standard input")
    elif name == "validate":
        parser.add_argument("directory", nargs="?", type=Path, metavar="DIR",
                            help="knowledge directory (default: BOT_KNOWLEDGE_DIR or knowledge)")
        from bot.staff.review import months_arg

        parser.add_argument("--stale-months", type=months_arg, metavar="N",
                            help="warn about entries checked more than N months ago "
                                 "(default: BOT_STALE_MONTHS, 12)")
    elif name == "eval":
        parser.add_argument("file", type=Path, nargs="?", metavar="FILE",
                            help="labelled YAML file (leave out with --examples)")
        parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
        parser.add_argument("--json", action="store_true", help="figures as JSON")
        parser.add_argument("--examples", action="store_true",
                            help="score the topics on their own example phrasings only")
        parser.add_argument("--no-topics", action="store_true",
                            help="leave out the per-topic table and the collisions")


def load_engine() -> Engine:
    settings = load_settings()
    return build_engine(load_knowledge(settings.knowledge_dir), settings.municipality,
                        settings.model_cache_dir)


def run(args: argparse.Namespace, name: str) -> int:
    if name == "run":
        settings = load_settings()
        if settings.telegram_token:
            from bot.channels.telegram_cli import run_polling

            return run_polling(settings)
        name = "chat"
    if name == "chat":
        asyncio.run(_chat(bool(getattr(args, "json", False))))
        return 0
    if name == "ask":
        return _ask(load_engine(), args.questions, args.json)
    if name == "validate":
        settings = load_settings()
        return _validate(args.directory or settings.knowledge_dir,
                         args.stale_months or settings.stale_months)
    if name == "eval":
        if args.file is None:
            if not args.examples:
                print("error: give a labelled FILE, or --examples", file=sys.stderr)
                return 2
            return _eval_examples(args.verbose)
        return _eval(args.file, args.verbose, args.json, topics=not args.no_topics)
    raise AssertionError(name)


async def _chat(json_lines: bool) -> None:
    """The console chat, counting into the same store as Telegram (channel "console")."""
    from bot.channels.console import chat
    from bot.stats.store import StatsStore

    settings = load_settings()
    engine = load_engine()
    async with StatsStore.open(settings, allowed_topics=engine.kb.topics,
                               allowed_sources=engine.kb.campaigns) as store:
        await chat(engine, now, store, json_lines=json_lines)


def _ask(engine: Engine, questions: list[str], as_json: bool) -> int:
    lines = questions or (line.rstrip("\n") for line in sys.stdin)
    for question in lines:
        reply = engine.answer(question, now())
        if as_json:
            print(json.dumps(summary(reply), ensure_ascii=False), flush=True)
        else:
            print(reply.text + "\n", flush=True)
    return 0


def _validate(directory: Path, stale_months: int = 12) -> int:
    kb, problems = check_knowledge(directory)
    if kb is not None:
        from bot.staff.staleness import stale_problems

        problems += stale_problems(directory, now().date(), stale_months)
    for problem in problems:
        print(problem, file=sys.stderr)
    if kb is None:
        errors = sum(not p.warning for p in problems)
        print(f"{directory}: {errors} error(s)", file=sys.stderr)
        return 1
    print(f"{directory}: ok – {len(kb.topics)} topics, {len(kb.services)} services")
    return 0


def _eval_examples(verbose: bool) -> int:
    """The per-topic table and collisions on the topics' own examples (no labelled file)."""
    from bot.evaluation import format_per_topic, per_topic

    section = per_topic(load_engine(), None, now())
    print(format_per_topic(section, verbose))
    return 0


def _eval(path: Path, verbose: bool, as_json: bool, topics: bool = False) -> int:
    try:
        items = load_items(path)
    except EvalFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    engine = load_engine()
    report = evaluate(engine, items, now())
    if as_json:
        print(json.dumps(report.figures(), indent=2))
    else:
        from bot.evaluation import per_topic

        section = per_topic(engine, items, now()) if topics else None
        print(format_report(report, verbose, section))
    return 0
