"""Anonymous events: what channels report so the municipality can count what people ask about.

An event holds no text, no ids, no names and no time of day: only what kind of thing happened,
for which topic, in which language, on which channel, and from which campaign (if any).
The stats store (``bot.stats``) implements :class:`EventSink`; :class:`NullSink` drops events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from bot.core.replies import Reply

EventKind = Literal[
    "answered",
    "fallback",
    "clarification",
    "crisis",
    "helpful_yes",
    "helpful_no",
    "quick_exit",
    "menu",
    "unreadable_update",  # Telegram sent an update the bot could not read; it was skipped
    "smalltalk",  # thanks or goodbye
]
EVENT_KINDS: tuple[EventKind, ...] = (
    "answered", "fallback", "clarification", "crisis", "helpful_yes", "helpful_no",
    "quick_exit", "menu", "unreadable_update", "smalltalk",
)


@dataclass(frozen=True)
class Event:
    kind: EventKind
    channel: str  # "telegram" or "console"
    language: str  # "nl" or "en"; "" when not known
    topic: str | None = None  # a topic id from the knowledge base, never free text
    source: str | None = None  # a campaign code from the knowledge base's allow-list


def reply_kind(reply: Reply) -> EventKind:
    """What a reply counts as, the same in every channel."""
    if reply.crisis:
        return "crisis"
    if reply.clarify:
        return "clarification"
    if reply.fallback:
        return "fallback"
    if reply.smalltalk:
        return "smalltalk"
    return "answered"


def reply_topic(reply: Reply) -> str | None:
    """The topic a reply is counted under: the one it showed, else the best it found."""
    return reply.shown_topic or (reply.topics[0] if reply.topics else None)


class EventSink(Protocol):
    async def record(self, event: Event) -> None:
        """Count the event; never raise (counting is best effort, answering comes first)."""


class NullSink:
    async def record(self, event: Event) -> None:
        return None
