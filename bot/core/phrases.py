"""Phrase patterns over tokens, as staff write them in crisis.yaml and keyword lists.

A pattern is words separated by spaces. ``...`` allows up to six other words in between;
a word ending in ``*`` matches any word that starts with it. Words also match on their
Dutch or English stem, so ``hurt myself`` finds "hurting myself".
"""

from __future__ import annotations

from dataclasses import dataclass
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

    def index_keys(self) -> set[str]:
        """Index keys under which a token can find this word."""
        return {f"t:{self.text}", f"n:{self.stems[0]}", f"e:{self.stems[1]}"}


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
        for i, tok in enumerate(tokens(raw.rstrip("*"))):
            is_prefix = prefix and i == len(tokens(raw.rstrip("*"))) - 1
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


class PatternIndex(Generic[T]):
    """Many patterns, looked up by their first word, so a message is read once."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[Pattern, T]]] = {}
        self._prefixed: list[tuple[Pattern, T]] = []

    def add(self, pattern: Pattern, payload: T) -> None:
        first = pattern.first
        if first.prefix:
            self._prefixed.append((pattern, payload))
            return
        for key in first.index_keys():
            self._by_first.setdefault(key, []).append((pattern, payload))

    def search(self, toks: list[str], tok_stems: list[tuple[str, str]]) -> list[T]:
        """Payloads of the patterns found in the tokens, each once, in order of first match."""
        return [payload for payload, _ in self.search_at(toks, tok_stems)]

    def search_at(
        self, toks: list[str], tok_stems: list[tuple[str, str]]
    ) -> list[tuple[T, int]]:
        """Like :meth:`search`, with the token position where each match starts."""
        found: dict[int, tuple[T, int]] = {}
        for i, tok in enumerate(toks):
            candidates: list[tuple[Pattern, T]] = []
            for key in token_keys(tok, tok_stems[i]):
                candidates.extend(self._by_first.get(key, ()))
            candidates.extend(p for p in self._prefixed if tok.startswith(p[0].first.text))
            for pattern, payload in candidates:
                if id(pattern) not in found and _rest_matches(pattern, i, toks, tok_stems):
                    found[id(pattern)] = (payload, i)
        return list(found.values())
