"""The conversation core: one message in, one reply out. Pure: the caller passes the time.

The decision (crisis, answer, question back, menu) is made by :mod:`bot.core.decision`;
this module turns it into the words and contacts a person sees.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.core.crisis import CrisisFinding
from bot.core.decision import Decision, Pipeline
from bot.core.model import KnowledgeBase, Lang, Service
from bot.core.replies import (
    HUMAN_SERVICES,
    MENU_TOPICS,
    Choice,
    Reply,
    closed_now,
    crisis_header,
    crisis_text,
    phrase,
    reachable,
    service_block,
    service_choices,
    topic_choice,
)
from bot.core.training import Models, train

MAX_SERVICES = 3


class Engine:
    """Answers messages from one knowledge base for one municipality."""

    def __init__(self, kb: KnowledgeBase, municipality: str = "leiden",
                 models: Models | None = None) -> None:
        """``models``: trained from ``kb`` (see :mod:`bot.model_cache`); trained here if None."""
        self.kb = kb
        self.municipality = municipality
        self.services: dict[str, Service] = kb.services_for(municipality)
        self.models = models if models is not None else train(kb)
        self.pipeline = Pipeline(kb, self.models)

    # -- the main entry --------------------------------------------------------------------

    def answer(self, text: str, now: datetime, hint: Lang | None = None,
               offered: tuple[str, ...] = (), last_topic: str | None = None) -> Reply:
        """Reply to one free-text message. ``offered``: the topics of the question the bot
        asked last ("1 or 2"), so that a typed number picks one. ``last_topic``: the topic
        answered last, which "kun je dat in het Engels zeggen" repeats in English."""
        choice = text.strip().rstrip(".")
        if offered and choice.isdigit() and 1 <= int(choice) <= len(offered):
            return self.topic_reply(offered[int(choice) - 1], hint or "nl", now)
        wanted = self.pipeline.language_request(text)
        if wanted is not None:
            if last_topic in self.kb.topics:
                return self.topic_reply(last_topic, wanted, now)
            return self.menu_reply(wanted, now)
        return self.reply(self.decide(text, hint), now)

    def urgent(self, text: str, hint: Lang | None = None) -> bool:
        """Should this message be answered before others? (The crisis net fires on it.)"""
        return self.pipeline.is_crisis(text, hint)

    def decide(self, text: str, hint: Lang | None = None) -> Decision:
        return self.pipeline.decide(text, hint)

    def reply(self, decision: Decision, now: datetime) -> Reply:
        lang = decision.language
        if decision.action == "crisis":
            return self._crisis_reply(decision, now)
        if decision.action in ("thanks", "goodbye"):
            return self._farewell(decision.action, lang, now)
        if decision.action in ("fallback", "greeting"):
            smalltalk = None if decision.action == "fallback" else decision.action
            return self._fallback(lang, now, smalltalk)
        if decision.action == "clarify":
            a, b = decision.topics[:2]
            return replace(self._clarify(a, b, lang, now), topics=decision.topics)
        best = decision.topics[0]
        return replace(self.topic_reply(best, lang, now), topics=decision.topics)

    # -- replies ---------------------------------------------------------------------------

    def topic_reply(self, topic_id: str, lang: Lang, now: datetime) -> Reply:
        """The answer of one topic with its services, as for a button press."""
        topic = self.kb.topics[topic_id]
        services = [self.services[s] for s in topic.services if s in self.services]
        shown = services[:MAX_SERVICES]
        parts = [f"{topic.title.get(lang)}\n\n{topic.answer.get(lang).strip()}"]
        if shown:
            parts.append(phrase("contacts", lang) + "\n" + "\n".join(
                service_block(s, lang, now) for s in shown
            ))
        for service in list(shown):
            if closed_now(service, now):
                alt = self._always_open(services) or self._human_services()[0]
                parts.append(phrase("closed", lang, name=service.name.get(lang),
                                    alt=self._short_contact(alt, lang)))
                if alt not in shown:
                    shown.append(alt)
        human = self._human_line(shown, lang, now)
        if human:
            parts.append(human)
            shown = shown + [s for s in self._human_services() if s not in shown]
        related = [self.kb.topics[r] for r in topic.related if r in self.kb.topics]
        choices = service_choices(shown, lang) + tuple(topic_choice(t, lang) for t in related)
        if topic.crisis != "none":  # the number first, also when the topic was chosen
            parts.insert(0, crisis_header(self.kb, lang, topic.crisis == "danger",
                                          topic.crisis == "suicide"))
        return Reply(
            text="\n\n".join(parts),
            crisis=topic.crisis != "none",
            language=lang,
            topics=(topic_id,),
            services=tuple(s.id for s in shown),
            choices=(*choices, Choice("menu", "menu", "menu")),
            shown_topic=topic_id,
        )

    def menu_reply(self, lang: Lang, now: datetime, intro: str | None = None) -> Reply:
        """The main choices and people to talk to: for /start, the menu button and fallback."""
        topics = [self.kb.topics[t] for t in MENU_TOPICS if t in self.kb.topics]
        humans = self._human_services()
        lines = [intro or phrase("menu_title", lang)]
        lines.extend(f"{n}. {t.title.get(lang)}" for n, t in enumerate(topics, start=1))
        lines.append(phrase("pick_number", lang))
        lines.append("")
        lines.append(phrase("human", lang))
        lines.extend(f"• {self._short_contact(s, lang)}" for s in humans)
        return Reply(
            text="\n".join(lines),
            language=lang,
            services=tuple(s.id for s in humans),
            fallback=True,
            choices=tuple(topic_choice(t, lang) for t in topics)
            + service_choices(humans, lang),
        )

    def _fallback(self, lang: Lang, now: datetime, smalltalk: str | None) -> Reply:
        intro = phrase(smalltalk or "fallback", lang)
        if smalltalk:
            intro += "\n\n" + phrase("menu_title", lang)
        return self.menu_reply(lang, now, intro)

    def _farewell(self, kind: str, lang: Lang, now: datetime) -> Reply:
        """Thanks or goodbye: a short warm line and the people to turn to; no menu."""
        humans = self._human_services()
        lines = [phrase(kind, lang), "", phrase("human", lang)]
        lines.extend(f"• {self._short_contact(s, lang)}" for s in humans)
        return Reply(text="\n".join(lines), language=lang,
                     services=tuple(s.id for s in humans), smalltalk=True,
                     choices=service_choices(humans, lang))

    def _clarify(self, a: str, b: str, lang: Lang, now: datetime) -> Reply:
        ta, tb = self.kb.topics[a], self.kb.topics[b]
        humans = self._human_services()
        text = phrase("clarify", lang, a=ta.title.get(lang), b=tb.title.get(lang))
        text += "\n\n" + phrase("human", lang) + "\n" + "\n".join(
            f"• {self._short_contact(s, lang)}" for s in humans
        )
        return Reply(
            text=text,
            language=lang,
            services=tuple(s.id for s in humans),
            clarify=(a, b),
            choices=(topic_choice(ta, lang), topic_choice(tb, lang)),
        )

    def _crisis_reply(self, decision: Decision, now: datetime) -> Reply:
        """Short, the number first, one question, and ways to go on."""
        finding: CrisisFinding = decision.crisis
        lang = decision.language
        text = crisis_text(self.kb, lang, finding.kind)
        if finding.danger and finding.suicide:  # both numbers, each with its line
            other = "danger" if finding.kind in ("suicide", "self-harm") else "suicide"
            text += "\n" + crisis_text(self.kb, lang, other).split("\n", 1)[0]
        ids = (["113"] if finding.suicide else []) + ["112"]
        crisis_topics = {"emergency", "suicidal"}
        onward = [t for t in decision.topics if t not in crisis_topics][:2]
        choices = [topic_choice(self.kb.topics[t], lang) for t in onward]
        services = [self.services[s] for s in ids if s in self.services]
        return Reply(
            text=text.strip(),
            language=lang,
            topics=decision.topics,
            services=tuple(ids),
            crisis=True,
            choices=(*service_choices(services, lang), *choices,
                     Choice("menu", "menu", "menu")),
        )

    # -- helpers ---------------------------------------------------------------------------

    def _human_services(self) -> list[Service]:
        return [self.services[s] for s in HUMAN_SERVICES if s in self.services]

    def _human_line(self, shown: list[Service], lang: Lang, now: datetime) -> str | None:
        """A way to a person when the reply has none that is reachable now."""
        if any(reachable(s) and not closed_now(s, now) for s in shown):
            return None
        humans = [s for s in self._human_services() if s not in shown]
        if not humans:
            return None
        return phrase("human", lang) + "\n" + "\n".join(
            f"• {self._short_contact(s, lang)}" for s in humans
        )

    @staticmethod
    def _always_open(services: list[Service]) -> Service | None:
        return next((s for s in services if s.always_open), None)

    @staticmethod
    def _short_contact(service: Service, lang: Lang) -> str:
        phone = next((c.value for c in service.contacts if c.kind == "phone"), None)
        call = phrase("call", lang)
        return f"{service.name.get(lang)}, {call} {phone}" if phone else service.name.get(lang)
