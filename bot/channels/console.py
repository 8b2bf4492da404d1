"""The console chat: lines in, replies out. Used by `make run` without a Telegram token."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.clock import Clock
from bot.core.engine import Engine
from bot.core.model import Lang
from bot.core.replies import Reply

WELCOME = (
    "Welkom bij Hulpwijzer. Vertel in je eigen woorden wat er is gebeurd of wat je wilt weten.\n"
    "Tell me in your own words what happened or what you want to know. "
    "(Ctrl-D of/or 'stop' om te stoppen / to quit)"
)


def chat(engine: Engine, clock: Clock, stdin: TextIO = sys.stdin,
         stdout: TextIO = sys.stdout) -> None:
    """Answer each line until end of input. Keeps only the last choice offered, in memory."""
    interactive = stdin.isatty()
    if interactive:
        print(WELCOME, file=stdout)
    pending: Reply | None = None
    lang: Lang | None = None
    while True:
        if interactive:
            print("\n> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if interactive and text.lower() in ("stop", "quit", "exit"):
            break
        if not text:
            continue
        offered = pending.clarify if pending is not None else ()
        reply = engine.answer(text, clock(), lang, offered=offered)
        lang = reply.language
        pending = reply
        print(reply.text, file=stdout, flush=True)
        if not interactive:
            print(file=stdout)
