"""From raw message to corrected tokens and a language guess.

Typos are corrected against the knowledge base's own vocabulary with rapidfuzz; Dutch
compounds ("naaktfotos", "hockeyclub") are split into the known words they are made of.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.model import Lang
from bot.core.phrases import present_keys
from bot.core.text import STOPWORDS, STOPWORDS_EN, STOPWORDS_NL, clean, stems, tokens

_CAPS_WORD = re.compile(r"\b[A-Z]{2,}\b")
MIN_FUZZY_LEN = 5
MAX_WORD_LEN = 40


@dataclass(frozen=True)
class Analysis:
    """A message as the matcher sees it. Lives only while one message is handled."""

    tokens: list[str]
    stems: list[tuple[str, str]]
    language: Lang
    shouted: frozenset[str]  # words typed in capitals ("HELP", "NU"), folded
    has_text: bool
    keys: frozenset[str]  # every token's lookup keys (phrases.present_keys): a quick pre-check

    @property
    def content(self) -> set[str]:
        """The Dutch stems of the words that carry meaning (no function words)."""
        return {s[0] for t, s in zip(self.tokens, self.stems, strict=True) if t not in STOPWORDS}


class Analyzer:
    """Knows the vocabulary of the knowledge base, corrects tokens towards it, guesses language."""

    def __init__(
        self,
        words_nl: Iterable[str],
        words_en: Iterable[str],
        texts_nl: Iterable[str] = (),
        texts_en: Iterable[str] = (),
    ) -> None:
        self._nl = frozenset(words_nl) - STOPWORDS
        self._en = frozenset(words_en) - STOPWORDS
        self._trigrams = _TrigramModel(texts_nl, texts_en)
        vocab = self._nl | self._en
        self._vocab = vocab
        # Typos are looked up among words with the same first letter (people rarely miss
        # that one), which keeps the search small as the knowledge base grows.
        # Per language too: in a Dutch message "buren" must not become English "burden".
        # And per length: a word three letters longer or shorter is never similar enough.
        self._by_first: dict[tuple[Lang | None, str, int], list[str]] = {}
        for word in sorted(w for w in vocab if len(w) >= 4):
            keys: list[Lang | None] = [None]
            if word in self._nl:
                keys.append("nl")
            if word in self._en:
                keys.append("en")
            for key in keys:
                self._by_first.setdefault((key, word[0], len(word)), []).append(word)
        self._known_nl = frozenset(stems(w)[0] for w in vocab)
        self._nl_stems = frozenset(stems(w)[0] for w in self._nl)
        self._known_en = frozenset(stems(w)[1] for w in vocab)

    def known_nl(self, token: str) -> bool:
        """A Dutch word we know, or one of its forms: compounds are Dutch, so the parts
        are looked for among Dutch words only ("vergunning" holds no English "gun")."""
        return token in self._nl or stems(token)[0] in self._nl_stems

    def known(self, token: str) -> bool:
        return (
            token in self._vocab
            or token in STOPWORDS
            or stems(token)[0] in self._known_nl
            or stems(token)[1] in self._known_en
        )

    def correct(self, token: str, lang: Lang | None = None) -> tuple[str, ...]:
        """The token itself when known, else its known compound parts or its nearest word
        (among the words of ``lang`` when the message's language is clear).

        Nothing is cached: the words people type are not kept after their message.
        """
        if token.isdigit() or len(token) < 4 or len(token) > MAX_WORD_LEN or self.known(token):
            return (token,)  # a 40-letter "word" is a keyboard mash: not worth splitting
        parts = self._split_compound(token)
        if parts:
            return (token, *parts)
        if len(token) >= MIN_FUZZY_LEN:
            cutoff = 85 if len(token) >= 8 else 88
            reach = 2 if len(token) < 12 else 3
            candidates = [
                word
                for size in range(len(token) - reach, len(token) + reach + 1)
                for word in self._by_first.get((lang, token[0], size), ())
            ]
            best = process.extractOne(token, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
            if best is not None:
                return (best[0],)
        return (token,)

    def _split_compound(self, token: str) -> tuple[str, ...]:
        """Known words a compound is made of: 'studentenvereniging' -> student, vereniging."""
        n = len(token)
        for i in range(3, n - 2):
            head, tail = token[:i], token[i:]
            if len(tail) >= 4 and self.known_nl(tail):
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
        nl, en = self.word_votes(raw_tokens)
        sure: Lang | None = None if abs(nl - en) < 2.0 else ("nl" if nl > en else "en")
        corrected: list[str] = []
        for tok in raw_tokens:
            corrected.extend(self.correct(tok, sure))
        token_stems = [stems(t) for t in corrected]
        return Analysis(
            tokens=corrected,
            stems=token_stems,
            keys=frozenset(present_keys(corrected, token_stems)),
            language=self.language(raw_tokens, hint),
            shouted=frozenset(w.lower() for w in _CAPS_WORD.findall(cleaned)),
            has_text=any(ch.isalpha() for ch in cleaned),
        )

    def word_votes(self, toks: list[str]) -> tuple[float, float]:
        """Votes for Dutch and English: function words, then words only one language uses."""
        nl = sum(1.0 for t in toks if t in STOPWORDS_NL and t not in STOPWORDS_EN)
        en = sum(1.0 for t in toks if t in STOPWORDS_EN and t not in STOPWORDS_NL)
        nl += sum(0.6 for t in toks if t in self._nl and t not in self._en)
        en += sum(0.6 for t in toks if t in self._en and t not in self._nl)
        return nl, en

    def language(
        self, toks: list[str], hint: Lang | None, nl_bonus: float = 0.0, en_bonus: float = 0.0
    ) -> Lang:
        """nl or en: function words first, then the knowledge base's words, then spelling.

        The bonuses are for phrases only one language uses ("morning after pil").
        """
        nl, en = self.word_votes(toks)
        nl += nl_bonus
        en += en_bonus
        if abs(nl - en) < 1.0:
            # Few telling words: let the letters decide, as a person would ("telefoonnummer"),
            # unless they are unclear too and the channel knows the person's language.
            odds = self._trigrams.log_odds_nl(" ".join(toks))
            if hint is not None and abs(odds) < 0.5:
                return hint
            nl += odds
        if abs(nl - en) < 0.05:
            return hint or "nl"
        return "nl" if nl > en else "en"


class _TrigramModel:
    """Letter-trigram odds of Dutch over English, learnt from the knowledge base's own texts."""

    def __init__(self, texts_nl: Iterable[str], texts_en: Iterable[str]) -> None:
        self._nl = self._count(texts_nl)
        self._en = self._count(texts_en)
        self._nl_total = sum(self._nl.values()) + 1
        self._en_total = sum(self._en.values()) + 1
        self._vocab = len(set(self._nl) | set(self._en)) + 1

    @staticmethod
    def _grams(text: str) -> list[str]:
        padded = f" {text} "
        return [padded[i : i + 3] for i in range(len(padded) - 2)]

    def _count(self, texts: Iterable[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for text in texts:
            for gram in self._grams(" ".join(tokens(text))):
                counts[gram] = counts.get(gram, 0) + 1
        return counts

    def log_odds_nl(self, text: str) -> float:
        """Mean log odds per trigram, capped: > 0 leans Dutch, < 0 English."""
        grams = self._grams(text)
        if not grams:
            return 0.0
        total = 0.0
        for gram in grams:
            if gram not in self._nl and gram not in self._en:
                continue  # unseen in both says nothing (and would favour the smaller model)
            p_nl = (self._nl.get(gram, 0) + 1) / (self._nl_total + self._vocab)
            p_en = (self._en.get(gram, 0) + 1) / (self._en_total + self._vocab)
            total += math.log(p_nl / p_en)
        return max(-0.9, min(0.9, total / len(grams)))
