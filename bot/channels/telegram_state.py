"""What the Telegram channel remembers, in memory only, bounded and expiring.

Per chat: the language, the campaign a chat came from (a code from the knowledge base, never
text), the two topics of an open question, the ids of messages that /wis may delete, and at
most one reply Telegram could not take yet (the bot's own words, sent with the person's next
message). Telegram lets bots delete messages for 48 hours, so nothing is kept longer than that.
Chats are keyed by chat id; the id is never written anywhere. Every table has a size limit,
also all chats together: the least recently seen chat goes first.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup

from bot.core.model import Lang

Ticker = Callable[[], float]
# Telegram allows deleting for 48 hours; stop a little earlier so a delete never fails late.
DELETE_WINDOW = 47.5 * 3600


@dataclass(frozen=True)
class Undelivered:
    """A reply Telegram did not take after minutes of retries: sent before the next one."""

    body: str
    markup: InlineKeyboardMarkup | None = None
    urgent: bool = False


@dataclass
class ChatState:
    seen: float
    language: Lang | None = None
    source: str | None = None
    clarify: tuple[str, ...] = ()
    topic: str | None = None  # the topic answered last (a knowledge id)
    messages: deque[tuple[float, int]] = field(default_factory=deque)
    undelivered: Undelivered | None = None


class ChatMemory:
    """Per-chat state for at most ``max_chats`` chats, each for at most ``ttl`` seconds idle,
    with at most ``max_messages`` ids per chat and ``max_ids`` ids in all."""

    def __init__(self, max_chats: int = 20_000, max_messages: int = 500,
                 ttl: float = DELETE_WINDOW, ticker: Ticker = time.monotonic,
                 max_ids: int = 200_000) -> None:
        self.max_chats = max_chats
        self.max_messages = max_messages
        self.max_ids = max_ids
        self.ttl = ttl
        self.ticker = ticker
        self._chats: OrderedDict[int, ChatState] = OrderedDict()
        self._ids = 0  # message ids held, all chats together

    def __len__(self) -> int:
        return len(self._chats)

    def get(self, chat_id: int) -> ChatState:
        """The state of a chat, new if unknown or expired; marks the chat as recently seen."""
        now = self.ticker()
        state = self._chats.get(chat_id)
        if state is None or now - state.seen > self.ttl:
            if state is not None:
                self._ids -= len(state.messages)
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
        self._ids += 1
        while len(state.messages) > self.max_messages:
            state.messages.popleft()
            self._ids -= 1
        while self._ids > self.max_ids and len(self._chats) > 1:
            self._drop_oldest()

    def deletable(self, chat_id: int) -> list[int]:
        """Ids of this chat's messages still inside Telegram's delete window, oldest first."""
        state = self.peek(chat_id)
        if state is None:
            return []
        limit = self.ticker() - self.ttl
        return [mid for at, mid in state.messages if at >= limit]

    def forget(self, chat_id: int) -> None:
        state = self._chats.pop(chat_id, None)
        if state is not None:
            self._ids -= len(state.messages)

    @property
    def message_ids(self) -> int:
        return self._ids

    def _drop_oldest(self) -> None:
        _, state = self._chats.popitem(last=False)
        self._ids -= len(state.messages)

    def _prune(self, now: float) -> None:
        while len(self._chats) > self.max_chats:
            self._drop_oldest()
        # The least recently seen chats sit first: drop them while they are expired.
        while self._chats:
            oldest = next(iter(self._chats.values()))
            if now - oldest.seen <= self.ttl:
                break
            self._drop_oldest()


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
