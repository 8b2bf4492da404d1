"""One straight path for a message: read → crisis check → rank → decide.

The decision policy lives here and nowhere else: a crisis comes first, then the fallback
(not our subject, or no topic fits well), then a question back when two unrelated topics
fit about equally, else the answer. Every step leaves its evidence in the
:class:`Decision`, so ``python -m bot explain`` can show why, and a wrong answer is fixed
by adding examples rather than by a special case in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.core.crisis import CrisisFinding, CrisisNet
from bot.core.features import words
from bot.core.linear import Vector
from bot.core.model import KnowledgeBase, Lang
from bot.core.reading import Reader
from bot.core.training import IN, Models

Action = Literal["crisis", "answer", "clarify", "fallback", "greeting", "thanks", "goodbye"]


@dataclass(frozen=True)
class Ranking:
    """Topics with the learned model's probability, best first."""

    scored: tuple[tuple[str, float], ...]
    in_domain: float  # the domain model's probability that the message is about our subject

    @property
    def ids(self) -> list[str]:
        return [tid for tid, _ in self.scored]

    @property
    def best(self) -> str | None:
        return self.scored[0][0] if self.scored else None


@dataclass(frozen=True)
class Decision:
    action: Action
    language: Lang
    ranking: Ranking
    crisis: CrisisFinding
    topics: tuple[str, ...] = ()  # what the reply is about (or offers), best first
    reasons: tuple[str, ...] = ()
    vector: Vector | None = field(default=None, repr=False, compare=False)


SMALLTALK: tuple[Action, ...] = ("goodbye", "thanks", "greeting")  # the first found wins


def _words_of(groups: dict[Lang, frozenset[str]]) -> frozenset[str]:
    """Every word of a small-talk list, both languages."""
    return frozenset(w for entries in groups.values() for entry in entries for w in words(entry))


def _smalltalk_words(talk: dict[str, dict[Lang, frozenset[str]]]
                     ) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """The words of each kind of small talk (both languages), and all allowed words."""
    own: dict[str, frozenset[str]] = {kind: _words_of(talk.get(kind, {})) for kind in SMALLTALK}
    return own, frozenset().union(*own.values(), _words_of(talk.get("filler", {})))


class Pipeline:
    """Everything needed to decide about a message, built once per knowledge base."""

    def __init__(self, kb: KnowledgeBase, models: Models) -> None:
        self.kb = kb
        self.models = models
        self.reader = Reader(kb)
        self.net = CrisisNet(kb.crisis, models.crisis, kb.matching)
        self.settings = kb.matching
        self._talk = _smalltalk_words(kb.matching.smalltalk)
        talk = kb.matching.smalltalk
        to_en, to_nl = _words_of(talk.get("to_english", {})), _words_of(talk.get("to_dutch", {}))
        self._switch = (to_en, to_nl, to_en | to_nl | _words_of(talk.get("language_words", {})))

    def language(self, text: str, hint: Lang | None = None) -> Lang:
        analysis = self.reader.analyzer.analyze(text, hint)
        return self.reader.language(analysis, hint)

    def rank(self, vector: Vector) -> Ranking:
        probs = self.models.topics.probabilities(vector)
        scored = sorted(probs.items(), key=lambda item: (-item[1], item[0]))
        in_domain = self.models.domain.probabilities(vector)[IN]
        return Ranking(tuple((t, round(p, 4)) for t, p in scored[:10]), round(in_domain, 4))

    def language_request(self, text: str) -> Lang | None:
        """"Kun je dat in het Engels zeggen?", "can we speak Dutch": the language asked for,
        when the message asks only that (words in matching.yaml, smalltalk)."""
        toks = words(text)
        to_en, to_nl, allowed = self._switch
        if not toks or not all(t in allowed for t in toks):
            return None
        asks_en, asks_nl = any(t in to_en for t in toks), any(t in to_nl for t in toks)
        if asks_en == asks_nl:  # neither, or both named
            return None
        return "en" if asks_en else "nl"

    def is_crisis(self, text: str, hint: Lang | None = None) -> bool:
        """Does the crisis net fire (phrases, combinations, the crisis model)? The quick look a
        channel takes to answer a message first; :meth:`decide` also weighs crisis topics."""
        read = self._crisis_check(text, hint)
        return read is not None and read[2].any

    def _crisis_check(self, text: str, hint: Lang | None
                      ) -> tuple[Lang, Vector, CrisisFinding] | None:
        """Language, vector and the crisis net's finding; None when there are no words."""
        analysis = self.reader.analyzer.analyze(text, hint)
        if not analysis.has_text:
            return None
        lang = self.reader.language(analysis, hint)
        plain = self.net.without_negations(analysis)
        vector = self.models.vectoriser.vector(text)
        return lang, vector, self.net.check(plain, lang, self.reader.concepts(plain, lang),
                                            vector)

    def decide(self, text: str, hint: Lang | None = None) -> Decision:
        read = self._crisis_check(text, hint)
        if read is None:
            return Decision("fallback", self.language(text, hint), Ranking((), 0.0),
                            CrisisFinding(), reasons=("no words to read",))
        lang, vector, finding = read
        ranking = self.rank(vector)
        s = self.settings
        best, p1 = ranking.scored[0]
        reasons = [f"about our subject: {ranking.in_domain:.2f} (menu below {s.domain_threshold})",
                   f"best topic {best}: {p1:.2f} (menu below {s.min_topic_probability})"]
        kind = self.kb.topics[best].crisis
        if not finding.any and kind != "none" and p1 >= s.topic_crisis_probability:
            finding = self.net.for_topic(kind, best, p1)
        top = tuple(ranking.ids[: s.max_topics])
        if finding.any:
            return Decision("crisis", lang, ranking, finding, top,
                            (*finding.reasons, *reasons), vector)
        if ranking.in_domain < s.domain_threshold or p1 < s.min_topic_probability:
            talk = self._smalltalk(text, lang)
            why = "not about our subject" if ranking.in_domain < s.domain_threshold else \
                "no topic fits well enough"
            return Decision(talk or "fallback", lang, ranking, finding, (),
                            (*reasons, why), vector)
        second, p2 = ranking.scored[1]
        if p2 >= s.clarify_ratio * p1 and self._distinct(best, second):
            return Decision("clarify", lang, ranking, finding, (best, second),
                            (*reasons, f"{second} ({p2:.2f}) is close: asking which one "
                             f"(from {s.clarify_ratio:.2f} x the best)"), vector)
        return Decision("answer", lang, ranking, finding, top, tuple(reasons), vector)

    def _smalltalk(self, text: str, lang: Lang) -> Action | None:
        """Greeting, thanks or goodbye: a message made only of such words (and filler words,
        which make none on their own). Goodbye wins over thanks, thanks over a greeting."""
        toks = words(text)
        own, allowed = self._talk
        if not toks or not all(t in allowed for t in toks):
            return None
        return next((kind for kind in SMALLTALK if any(t in own[kind] for t in toks)), None)

    def _distinct(self, a: str, b: str) -> bool:
        """Two topics are worth a question only if neither lists the other as related."""
        ta, tb = self.kb.topics[a], self.kb.topics[b]
        return b not in ta.related and a not in tb.related
