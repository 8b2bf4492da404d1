"""From raw message to corrected tokens and a language guess.

Typos are corrected against the knowledge base's own vocabulary with rapidfuzz; Dutch
compounds ("naaktfotos", "hockeyclub") are split into the known words they are made of.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.model import Lang
from bot.core.text import STOPWORDS, STOPWORDS_EN, STOPWORDS_NL, clean, stems, tokens

_CAPS_WORD = re.compile(r"\b[A-Z]{2,}\b")
_NL_LETTERS = re.compile(r"ij|oe|aa|ee|uu|sch|cht|oo")
_EN_LETTERS = re.compile(r"th|wh|sh|ing\b|w|y|ght|ea")
MIN_FUZZY_LEN = 5


@dataclass(frozen=True)
class Analysis:
    """A message as the matcher sees it. Lives only while one message is handled."""

    tokens: list[str]
    stems: list[tuple[str, ...]]
    language: Lang
    shouted: frozenset[str]  # words typed in capitals ("HELP", "NU"), folded
    has_text: bool


class Analyzer:
    """Knows the vocabulary of the knowledge base, corrects tokens towards it, guesses language."""

    def __init__(self, words_nl: Iterable[str], words_en: Iterable[str]) -> None:
        self._nl = frozenset(words_nl) - STOPWORDS
        self._en = frozenset(words_en) - STOPWORDS
        vocab = self._nl | self._en
        self._vocab = vocab
        self._vocab_list = sorted(w for w in vocab if len(w) >= 4)
        self._known_stems = frozenset(s for w in vocab for s in stems(w))
        self._cache: dict[str, tuple[str, ...]] = {}

    def known(self, token: str) -> bool:
        return (
            token in self._vocab
            or token in STOPWORDS
            or not self._known_stems.isdisjoint(stems(token))
        )

    def correct(self, token: str) -> tuple[str, ...]:
        """The token itself when known, else its known compound parts or its nearest word."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        result = self._correct(token)
        if len(self._cache) < 100_000:
            self._cache[token] = result
        return result

    def _correct(self, token: str) -> tuple[str, ...]:
        if token.isdigit() or len(token) < 4 or self.known(token):
            return (token,)
        parts = self._split_compound(token)
        if parts:
            return (token, *parts)
        if len(token) >= MIN_FUZZY_LEN and len(token) <= 30:
            cutoff = 80 if len(token) >= 8 else 84
            best = process.extractOne(
                token, self._vocab_list, scorer=fuzz.ratio, score_cutoff=cutoff
            )
            if best is not None:
                return (best[0],)
        return (token,)

    def _split_compound(self, token: str) -> tuple[str, ...]:
        """Known words a compound ends or starts with: 'studentenvereniging' -> student, vereniging."""
        n = len(token)
        for i in range(3, n - 2):
            head, tail = token[:i], token[i:]
            if len(tail) >= 4 and self.known(tail):
                for link in ("", "s", "en", "e"):
                    stem_part = head[: len(head) - len(link)] if link else head
                    if link and not head.endswith(link):
                        continue
                    if len(stem_part) >= 3 and self.known(stem_part):
                        return (stem_part, tail)
                return (tail,)
        for i in range(n - 3, 4, -1):
            head = token[:i]
            if self.known(head):
                return (head,)
        return ()

    def analyze(self, text: str, hint: Lang | None = None) -> Analysis:
        cleaned = clean(text)
        raw_tokens = tokens(cleaned)
        corrected: list[str] = []
        for tok in raw_tokens:
            corrected.extend(self.correct(tok))
        return Analysis(
            tokens=corrected,
            stems=[stems(t) for t in corrected],
            language=self.language(raw_tokens, cleaned, hint),
            shouted=frozenset(w.lower() for w in _CAPS_WORD.findall(cleaned)),
            has_text=any(ch.isalpha() for ch in cleaned),
        )

    def language(self, toks: list[str], cleaned: str, hint: Lang | None) -> Lang:
        """nl or en: function words first, then the knowledge base's words, then spelling."""
        nl = sum(1.0 for t in toks if t in STOPWORDS_NL and t not in STOPWORDS_EN)
        en = sum(1.0 for t in toks if t in STOPWORDS_EN and t not in STOPWORDS_NL)
        nl += sum(0.6 for t in toks if t in self._nl and t not in self._en)
        en += sum(0.6 for t in toks if t in self._en and t not in self._nl)
        if nl == en:
            folded = cleaned.lower()
            nl += 0.1 * len(_NL_LETTERS.findall(folded))
            en += 0.1 * len(_EN_LETTERS.findall(folded))
        if abs(nl - en) < 0.05:
            return hint or "nl"
        return "nl" if nl > en else "en"
