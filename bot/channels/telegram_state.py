"""What the Telegram channel remembers, in memory only, bounded and expiring.

Per chat: the language, the campaign a chat came from (a code from the knowledge base, never
text), the two topics of an open question, and the ids of messages that /wis may delete.
Telegram lets bots delete messages for 48 hours, so nothing is kept longer than that. Chats are
keyed by chat id; the id is never written anywhere. Every table has a size limit: the oldest
entry goes first.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.core.model import Lang

Ticker = Callable[[], float]
# Telegram allows deleting for 48 hours; stop a little earlier so a delete never fails late.
DELETE_WINDOW = 47.5 * 3600


@dataclass
class ChatState:
    seen: float
    language: Lang | None = None
    source: str | None = None
    clarify: tuple[str, ...] = ()
    messages: deque[tuple[float, int]] = field(default_factory=deque)


class ChatMemory:
    """Per-chat state for at most ``max_chats`` chats, each for at most ``ttl`` seconds idle."""

    def __init__(self, max_chats: int = 20_000, max_messages: int = 500,
                 ttl: float = DELETE_WINDOW, ticker: Ticker = time.monotonic) -> None:
        self.max_chats = max_chats
        self.max_messages = max_messages
        self.ttl = ttl
        self.ticker = ticker
        self._chats: OrderedDict[int, ChatState] = OrderedDict()

    def __len__(self) -> int:
        return len(self._chats)

    def get(self, chat_id: int) -> ChatState:
        """The state of a chat, new if unknown or expired; marks the chat as recently seen."""
        now = self.ticker()
        state = self._chats.get(chat_id)
        if state is None or now - state.seen > self.ttl:
            state = ChatState(seen=now)
            self._chats[chat_id] = state
        state.seen = now
        self._chats.move_to_end(chat_id)
        self._prune(now)
        return state

    def peek(self, chat_id: int) -> ChatState | None:
        state = self._chats.get(chat_id)
        if state is None or self.ticker() - state.seen > self.ttl:
            return None
        return state

    def remember_message(self, chat_id: int, message_id: int) -> None:
        state = self.get(chat_id)
        state.messages.append((self.ticker(), message_id))
        while len(state.messages) > self.max_messages:
            state.messages.popleft()

    def deletable(self, chat_id: int) -> list[int]:
        """Ids of this chat's messages still inside Telegram's delete window, oldest first."""
        state = self.peek(chat_id)
        if state is None:
            return []
        limit = self.ticker() - self.ttl
        return [mid for at, mid in state.messages if at >= limit]

    def forget(self, chat_id: int) -> None:
        self._chats.pop(chat_id, None)

    def _prune(self, now: float) -> None:
        while len(self._chats) > self.max_chats:
            self._chats.popitem(last=False)
        # The least recently seen chats sit first: drop them while they are expired.
        while self._chats:
            oldest = next(iter(self._chats.values()))
            if now - oldest.seen <= self.ttl:
                break
            self._chats.popitem(last=False)


Admission = Literal["ok", "warn", "drop"]


class FloodGuard:
    """At most ``limit`` messages per ``window`` seconds per key; one warning per burst."""

    def __init__(self, limit: int = 6, window: float = 10.0, max_keys: int = 20_000,
                 ticker: Ticker = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.ticker = ticker
        self._seen: OrderedDict[int, tuple[deque[float], bool]] = OrderedDict()

    def check(self, key: int) -> Admission:
        now = self.ticker()
        times, warned = self._seen.pop(key, (deque(), False))
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            warned = False
        verdict: Admission = "ok"
        if len(times) >= self.limit:
            verdict = "drop" if warned else "warn"
            warned = True
        else:
            times.append(now)
        self._seen[key] = (times, warned)
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return verdict


class OncePer:
    """True at most once per ``interval`` seconds per key (the group invitation)."""

    def __init__(self, interval: float = 3600.0, max_keys: int = 10_000,
                 ticker: Ticker = time.monotonic) -> None:
        self.interval = interval
        self.max_keys = max_keys
        self.ticker = ticker
        self._last: OrderedDict[int, float] = OrderedDict()

    def allow(self, key: int) -> bool:
        now = self.ticker()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self.max_keys:
            self._last.popitem(last=False)
        return True


class PerChatProcessor(BaseUpdateProcessor):
    """Updates of different chats run side by side; those of one chat strictly in order.

    Order within a chat matters: an answer must not overtake the /wis that came after it.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock, users = self._locks.get(chat.id, (asyncio.Lock(), 0))
        self._locks[chat.id] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[chat.id]
            if users <= 1:
                del self._locks[chat.id]
            else:
                self._locks[chat.id] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
