"""Nearest labelled example by TF-IDF cosine over word stems.

Used for the topics' example phrasings and for the crisis net's examples: a message that
reads much like a known example is probably about the same thing, even in new words.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

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
        # stem -> label -> examples: a search can be limited to some labels.
        self._postings: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for i, (label, bag) in enumerate(docs):
            for stem in bag:
                self._postings[stem].setdefault(label, []).append(i)

    def nearest(self, content: set[str], labels: Iterable[str] | None = None) -> Nearest:
        """How close the message (its content stems) comes to each label's examples.

        ``close`` only counts examples that share at least ``min_shared`` words with the
        message: one shared word, as in "test 123", says little. ``labels`` limits the search.
        """
        wanted = None if labels is None else set(labels)
        dots: defaultdict[int, float] = defaultdict(float)
        shared: Counter[int] = Counter()
        for stem in content:
            weight = self._idf.get(stem)
            if weight is None:
                continue
            by_label = self._postings[stem]
            keys = by_label.keys() if wanted is None else wanted & by_label.keys()
            for label in keys:
                for i in by_label[label]:
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


def bayes_features(words: Iterable[str]) -> set[str]:
    """Content stems and pairs of neighbouring content stems ("brug_spring")."""
    content = [stems(t)[0] for t in words if t not in STOPWORDS]
    return set(content) | {f"{a}_{b}" for a, b in pairwise(content)}


class WordBayes:
    """Naive Bayes over word presence: which label's examples does a message read like?

    It adds up the evidence of every word, where the nearest example looks at one example
    at a time; together they catch more new phrasings than either alone.
    """

    def __init__(self, labelled: Iterable[tuple[str, str]]) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        docs: Counter[str] = Counter()
        for label, text in labelled:
            docs[label] += 1
            counts[label].update(bayes_features(tokens(text)))
        total = max(sum(docs.values()), 1)
        self._prior = {label: math.log(n / total) for label, n in docs.items()}
        self._known = set().union(*counts.values()) if counts else set()
        # Log odds of a feature being present given the label (smoothed).
        self._present = {
            label: {f: math.log((c[f] + 0.5) / (docs[label] + 1.0)) for f in c}
            for label, c in counts.items()
        }
        self._unseen = {label: math.log(0.5 / (docs[label] + 1.0)) for label in docs}

    def probabilities(self, words: Iterable[str]) -> dict[str, float]:
        features = bayes_features(words) & self._known
        if not features or not self._prior:
            return {}
        logp = {
            label: prior + sum(
                self._present[label].get(f, self._unseen[label]) for f in features
            )
            for label, prior in self._prior.items()
        }
        top = max(logp.values())
        z = sum(math.exp(v - top) for v in logp.values())
        return {label: math.exp(v - top) / z for label, v in logp.items()}
