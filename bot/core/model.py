"""The knowledge base as plain, immutable data: services, topics, concepts, crisis phrases.

Nothing here reads files or knows about Telegram; see :mod:`bot.knowledge_files` for loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, Lang] = ("nl", "en")
CrisisKind = Literal["none", "danger", "suicide"]
ContactKind = Literal["phone", "chat", "website", "email"]


@dataclass(frozen=True)
class Text:
    """A text in both languages."""

    nl: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.nl if lang == "nl" else self.en


@dataclass(frozen=True)
class Hours:
    """Weekly opening hours; ``always`` means 24/7. Days are 0 (Monday) to 6 (Sunday)."""

    always: bool = False
    windows: tuple[tuple[int, time, time], ...] = ()

    def is_open(self, weekday: int, at: time) -> bool:
        if self.always:
            return True
        for day, start, end in self.windows:
            if end <= start:  # past midnight: open from start today until end tomorrow
                if (day == weekday and at >= start) or ((day + 1) % 7 == weekday and at < end):
                    return True
            elif day == weekday and start <= at < end:
                return True
        return False


@dataclass(frozen=True)
class Contact:
    kind: ContactKind
    value: str
    hours: Hours | None = None
    note: Text | None = None


@dataclass(frozen=True)
class Service:
    id: str
    scope: str
    name: Text
    about: Text
    contacts: tuple[Contact, ...]
    source: tuple[str, ...]
    checked: date
    cost: Text | None = None
    anonymous: bool | None = None

    @property
    def always_open(self) -> bool:
        """True when a phone or chat line of this service is open day and night."""
        return any(c.hours is not None and c.hours.always for c in self.contacts)


@dataclass(frozen=True)
class Signal:
    concepts: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Topic:
    id: str
    title: Text
    answer: Text
    services: tuple[str, ...]
    related: tuple[str, ...]
    keywords: dict[Lang, tuple[str, ...]]
    examples: dict[Lang, tuple[str, ...]]
    checked: date
    crisis: CrisisKind = "none"
    signals: tuple[Signal, ...] = ()


@dataclass(frozen=True)
class CrisisLexicon:
    """Phrases (see :mod:`bot.core.phrases`) that show danger now or suicidal intent."""

    danger: dict[Lang, tuple[str, ...]]
    suicide: dict[Lang, tuple[str, ...]]
    negations: dict[Lang, tuple[str, ...]]
    shouted: tuple[str, ...] = ()  # words that mean danger when typed in capitals: HELP, NU
    # Concept combinations that mean a crisis: (kind, concept ids), e.g. ("danger", (now, threat))
    combinations: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Whole messages, labelled danger, suicide or calm (a near miss), for the nearest-example
    # check: a message much like a crisis example, and not more like a calm one, is a crisis.
    examples: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    services: dict[str, Service]
    topics: dict[str, Topic]
    concepts: dict[str, dict[Lang, tuple[str, ...]]]
    crisis: CrisisLexicon
    campaigns: frozenset[str] = field(default_factory=frozenset)
    smalltalk: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def services_for(self, municipality: str) -> dict[str, Service]:
        """Services in scope: national ones and those of the given municipality."""
        return {
            sid: s for sid, s in self.services.items() if s.scope in ("national", municipality)
        }
