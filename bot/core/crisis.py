"""The crisis safety net: does this message show danger now or suicidal intent?

It runs before topic matching and does not depend on it. The phrases live in
``knowledge/crisis.yaml`` so staff can add what they hear. Negations ("ik ben niet
suïcidaal") are removed from the message before the phrases are looked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.analysis import Analysis
from bot.core.model import CrisisLexicon
from bot.core.phrases import (
    Pattern,
    PatternIndex,
    compile_pattern,
    present_keys,
    span,
)
from bot.core.similarity import ExampleIndex, WordBayes

EXAMPLE_THRESHOLD = 0.35  # cosine to the nearest crisis example
EXAMPLE_MARGIN = 0.05  # ... and this much closer than to the nearest calm example
BAYES_THRESHOLD = 0.999  # naive Bayes probability of danger or suicide


@dataclass(frozen=True)
class CrisisFinding:
    danger: bool
    suicide: bool
    by_phrase: bool = True  # False when only a concept combination was found (weaker)

    @property
    def any(self) -> bool:
        return self.danger or self.suicide


class CrisisDetector:
    def __init__(self, lexicon: CrisisLexicon, calm: Iterable[str] = ()) -> None:
        """``calm``: more messages that are not a crisis (the other topics' examples)."""
        self._index: PatternIndex[str] = PatternIndex()
        for kind, group in (("danger", lexicon.danger), ("suicide", lexicon.suicide)):
            for phrases in group.values():
                for phrase in phrases:
                    pattern = compile_pattern(phrase)
                    if pattern is not None:
                        self._index.add(pattern, kind)
        self._negations: PatternIndex[Pattern] = PatternIndex()
        for phrases in lexicon.negations.values():
            for phrase in phrases:
                if (pattern := compile_pattern(phrase)) is not None:
                    self._negations.add(pattern, pattern)
        self._shouted = frozenset(w.lower() for w in lexicon.shouted)
        # Three shared words: two ("cross", "road") still match jokes and small talk.
        self._examples = ExampleIndex(lexicon.examples, min_shared=3)
        self._combinations = lexicon.combinations
        self._bayes = WordBayes([*lexicon.examples, *(("calm", text) for text in calm)])

    def without_negations(self, analysis: Analysis) -> Analysis:
        """The analysis with negated phrases ("not suicidal") taken out."""
        toks, stems_ = list(analysis.tokens), list(analysis.stems)
        changed = False
        for pattern in self._negations.search(toks, stems_, analysis.keys):
            while (found := span(pattern, toks, stems_)) is not None:
                del toks[found.start : found.stop]
                del stems_[found.start : found.stop]
                changed = True
        if not changed:
            return analysis
        return Analysis(toks, stems_, analysis.language, analysis.shouted, analysis.has_text,
                        frozenset(present_keys(toks, stems_)))

    def _like_examples(self, content: set[str], words: list[str]) -> set[str]:
        """Crisis kinds whose examples the message resembles more than the calm ones."""
        near = self._examples.nearest(content)
        calm = near.close.get("calm", 0.0)
        kinds = {
            kind for kind in ("danger", "suicide")
            if near.close.get(kind, 0.0) >= EXAMPLE_THRESHOLD
            and near.close.get(kind, 0.0) > calm + EXAMPLE_MARGIN
        }
        odds = self._bayes.probabilities(words)
        kinds.update(k for k in ("danger", "suicide") if odds.get(k, 0.0) >= BAYES_THRESHOLD)
        return kinds

    def check(self, analysis: Analysis, concepts: set[str] | frozenset[str] = frozenset()
              ) -> CrisisFinding:
        """Look for danger and suicide phrases, and for concept combinations that mean a crisis
        ("now" with "threat"), in an analysis without negations."""
        kinds = set(self._index.search(analysis.tokens, analysis.stems, analysis.keys))
        if not self._shouted.isdisjoint(analysis.shouted):
            kinds.add("danger")
        by_phrase = bool(kinds)
        # "Last year I wanted to die, now it is over" is not a crisis now: the weaker checks
        # (combinations, likeness to examples) stand back for a message about the past.
        if "past" not in concepts or "now" in concepts:
            kinds.update(kind for kind, needed in self._combinations if set(needed) <= concepts)
            kinds.update(self._like_examples(analysis.content, analysis.tokens))
        return CrisisFinding("danger" in kinds, "suicide" in kinds, by_phrase)
