"""The command line: `python -m bot COMMAND`. Parses arguments, turns errors into one line.

Each command lives in a module with ``add_arguments(parser)`` and ``run(args, settings) -> int``;
this file only lists them, so commands can be added without touching the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, cast

from bot.config import ConfigError, load_settings
from bot.knowledge_files import KnowledgeError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bot.commands.core", "start: Telegram with TELEGRAM_BOT_TOKEN, else the console"),
    "chat": ("bot.commands.core", "chat in the console (reads standard input)"),
    "ask": ("bot.commands.core", "answer questions given as arguments or lines of input"),
    "validate": ("bot.commands.core", "check the knowledge files (file and line for each error)"),
    "eval": ("bot.commands.core", "score the matcher on a labelled file"),
    "explain": ("bot.commands.matching", "show why the bot answers a message as it does"),
    "crossval": ("bot.commands.matching", "cross-validate the models on the knowledge examples"),
    "telegram": ("bot.channels.telegram_cli", "run the Telegram bot (long polling or webhook)"),
    "stats": ("bot.stats.report_cli", "anonymous counts for staff: tables, CSV, JSON, chart"),
    "check-links": ("bot.staff.links", "check every URL and phone number in the services"),
    "review": ("bot.staff.review", "list entries to re-check, oldest first"),
    "qr": ("bot.staff.qr", "write a QR code PNG for a campaign deep link"),
    "doctor": ("bot.doctor", "check configuration, knowledge, data directory and Bot API"),
}


class Command(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser, name: str) -> None: ...

    def run(self, args: argparse.Namespace, name: str) -> int: ...


_ROOT = Path(__file__).resolve().parent.parent


def _exists(module: str) -> bool:
    """Whether a command's module is there, without importing it or its package."""
    path = _ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _available() -> dict[str, tuple[str, str]]:
    return {n: c for n, c in COMMANDS.items() if _exists(c[0])}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """Say what is wrong in one line, with the usage, and exit 2 (no traceback)."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(selected: str | None) -> tuple[argparse.ArgumentParser, Command | None]:
    """The parser; only the selected command's module is imported (start-up stays quick)."""
    parser = _Parser(prog="python -m bot", description="Hulpwijzer: where to find help.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen: Command | None = None
    for name, (module_name, help_text) in _available().items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            chosen = cast(Command, importlib.import_module(module_name))
            chosen.add_arguments(command_parser, name)
    return parser, chosen


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in argv if not a.startswith("-")), None)
    if selected is None and not argv:
        argv, selected = ["run"], "run"
    parser, command = build_parser(selected)
    args = parser.parse_args(argv)
    assert command is not None  # parse_args exits on an unknown command
    try:
        load_settings()  # a bad variable is reported before any work starts
        return command.run(args, args.command)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KnowledgeError as err:
        print(f"error: the knowledge files have problems:\n{err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
