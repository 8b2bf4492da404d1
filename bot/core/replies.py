"""Reply composition: the words a person sees, in Dutch or English, with the right contacts.

Numbers and opening hours always come from the service files (each with a source and a
check date); the fixed sentences here hold no facts about services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal

from bot.core.model import Contact, Hours, KnowledgeBase, Lang, Service, Topic

ChoiceKind = Literal["topic", "url", "menu", "language"]

# Offered when nothing fits and at /start, in this order.
MENU_TOPICS = (
    "acute-assault",
    "past-assault",
    "bystander",
    "support-someone",
    "talk-to-someone",
    "report-police",
)
# The people to turn to when a reply would otherwise have none: both day and night.
HUMAN_SERVICES = ("csg", "luisterlijn")

_DAYS: dict[Lang, tuple[str, ...]] = {
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

PHRASES: dict[str, dict[Lang, str]] = {
    "danger": {
        "nl": "⚠️ Ben je nu in gevaar? Bel dan meteen {phone}.",
        "en": "⚠️ Are you in danger right now? Then call {phone} straight away.",
    },
    "suicide": {
        "nl": "⚠️ Denk je aan zelfdoding? Je hoeft dit niet alleen te dragen. "
        "Bel {phones} of chat via {site}: gratis, dag en nacht, anoniem. "
        "In direct gevaar: bel {emergency}.",
        "en": "⚠️ Are you thinking about suicide? You do not have to carry this alone. "
        "Call {phones} or chat via {site}: free, day and night, anonymous. "
        "In immediate danger: call {emergency}.",
    },
    "contacts": {"nl": "Hier kun je terecht:", "en": "Where you can go:"},
    "human": {
        "nl": "Liever met een mens praten? Dat kan dag en nacht:",
        "en": "Would you rather talk to a person? You can, day and night:",
    },
    "fallback": {
        "nl": "Sorry, ik begrijp niet goed wat je bedoelt. Je mag het in je eigen woorden "
        "nog eens proberen, of kies hieronder wat het beste past:",
        "en": "Sorry, I don't quite understand what you mean. You can try again in your "
        "own words, or choose what fits best below:",
    },
    "greeting": {
        "nl": "Hoi, fijn dat je er bent. Je kunt hier in je eigen woorden vertellen wat er "
        "is gebeurd of wat je wilt weten. Je hoeft je naam niet te noemen.",
        "en": "Hi, good that you are here. You can tell me in your own words what happened "
        "or what you want to know. You do not need to give your name.",
    },
    "thanks": {
        "nl": "Graag gedaan. Sterkte, je kunt altijd terugkomen.",
        "en": "You're welcome. Take care, you can always come back.",
    },
    "goodbye": {
        "nl": "Dag, sterkte. Je kunt altijd terugkomen, dag en nacht.",
        "en": "Bye, take care. You can always come back, day and night.",
    },
    "clarify": {
        "nl": "Ik wil je zo goed mogelijk helpen. Gaat het vooral over:\n1. {a}\n2. {b}\n"
        "Typ 1 of 2, of vertel iets meer.",
        "en": "I want to help you as well as I can. Is it mostly about:\n1. {a}\n2. {b}\n"
        "Type 1 or 2, or tell me a bit more.",
    },
    "closed": {
        "nl": "{name} is nu gesloten. Dag en nacht bereikbaar: {alt}.",
        "en": "{name} is closed right now. Open day and night: {alt}.",
    },
    "related": {"nl": "Misschien wil je ook weten:", "en": "You may also want to know:"},
    "always": {"nl": "dag en nacht", "en": "day and night"},
    "open_now": {"nl": "nu open", "en": "open now"},
    "closed_now": {"nl": "nu gesloten", "en": "closed now"},
    "call": {"nl": "bel", "en": "call"},
    "or": {"nl": "of", "en": "or"},
    "menu_title": {"nl": "Waar kan ik je mee helpen?", "en": "What can I help you with?"},
    "pick_number": {"nl": "Typ een nummer, of vertel het in je eigen woorden.",
                    "en": "Type a number, or tell me in your own words."},
}


def phrase(key: str, lang: Lang, **values: str) -> str:
    return PHRASES[key][lang].format(**values)


def summary(reply: Reply) -> dict[str, object]:
    """What `ask --json` and `chat --json` print for a reply."""
    return {
        "topics": list(reply.topics[:3]),
        "services": list(reply.services),
        "crisis": reply.crisis,
        "fallback": reply.fallback,
        "language": reply.language,
        "reply": reply.text,
    }


def numbered(reply: Reply) -> tuple[str, ...]:
    """The topics a typed "1", "2", ... picks after this reply: its question back, or the
    numbered topics of a menu. Every channel remembers these for the next message."""
    if reply.clarify:
        return reply.clarify
    if reply.fallback:
        return tuple(c.value for c in reply.choices if c.kind == "topic")
    return ()


@dataclass(frozen=True)
class Choice:
    """Something a channel may offer as a button: a topic, a link, the menu."""

    kind: ChoiceKind
    label: str
    value: str


@dataclass(frozen=True)
class Reply:
    text: str
    language: Lang
    topics: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    crisis: bool = False
    fallback: bool = False
    clarify: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    shown_topic: str | None = None
    smalltalk: bool = False  # thanks or goodbye: no topic, counted apart


def _hours_text(hours: Hours, lang: Lang, now: datetime) -> str:
    if hours.always:
        return phrase("always", lang)
    spans = ", ".join(_day_ranges(hours, lang))
    state = "open_now" if hours.is_open(now.weekday(), now.time()) else "closed_now"
    return f"{phrase(state, lang)}; {spans}" if spans else phrase(state, lang)


def _day_ranges(hours: Hours, lang: Lang) -> list[str]:
    """'ma-vr 09:00-17:00' rather than five lines: consecutive days with the same times."""
    days = _DAYS[lang]
    out: list[str] = []
    run: list[tuple[int, time, time]] = []
    for window in (*hours.windows, None):
        if window is not None and run and window[0] == run[-1][0] + 1 and (
            window[1:] == run[-1][1:]
        ):
            run.append(window)
            continue
        if run:
            first, last = run[0][0], run[-1][0]
            label = days[first] if first == last else f"{days[first]}-{days[last]}"
            out.append(f"{label} {run[0][1]:%H:%M}-{run[0][2]:%H:%M}")
        run = [window] if window is not None else []
    return out


def contact_line(contact: Contact, lang: Lang, now: datetime) -> str:
    """'bel 0800-0188 (gratis, dag en nacht)' or 'chat: https://...'."""
    notes = [contact.note.get(lang)] if contact.note else []
    if contact.hours is not None:
        notes.append(_hours_text(contact.hours, lang, now))
    suffix = f" ({', '.join(notes)})" if notes else ""
    if contact.kind == "phone":
        return f"{phrase('call', lang)} {contact.value}{suffix}"
    return f"{contact.kind}: {contact.value}{suffix}"


def first_sentence(text: str) -> str:
    """The first sentence only: a phone screen has room for one line about each service."""
    end = next((i for i, ch in enumerate(text) if ch in ".!?" and (
        i + 1 == len(text) or text[i + 1] == " ")), len(text) - 1)
    return text[: end + 1]


def service_block(service: Service, lang: Lang, now: datetime) -> str:
    lines = [f"• {service.name.get(lang)}: {first_sentence(service.about.get(lang))}"]
    lines.extend(f"  – {contact_line(c, lang, now)}" for c in service.contacts)
    return "\n".join(lines)


def closed_now(service: Service, now: datetime) -> bool:
    """True when every contact with known hours is closed and none is open without hours."""
    timed = [c for c in service.contacts if c.kind in ("phone", "chat")]
    if not timed or any(c.hours is None for c in timed):
        return False
    return not any(c.hours is not None and c.hours.is_open(now.weekday(), now.time())
                   for c in timed)


def reachable(service: Service) -> bool:
    """A person can be reached: a phone line or a chat."""
    return any(c.kind in ("phone", "chat") for c in service.contacts)


def first_contact(service: Service, kind: str) -> Contact | None:
    return next((c for c in service.contacts if c.kind == kind), None)


def _crisis_numbers(kb: KnowledgeBase, lang: Lang) -> dict[str, str]:
    """112's number, 113's numbers and chat, from the service files."""
    emergency = kb.services["112"]
    emergency_phone = first_contact(emergency, "phone")
    line = kb.services["113"]
    phones = [c.value for c in line.contacts if c.kind == "phone"]
    return {
        "emergency": emergency_phone.value if emergency_phone else emergency.name.get(lang),
        "phones": f" {phrase('or', lang)} ".join(phones),
        "site": next((c.value for c in line.contacts if c.kind in ("chat", "website")), ""),
    }


def crisis_header(kb: KnowledgeBase, lang: Lang, danger: bool, suicide: bool) -> str:
    """The first lines of a reply that may meet a crisis: 112 and/or 113 with their numbers."""
    numbers = _crisis_numbers(kb, lang)
    lines = []
    if suicide:
        lines.append(phrase("suicide", lang, **numbers))
    if danger or not suicide:
        lines.insert(0, phrase("danger", lang, phone=numbers["emergency"]))
    return "\n".join(lines)


def crisis_text(kb: KnowledgeBase, lang: Lang, kind: str) -> str:
    """The short reply for a crisis of one kind (``knowledge/crisis.yaml`` replies)."""
    return kb.crisis.replies[kind].get(lang).format(**_crisis_numbers(kb, lang)).strip()


def topic_choice(topic: Topic, lang: Lang) -> Choice:
    return Choice("topic", topic.title.get(lang), topic.id)


def service_choices(services: list[Service], lang: Lang) -> tuple[Choice, ...]:
    out = []
    for service in services:
        link = first_contact(service, "chat") or first_contact(service, "website")
        if link is not None:
            out.append(Choice("url", service.name.get(lang), link.value))
    return tuple(out)
