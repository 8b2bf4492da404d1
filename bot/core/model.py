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
# What a crisis example shows: danger to the writer now, to someone else now (both 112
# first), suicidal intent or self-harm (both 113 first); "calm" for a counter-example.
CRISIS_LABELS = ("danger", "danger-other", "suicide", "self-harm")
EXAMPLE_LABELS = (*CRISIS_LABELS, "calm")
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
    # The short reply per crisis kind (CRISIS_LABELS), with {emergency}, {phones}, {site}.
    replies: dict[str, Text] = field(default_factory=dict)
    # Whole messages, each with one of EXAMPLE_LABELS, for the learned crisis model.
    examples: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MatchingSettings:
    """The few numbers that steer matching, from ``knowledge/matching.yaml`` (its comments
    say what each one trades)."""

    regularisation: float = 10.0
    keyword_weight: float = 0.5
    domain_threshold: float = 0.5
    min_topic_probability: float = 0.1
    clarify_ratio: float = 0.6
    crisis_threshold: float = 0.5
    topic_crisis_probability: float = 0.5
    max_topics: int = 3
    smalltalk: dict[str, dict[Lang, frozenset[str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class KnowledgeBase:
    services: dict[str, Service]
    topics: dict[str, Topic]
    concepts: dict[str, dict[Lang, tuple[str, ...]]]
    crisis: CrisisLexicon
    campaigns: frozenset[str] = field(default_factory=frozenset)
    # Messages that are not about our subject at all, for the in-domain model.
    out_of_domain: tuple[str, ...] = ()
    matching: MatchingSettings = field(default_factory=MatchingSettings)

    def services_for(self, municipality: str) -> dict[str, Service]:
        """Services in scope: national ones and those of the given municipality."""
        return {
            sid: s for sid, s in self.services.items() if s.scope in ("national", municipality)
        }
