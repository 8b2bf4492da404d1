"""The conversation core: one message in, one reply out. Pure: the caller passes the time.

Order of work for a message: clean and analyse, the crisis check, topic ranking, then
the reply. A crisis puts 112 or 113 on top whatever topic also matches.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.core.crisis import CrisisDetector, CrisisFinding
from bot.core.matcher import Matcher, Ranking
from bot.core.model import KnowledgeBase, Lang, Service
from bot.core.replies import (
    HUMAN_SERVICES,
    MENU_TOPICS,
    Choice,
    Reply,
    closed_now,
    crisis_header,
    phrase,
    reachable,
    service_block,
    service_choices,
    topic_choice,
)

CRISIS_BOOST = 8.0
COMBINATION_BOOST = 1.0
TOPIC_CRISIS_SCORE = 2.5
MAX_TOPICS = 3
MAX_SERVICES = 3

_GREETINGS = frozenset(
    "hoi hallo hey hi hello hee hoii goedemorgen goedemiddag goedenavond yo hiya "
    "daar there morning evening".split()
)
_THANKS = frozenset(
    "dank thanks thank bedankt dankje dankjewel dankuwel wel je you so much veel cheers "
    "top super fijn ok oke okay".split()
)


class Engine:
    """Answers messages from one knowledge base for one municipality."""

    def __init__(self, kb: KnowledgeBase, municipality: str = "leiden") -> None:
        self.kb = kb
        self.municipality = municipality
        self.services: dict[str, Service] = kb.services_for(municipality)
        self.matcher = Matcher(kb)
        self.crisis = CrisisDetector(kb.crisis, calm=(
            example
            for topic in kb.topics.values() if topic.crisis == "none"
            for lang in ("nl", "en")
            for example in topic.examples.get(lang, ())
        ))

    # -- the main entry --------------------------------------------------------------------

    def answer(self, text: str, now: datetime, hint: Lang | None = None) -> Reply:
        """Reply to one free-text message."""
        analysis = self.matcher.analyzer.analyze(text, hint)
        lang = self.matcher.language(analysis, hint)
        analysis = self.crisis.without_negations(analysis)
        concepts = self.matcher.concepts(analysis)
        finding = self.crisis.check(analysis, concepts)
        # A crisis phrase makes the crisis topic the answer; a concept combination alone is
        # weaker evidence: 112/113 go on top, but the topic that fits best still answers.
        lift = CRISIS_BOOST if finding.by_phrase else COMBINATION_BOOST
        boost = {}
        if finding.danger:
            boost["emergency"] = lift
        if finding.suicide:
            boost["suicidal"] = lift
        ranking = (
            self.matcher.rank(analysis, boost, concepts) if analysis.has_text else Ranking(())
        )
        best = ranking.best
        if best is not None and not finding.any:
            # A second net: a message that lands on the suicide topic, or clearly on the
            # emergency topic, gets 113/112 on top even when no crisis phrase was recognised.
            kind = self.kb.topics[best].crisis
            if kind == "danger" and ranking.scored[0][1] < TOPIC_CRISIS_SCORE:
                kind = "none"
            finding = CrisisFinding(danger=kind == "danger", suicide=kind == "suicide")
        top = tuple(ranking.ids[:MAX_TOPICS])

        if best is None:
            reply = self._fallback(lang, now, self._smalltalk(analysis.tokens))
        elif ranking.close_call and not finding.any and self._distinct(top[0], top[1]):
            reply = self._clarify(top[0], top[1], lang, now)
        else:
            reply = self.topic_reply(best, lang, now)
        reply = replace(reply, topics=top)
        if finding.any:
            reply = self._with_crisis(reply, finding, lang)
        return reply

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
        return Reply(
            text="\n\n".join(parts),
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
        lines.extend(f"• {t.title.get(lang)}" for t in topics)
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

    def _with_crisis(self, reply: Reply, finding: CrisisFinding, lang: Lang) -> Reply:
        header = crisis_header(self.kb, lang, finding.danger, finding.suicide)
        ids = (["113"] if finding.suicide else []) + (
            ["112"] if finding.danger or finding.suicide else []
        )
        services = tuple(dict.fromkeys([*ids, *reply.services]))
        return replace(reply, text=f"{header}\n\n{reply.text}", crisis=True, services=services)

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

    def _distinct(self, a: str, b: str) -> bool:
        """Two topics are worth a question only if neither lists the other as related."""
        ta, tb = self.kb.topics[a], self.kb.topics[b]
        return b not in ta.related and a not in tb.related

    @staticmethod
    def _smalltalk(tokens: list[str]) -> str | None:
        if not tokens or len(tokens) > 6:
            return None
        if all(t in _GREETINGS for t in tokens):
            return "greeting"
        if all(t in _THANKS for t in tokens) and any(
            t in {"dank", "thanks", "thank", "bedankt", "dankje", "dankjewel", "cheers"}
            for t in tokens
        ):
            return "thanks"
        return None
