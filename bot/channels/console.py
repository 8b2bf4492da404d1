"""The console chat: lines in, replies out. Used by `make run` without a Telegram token.

It behaves as the Telegram channel does: the same commands (``/start``, ``/menu``, ``/help``,
``/privacy``, ``/taal [nl|en]``, ``/wis``), a typed number picks a numbered choice, and it
counts the same anonymous events (channel ``console``), so ``stats`` works after a console
chat. Only end of input (Ctrl-D) or ``/stop`` ends it: "stop" is a word someone may need in a
sentence. What the conversation remembers (the language, the choices just offered) lives in
memory, is forgotten after 30 minutes without a message and at ``/wis``.

With ``as_json`` every reply is one JSON object per line, with the fields of ``ask --json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from bot.clock import Clock
from bot.core.engine import Engine
from bot.core.model import Lang
from bot.core.replies import Reply, crisis_header, numbered, summary
from bot.events import Event, EventKind, EventSink, NullSink, reply_kind, reply_topic

CHANNEL = "console"
FORGET_AFTER = 30 * 60.0  # seconds without a message, then the conversation is forgotten
STOP = ("/stop", "/quit", "/exit")

TEXTS: dict[str, dict[Lang, str]] = {
    "welcome": {
        "nl": "Welkom bij Hulpwijzer. Vertel in je eigen woorden wat er is gebeurd of wat je "
        "wilt weten. (Stoppen: Ctrl-D of /stop. English: /taal en)",
        "en": "Welcome to Hulpwijzer. Tell me in your own words what happened or what you "
        "want to know. (To quit: Ctrl-D or /stop. Nederlands: /taal nl)",
    },
    "help": {
        "nl": "Zo werkt het: typ in je eigen woorden wat er is, dan zoek ik de hulp die past. "
        "Typ een nummer om een keuze te maken.\n/menu: de keuzes\n/taal: Nederlands of "
        "Engels\n/privacy: wat ik bewaar\n/wis: dit gesprek vergeten\n/stop: stoppen",
        "en": "How it works: type in your own words what is going on, and I look for the help "
        "that fits. Type a number to pick a choice.\n/menu: the choices\n/taal: Dutch or "
        "English\n/privacy: what I keep\n/wis: forget this conversation\n/stop: quit",
    },
    "privacy": {
        "nl": "Ik bewaar niets van wat je typt, en niets over wie je bent. Ik tel alleen "
        "anoniem, per week, welk onderwerp en welke taal, zonder dag of tijdstip. Wat dit "
        "gesprek onthoudt (je taal, de keuzes), staat alleen in het werkgeheugen: na 30 "
        "minuten stilte of /wis is het weg.",
        "en": "I keep nothing of what you type, and nothing about who you are. I only count, "
        "anonymously and per week, which topic and which language, without the day or time. "
        "What this conversation remembers (your language, the choices) is only in working "
        "memory: after 30 minutes of silence or /wis it is gone.",
    },
    "cleared": {
        "nl": "Dit gesprek is vergeten. Je kunt opnieuw beginnen.",
        "en": "This conversation is forgotten. You can start again.",
    },
    "language": {"nl": "Ik praat nu Nederlands met je.", "en": "I will speak English now."},
}


@dataclass
class Conversation:
    """What one console conversation remembers, in memory only."""

    language: Lang | None = None
    offered: tuple[str, ...] = ()  # topics a typed number picks
    topic: str | None = None  # the topic answered last
    seen: float = 0.0


class ConsoleChat:
    """Turns one line into one reply, with the channel's commands and counting."""

    def __init__(self, engine: Engine, clock: Clock, sink: EventSink | None = None,
                 ticker: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.clock = clock
        self.sink = sink or NullSink()
        self.ticker = ticker
        self.talk = Conversation()

    async def handle(self, line: str) -> Reply | None:
        """The reply to one line; None for an empty line."""
        text = line.strip()
        if not text:
            return None
        now = self.ticker()
        if now - self.talk.seen > FORGET_AFTER:
            self.talk = Conversation()
        self.talk.seen = now
        if text.startswith("/"):
            return await self._command(text)
        reply = self.engine.answer(text, self.clock(), self.talk.language,
                                   offered=self.talk.offered, last_topic=self.talk.topic)
        return await self._keep(reply, reply_kind(reply), reply_topic(reply))

    async def _command(self, text: str) -> Reply:
        word, _, rest = text.partition(" ")
        name = word.split("@")[0].lower()
        lang = self.talk.language or "nl"
        if name in ("/wis", "/clear"):
            self.talk = Conversation(seen=self.ticker())
            await self._count("quick_exit", lang)
            return self._plain(TEXTS["cleared"][lang], lang)
        if name == "/taal":
            wanted = rest.strip().lower()
            new: Lang = "nl" if wanted == "nl" else "en" if wanted == "en" else (
                "en" if lang == "nl" else "nl")
            self.talk.language = new
            return await self._menu(new, TEXTS["language"][new])
        if name == "/help":
            kb = self.engine.kb
            return self._plain(f"{TEXTS['help'][lang]}\n\n{crisis_header(kb, lang, True, False)}",
                               lang)
        if name == "/privacy":
            return self._plain(TEXTS["privacy"][lang], lang)
        intro = TEXTS["welcome"][lang] if name == "/start" else None
        return await self._menu(lang, intro)  # /start, /menu and any unknown command

    async def _menu(self, lang: Lang, intro: str | None) -> Reply:
        reply = self.engine.menu_reply(lang, self.clock(), intro)
        return await self._keep(reply, "menu", None)

    async def _keep(self, reply: Reply, kind: EventKind, topic: str | None) -> Reply:
        self.talk.language = reply.language
        self.talk.offered = numbered(reply)
        self.talk.topic = reply.shown_topic or self.talk.topic
        await self._count(kind, reply.language, topic)
        return reply

    def _plain(self, text: str, lang: Lang) -> Reply:
        self.talk.offered = ()
        return Reply(text=text, language=lang)

    async def _count(self, kind: EventKind, lang: Lang, topic: str | None = None) -> None:
        # Counting is best effort; the answer matters more.
        with contextlib.suppress(Exception):
            await self.sink.record(Event(kind, CHANNEL, lang, topic))


def as_json(reply: Reply) -> str:
    """The fields of ``ask --json``, one line."""
    return json.dumps(summary(reply), ensure_ascii=False)


async def chat(engine: Engine, clock: Clock, sink: EventSink | None = None,
               stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
               json_lines: bool = False) -> None:
    """Answer each line until end of input or /stop."""
    interactive = stdin.isatty() and not json_lines
    console = ConsoleChat(engine, clock, sink)
    if interactive:
        print(TEXTS["welcome"]["nl"], file=stdout)
    while True:
        if interactive:
            print("\n> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip().lower() in STOP:
            break
        reply = await console.handle(line)
        if reply is None:
            continue
        if json_lines:
            print(as_json(reply), file=stdout, flush=True)
        else:
            print(reply.text, file=stdout, flush=True)
            if not interactive:
                print(file=stdout)
