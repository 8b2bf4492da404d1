"""Phrase patterns over tokens, as staff write them in crisis.yaml and keyword lists.

A pattern is words separated by spaces. ``...`` allows up to six other words in between;
a word ending in ``*`` matches any word that starts with it. Words also match on their
Dutch or English stem, so ``hurt myself`` finds "hurting myself".
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from bot.core.text import fold, stems, tokens

T = TypeVar("T")

GAP = "..."
MAX_GAP = 6


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool
    stems: tuple[str, str]

    def matches(self, token: str, token_stems: tuple[str, str]) -> bool:
        if self.prefix:
            return token.startswith(self.text)
        return (
            token == self.text or token_stems[0] == self.stems[0] or token_stems[1] == self.stems[1]
        )

    @property
    def keys(self) -> frozenset[str]:
        return _word_keys(self.text, self.stems)


@lru_cache(maxsize=65536)
def _word_keys(text: str, stems_: tuple[str, str]) -> frozenset[str]:
    return frozenset((f"t:{text}", f"n:{stems_[0]}", f"e:{stems_[1]}"))


def token_keys(token: str, token_stems: tuple[str, str]) -> tuple[str, str, str]:
    return (f"t:{token}", f"n:{token_stems[0]}", f"e:{token_stems[1]}")


@dataclass(frozen=True)
class Pattern:
    source: str
    steps: tuple[tuple[Word, int], ...]  # each word with the gap allowed before it

    @property
    def first(self) -> Word:
        return self.steps[0][0]


def compile_pattern(source: str, slack: int = 0) -> Pattern | None:
    """Compile a pattern; None when it holds no words.

    ``slack`` lets that many other words stand between any two words of the pattern
    (keywords use it: "slaan jullie op" finds "slaan jullie mijn berichten op").
    """
    steps: list[tuple[Word, int]] = []
    gap = 0
    for raw in fold(source).split():
        if raw == GAP:
            gap = MAX_GAP
            continue
        prefix = raw.endswith("*")
        parts = tokens(raw.rstrip("*"))
        for i, tok in enumerate(parts):
            is_prefix = prefix and i == len(parts) - 1
            word = Word(tok, is_prefix, ("", "") if is_prefix else stems(tok))
            steps.append((word, max(gap, slack) if steps else 0))
            gap = 0
    return Pattern(source, tuple(steps)) if steps else None


def find(pattern: Pattern, toks: list[str], tok_stems: list[tuple[str, str]]) -> int | None:
    """Index just past the first match of the pattern in the tokens, or None."""
    n = len(toks)
    for start in range(n):
        if not pattern.first.matches(toks[start], tok_stems[start]):
            continue
        pos = start + 1
        ok = True
        for word, gap in pattern.steps[1:]:
            limit = min(n, pos + gap + 1)
            for j in range(pos, limit):
                if word.matches(toks[j], tok_stems[j]):
                    pos = j + 1
                    break
            else:
                ok = False
                break
        if ok:
            return pos
    return None


def span(pattern: Pattern, toks: list[str], tok_stems: list[tuple[str, str]]) -> range | None:
    """The token positions of the first match, for removing a negated phrase."""
    end = find(pattern, toks, tok_stems)
    if end is None:
        return None
    for start in range(end - 1, -1, -1):
        if find(pattern, toks[start:end], tok_stems[start:end]) == end - start:
            return range(start, end)
    return None  # pragma: no cover - a match always has a start


def _rest_matches(
    pattern: Pattern, start: int, toks: list[str], tok_stems: list[tuple[str, str]]
) -> bool:
    pos = start + 1
    n = len(toks)
    for word, gap in pattern.steps[1:]:
        for j in range(pos, min(n, pos + gap + 1)):
            if word.matches(toks[j], tok_stems[j]):
                pos = j + 1
                break
        else:
            return False
    return True


def present_keys(toks: list[str], tok_stems: list[tuple[str, str]]) -> set[str]:
    """Every index key of every token: a pattern can only match if each word has one here."""
    present: set[str] = set()
    for tok, tok_stem in zip(toks, tok_stems, strict=True):
        present.update(token_keys(tok, tok_stem))
    return present


def required_keys(pattern: Pattern) -> tuple[frozenset[str], ...]:
    """For each whole word, the keys one of which a message must hold for a match."""
    return tuple(w.keys for w, _ in pattern.steps if not w.prefix)



class PatternIndex(Generic[T]):
    """Many patterns, looked up by their most telling word, so a message is read once.

    A pattern is only tried when every one of its words occurs somewhere in the message,
    which a set lookup tells; only those few are matched position by position. The same
    pattern added for several payloads (one keyword in many topics) is tried once.
    """

    def __init__(self) -> None:
        self._number: dict[tuple[tuple[Word, int], ...], int] = {}
        self._patterns: list[Pattern] = []
        self._required: list[tuple[frozenset[str], ...]] = []
        self._payloads: list[list[T]] = []
        self._by_anchor: dict[str, list[int]] = {}
        self._prefixed: list[int] = []

    def add(self, pattern: Pattern, payload: T) -> None:
        number = self._number.get(pattern.steps)
        if number is not None:
            self._payloads[number].append(payload)
            return
        number = self._number[pattern.steps] = len(self._patterns)
        self._patterns.append(pattern)
        self._required.append(required_keys(pattern))
        self._payloads.append([payload])
        words = [w for w, _ in pattern.steps if not w.prefix]
        if not words:
            self._prefixed.append(number)
            return
        # The longest word is usually the rarest: "verkracht" rather than "ik".
        anchor = max(words, key=lambda w: len(w.text))
        for key in anchor.keys:
            self._by_anchor.setdefault(key, []).append(number)

    def search(
        self, toks: list[str], tok_stems: list[tuple[str, str]],
        present: Set[str] | None = None,
    ) -> list[T]:
        """Payloads of the patterns found in the tokens, each once, in order of first match.

        ``present``: the tokens' keys (:func:`present_keys`) when the caller has them already.
        """
        return [payload for payload, _ in self.search_at(toks, tok_stems, present)]

    def search_at(
        self, toks: list[str], tok_stems: list[tuple[str, str]],
        present: Set[str] | None = None,
    ) -> list[tuple[T, int]]:
        """Like :meth:`search`, with the token position where each match starts."""
        if present is None:
            present = present_keys(toks, tok_stems)
        candidates: set[int] = set(self._prefixed)
        for key in present:
            numbers = self._by_anchor.get(key)
            if numbers:
                candidates.update(numbers)
        found: list[tuple[int, T]] = []
        for number in sorted(candidates):
            if not all(not present.isdisjoint(keys) for keys in self._required[number]):
                continue
            pattern = self._patterns[number]
            first = pattern.first
            for i, tok in enumerate(toks):
                if first.matches(tok, tok_stems[i]) and _rest_matches(pattern, i, toks, tok_stems):
                    found.extend((i, payload) for payload in self._payloads[number])
                    break
        found.sort(key=lambda item: item[0])
        return [(payload, i) for i, payload in found]
