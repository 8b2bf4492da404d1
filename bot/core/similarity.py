"""Nearest labelled example by TF-IDF cosine over word stems.

Used for the topics' example phrasings and for the crisis net's examples: a message that
reads much like a known example is probably about the same thing, even in new words.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.text import STOPWORDS, stems, tokens

UNKNOWN_IDF = 2.0  # a word no example has still counts in the message's length


def content_stems(words: Iterable[str]) -> set[str]:
    """The Dutch stems of the words that carry meaning (no function words)."""
    return {stems(t)[0] for t in words if t not in STOPWORDS}


@dataclass(frozen=True)
class Nearest:
    """Per label, the best cosine; and the best among examples sharing two or more words."""

    best: dict[str, float]
    close: dict[str, float]


class ExampleIndex:
    def __init__(self, labelled: Iterable[tuple[str, str]], min_shared: int = 2) -> None:
        """Index (label, example text) pairs; ``min_shared`` words make an example close."""
        self._min_shared = min_shared
        docs = [(label, content_stems(tokens(text))) for label, text in labelled]
        docs = [(label, bag) for label, bag in docs if bag]
        df: Counter[str] = Counter(s for _, bag in docs for s in bag)
        n = max(len(docs), 1)
        self._idf = {s: math.log(1 + n / d) for s, d in df.items()}
        self._label = [label for label, _ in docs]
        self._norm = [math.sqrt(sum(self._idf[s] ** 2 for s in bag)) for _, bag in docs]
        self._postings: dict[str, list[int]] = defaultdict(list)
        for i, (_, bag) in enumerate(docs):
            for stem in bag:
                self._postings[stem].append(i)

    def nearest(self, content: set[str]) -> Nearest:
        """How close the message (its content stems) comes to each label's examples.

        ``close`` only counts examples that share at least ``min_shared`` words with the
        message: one shared word, as in "test 123", says little.
        """
        dots: defaultdict[int, float] = defaultdict(float)
        shared: Counter[int] = Counter()
        for stem in content:
            weight = self._idf.get(stem)
            if weight is None:
                continue
            for i in self._postings[stem]:
                dots[i] += weight * weight
                shared[i] += 1
        if not dots:
            return Nearest({}, {})
        norm = math.sqrt(sum(self._idf.get(s, UNKNOWN_IDF) ** 2 for s in content))
        best: dict[str, float] = {}
        close: dict[str, float] = {}
        for i, dot in dots.items():
            cos = dot / (norm * self._norm[i])
            label = self._label[i]
            if cos > best.get(label, 0.0):
                best[label] = cos
            if shared[i] >= self._min_shared and cos > close.get(label, 0.0):
                close[label] = cos
        return Nearest(best, close)
