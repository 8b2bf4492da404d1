"""Free text -> ranked topics.

Each topic is scored from three kinds of evidence, all taken from the knowledge files:
keywords (words and phrases that point to the topic, weighted by how few topics share them),
example phrasings (a light TF-IDF overlap, so unseen wording still lands near its topic) and
signals (combinations of concepts such as *assault* + *recent*). A crisis found by
:mod:`bot.core.crisis` lifts the emergency or suicide topic.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from bot.core.analysis import Analysis, Analyzer
from bot.core.model import LANGS, KnowledgeBase, Lang, Signal
from bot.core.phrases import Pattern, PatternIndex, compile_pattern
from bot.core.similarity import ExampleIndex, content_stems
from bot.core.text import tokens

KEYWORD_WEIGHT = 1.0
PHRASE_WEIGHT = 1.5
PHRASE_LANGUAGE_BONUS = 1.5
SURE_LANGUAGE_MARGIN = 4.0
NEAREST_CANDIDATES = 40  # topics whose examples are compared one by one
MAX_RANKED = 10
KEYWORD_SLACK = 2  # other words allowed between the words of a keyword phrase
EXAMPLE_WEIGHT = 2.0
NEAREST_WEIGHT = 2.0
MIN_SCORE = 0.9  # below this nothing fits: the fallback
MIN_EVIDENCE = 0.9
MIN_NEAREST = 0.5
LONE_WORD_CONTENT = 7  # content words from which one lone keyword is not enough ...
LONE_WORD_NEAREST = 0.2  # ... unless the message reads a bit like an example
OTHER_SERVICE_NEAREST = 0.7  # "hoeveel kost ... dit jaar" shares two words with an example
CLARIFY_RATIO = 0.85  # the runner-up this close to the best: ask which one is meant

_AGE_BEFORE = frozenset({"ben", "am", "age", "aged", "van", "is", "was", "of", "leeftijd"})
_AGE_AFTER = frozenset({"jaar", "years", "year", "jarige", "jr"})
_MINOR_WORDS = re.compile(r"^(minderjarig\w*|minor|underage|tiener\w*|teen|teenager)$")


@dataclass(frozen=True)
class Ranking:
    """Topic ids with their scores, best first; empty when nothing fits."""

    scored: tuple[tuple[str, float], ...]

    @property
    def ids(self) -> list[str]:
        return [tid for tid, _ in self.scored]

    @property
    def best(self) -> str | None:
        return self.scored[0][0] if self.scored else None

    @property
    def close_call(self) -> bool:
        return len(self.scored) >= 2 and self.scored[1][1] >= CLARIFY_RATIO * self.scored[0][1]


@dataclass(frozen=True)
class _Term:
    topic: str
    key: str
    weight: float  # shared by fewer topics weighs more
    base: float  # the weight before sharing: how sure a match is that we are in the domain


def mentions_minor(analysis: Analysis) -> bool:
    """True when the message says someone is under 18 ("ik ben 14", "my son of 12", "15yo")."""
    toks = analysis.tokens
    for i, tok in enumerate(toks):
        if _MINOR_WORDS.match(tok):
            return True
        if not tok.isdigit() or not 3 <= int(tok) <= 17:
            continue
        before = toks[i - 1] if i else ""
        after = toks[i + 1] if i + 1 < len(toks) else ""
        if before in _AGE_BEFORE or after in _AGE_AFTER or (after == "years" and i + 2 < len(toks)):
            return True
    return False


class Matcher:
    """Ranks the topics of one knowledge base for a message. Build once, use for every message."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._keywords: PatternIndex[_Term] = PatternIndex()
        self._concepts: PatternIndex[str] = PatternIndex()
        words: dict[Lang, set[str]] = {lang: set() for lang in LANGS}

        spread: Counter[str] = Counter()
        entries: list[tuple[str, str, Lang]] = []
        for topic in kb.topics.values():
            seen: set[str] = set()
            for lang in LANGS:
                for kw in topic.keywords.get(lang, ()):
                    key = " ".join(kw.split()).lower()
                    entries.append((topic.id, key, lang))
                    if key not in seen:
                        seen.add(key)
                        spread[key] += 1
        compiled: dict[str, Pattern | None] = {}
        # Phrases of two or more words, per language: a phrase only one language has tells
        # the message's language.
        lang_phrases: dict[Lang, dict[tuple[str, ...], Pattern]] = {lang: {} for lang in LANGS}
        for topic_id, key, lang in entries:
            if key not in compiled:
                compiled[key] = compile_pattern(key, slack=KEYWORD_SLACK)
            pattern = compiled[key]
            if pattern is None:
                continue
            base = PHRASE_WEIGHT if len(pattern.steps) > 1 else KEYWORD_WEIGHT
            self._keywords.add(
                pattern, _Term(topic_id, key, base / math.sqrt(spread[key]), base)
            )
            words[lang].update(w.text for w, _ in pattern.steps)
            if len(pattern.steps) > 1:
                lang_phrases[lang][tuple(w.text for w, _ in pattern.steps)] = pattern

        for name, by_lang in kb.concepts.items():
            for lang, terms in by_lang.items():
                for term in terms:
                    pattern = compile_pattern(term)
                    if pattern is not None:
                        self._concepts.add(pattern, name)
                        words[lang].update(w.text for w, _ in pattern.steps)
        for group in (kb.crisis.danger, kb.crisis.suicide, kb.crisis.negations):
            for lang, phrases in group.items():
                for phrase in phrases:
                    pattern = compile_pattern(phrase)
                    if pattern is not None:
                        words[lang].update(w.text for w, _ in pattern.steps if not w.prefix)

        # Example phrasings: per topic, in how many of its examples each content stem occurs.
        example_tf: dict[str, dict[str, float]] = {}
        df: Counter[str] = Counter()
        for topic in kb.topics.values():
            counts: Counter[str] = Counter()
            n = 0
            for lang in LANGS:
                for example in topic.examples.get(lang, ()):
                    toks = tokens(example)
                    words[lang].update(toks)
                    n += 1
                    counts.update(content_stems(toks))
            example_tf[topic.id] = {s: c / max(n, 1) for s, c in counts.items()}
            df.update(counts.keys())
        n_topics = max(len(kb.topics), 1)
        idf = {s: math.log(1 + n_topics / d) for s, d in df.items()}
        # Inverted: stem -> [(topic, share of its examples with the stem x idf)].
        self._example_postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for topic_id, tf in example_tf.items():
            for stem, share in tf.items():
                self._example_postings[stem].append((topic_id, share * idf[stem]))
        self._signals: dict[str, list[tuple[str, Signal]]] = defaultdict(list)
        for topic in kb.topics.values():
            for signal in topic.signals:
                self._signals[signal.concepts[0]].append((topic.id, signal))
        self._examples = ExampleIndex(
            (topic.id, example)
            for topic in kb.topics.values()
            for lang in LANGS
            for example in topic.examples.get(lang, ())
        )
        texts: dict[Lang, list[str]] = {lang: [] for lang in LANGS}
        for topic in kb.topics.values():
            for lang in LANGS:
                texts[lang].extend((topic.title.get(lang), topic.answer.get(lang)))
                texts[lang].extend(topic.examples.get(lang, ()))
        self.analyzer = Analyzer(words["nl"], words["en"], texts["nl"], texts["en"])
        self._build_language_hints(kb, lang_phrases)


    def _build_language_hints(
        self, kb: KnowledgeBase, phrases: dict[Lang, dict[tuple[str, ...], Pattern]]
    ) -> None:
        """Names say nothing about a message's language ("wat is Stop it Now", "what is Wensen
        en Grenzen"); a phrase that only one language's keywords hold says a lot."""
        self._names: PatternIndex[int] = PatternIndex()
        for service in kb.services.values():
            for name in (service.name.nl, service.name.en):
                for part in re.split(r"[,()!]", name):
                    pattern = compile_pattern(part)
                    if pattern is not None and len(pattern.steps) >= 2:
                        self._names.add(pattern, len(pattern.steps))
        self._lang_phrases: PatternIndex[Lang] = PatternIndex()
        pairs: tuple[tuple[Lang, Lang], ...] = (("nl", "en"), ("en", "nl"))
        for lang, other in pairs:
            for words, pattern in phrases[lang].items():
                if words not in phrases[other]:
                    self._lang_phrases.add(pattern, lang)

    def language(self, analysis: Analysis, hint: Lang | None) -> Lang:
        """The message's language, with names left out and one-language phrases counted."""
        nl, en = self.analyzer.word_votes(analysis.tokens)
        if abs(nl - en) >= SURE_LANGUAGE_MARGIN:  # a name or phrase cannot turn this around
            return analysis.language
        names = self._names.search_at(analysis.tokens, analysis.stems, analysis.keys)
        phrases = self._lang_phrases.search(analysis.tokens, analysis.stems, analysis.keys)
        if not names and not phrases:
            return analysis.language
        dropped = {i for length, start in names for i in range(start, start + length)}
        kept = [t for i, t in enumerate(analysis.tokens) if i not in dropped]
        return self.analyzer.language(
            kept, hint,
            nl_bonus=PHRASE_LANGUAGE_BONUS * phrases.count("nl"),
            en_bonus=PHRASE_LANGUAGE_BONUS * phrases.count("en"),
        )

    def concepts(self, analysis: Analysis) -> set[str]:
        found = set(self._concepts.search(analysis.tokens, analysis.stems, analysis.keys))
        if mentions_minor(analysis):
            found.add("minor")
        return found

    def rank(
        self,
        analysis: Analysis,
        boost: dict[str, float] | None = None,
        concepts: set[str] | None = None,
    ) -> Ranking:
        """Topics for the analysis, best first; ``concepts`` when already found by the caller."""
        scores: defaultdict[str, float] = defaultdict(float)
        # A word counts once per topic: "naaktfoto" and "naaktfoto's" do not add up.
        best_at: dict[tuple[str, int], float] = {}
        seen_keys: set[tuple[str, str]] = set()
        evidence = 0.0  # the strongest keyword found, however many topics share it
        hits = self._keywords.search_at(analysis.tokens, analysis.stems, analysis.keys)
        for term, start in hits:
            if (term.topic, term.key) in seen_keys:
                continue
            seen_keys.add((term.topic, term.key))
            slot = (term.topic, start)
            best_at[slot] = max(best_at.get(slot, 0.0), term.weight)
            evidence = max(evidence, term.base)
        for (topic_id, _), weight in best_at.items():
            scores[topic_id] += weight
        content = analysis.content
        if content:
            norm = EXAMPLE_WEIGHT / math.sqrt(len(content))
            for stem in content:
                for topic_id, weight in self._example_postings.get(stem, ()):
                    scores[topic_id] += weight * norm

        found = self.concepts(analysis) if concepts is None else concepts
        for concept in found:
            for topic_id, signal in self._signals.get(concept, ()):
                if all(c in found for c in signal.concepts):
                    scores[topic_id] += signal.weight
                    evidence = max(evidence, signal.weight)

        close = 0.0  # the best similarity to an example sharing two or more words
        if content:
            # Nearest examples only among the likeliest topics: every topic with an example
            # that shares a word already has some score, so none that could win is left out,
            # and a knowledge base a hundred times larger costs little more.
            candidates = heapq.nlargest(NEAREST_CANDIDATES, scores, key=scores.__getitem__)
            nearest = self._examples.nearest(content, candidates)
            close = max(nearest.close.values(), default=0.0)
            for topic_id, cos in nearest.best.items():
                scores[topic_id] += NEAREST_WEIGHT * cos
        # In the domain at all? A keyword, a signal, or a message very like an example.
        # Loose overlap with examples alone ("parking in Leiden") is not enough.
        signalled = evidence > max((t.base for t, _ in hits), default=0.0)
        if boost:
            evidence = max(evidence, *boost.values())
        if evidence < MIN_EVIDENCE and close < MIN_NEAREST:
            return Ranking(())
        # A long message in which a single word happens to be a keyword ("parkeervergunning"
        # holds "gun") and that reads like no example is about something else.
        lone_word = len({start for _, start in hits}) == 1
        if (lone_word and not signalled and not boost and close < LONE_WORD_NEAREST
                and len(content) >= LONE_WORD_CONTENT):
            return Ranking(())
        # A question for another service ("parkeervergunning", "grofvuil") with at most one
        # word of ours and nothing that reads like one of our examples.
        if ("other-service" in found and len({start for _, start in hits}) <= 1
                and not signalled and not boost and close < OTHER_SERVICE_NEAREST):
            return Ranking(())
        for topic_id, extra in (boost or {}).items():
            if topic_id in self._kb.topics:
                scores[topic_id] += extra

        top = heapq.nsmallest(
            MAX_RANKED, scores.items(), key=lambda item: (-round(item[1], 4), item[0])
        )
        ranked = [(tid, round(score, 4)) for tid, score in top if score > 0]
        if not ranked or ranked[0][1] < MIN_SCORE:
            return Ranking(())
        return Ranking(tuple(ranked))
