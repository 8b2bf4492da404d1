"""Reading a message: corrected words, its language, and the concepts it mentions.

The vocabulary comes from the knowledge files (keywords, concepts, crisis phrases, example
phrasings), so typos are corrected towards words the knowledge base uses. Concepts belong
to a language and are looked for only in messages of that language: the English "die" is
not the Dutch article "die".
"""

from __future__ import annotations

import re

from bot.core.analysis import Analysis, Analyzer
from bot.core.model import LANGS, KnowledgeBase, Lang
from bot.core.phrases import Pattern, PatternIndex, compile_pattern
from bot.core.text import tokens

PHRASE_LANGUAGE_BONUS = 1.5  # a phrase only one language's keywords hold counts as 1.5 words
SURE_LANGUAGE_MARGIN = 4.0  # word votes this far apart: names and phrases cannot turn it
KEYWORD_SLACK = 2  # other words allowed between the words of a keyword phrase

_AGE_BEFORE = frozenset({"ben", "am", "age", "aged", "van", "is", "was", "of", "leeftijd"})
_AGE_AFTER = frozenset({"jaar", "years", "year", "jarige", "jr"})
_MINOR_WORDS = re.compile(r"^(minderjarig\w*|minor|underage|tiener\w*|teen|teenager)$")


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


class Reader:
    """Reads messages for one knowledge base. Build once, use for every message."""

    def __init__(self, kb: KnowledgeBase) -> None:
        words: dict[Lang, set[str]] = {lang: set() for lang in LANGS}
        # Phrases of two or more words, per language: a phrase only one language has tells
        # the message's language.
        lang_phrases: dict[Lang, dict[tuple[str, ...], Pattern]] = {lang: {} for lang in LANGS}
        compiled: dict[str, Pattern | None] = {}
        for topic in kb.topics.values():
            for lang in LANGS:
                for kw in topic.keywords.get(lang, ()):
                    key = " ".join(kw.split()).lower()
                    if key not in compiled:
                        compiled[key] = compile_pattern(key, slack=KEYWORD_SLACK)
                    pattern = compiled[key]
                    if pattern is None:
                        continue
                    words[lang].update(w.text for w, _ in pattern.steps)
                    if len(pattern.steps) > 1:
                        lang_phrases[lang][tuple(w.text for w, _ in pattern.steps)] = pattern
        self._concepts: dict[Lang, PatternIndex[str]] = {lang: PatternIndex() for lang in LANGS}
        for name, by_lang in kb.concepts.items():
            for lang, terms in by_lang.items():
                for term in terms:
                    pattern = compile_pattern(term)
                    if pattern is not None:
                        self._concepts[lang].add(pattern, name)
                        words[lang].update(w.text for w, _ in pattern.steps)
        for group in (kb.crisis.danger, kb.crisis.suicide, kb.crisis.negations):
            for lang, phrases in group.items():
                for phrase in phrases:
                    pattern = compile_pattern(phrase)
                    if pattern is not None:
                        words[lang].update(w.text for w, _ in pattern.steps if not w.prefix)
        texts: dict[Lang, list[str]] = {lang: [] for lang in LANGS}
        for topic in kb.topics.values():
            for lang in LANGS:
                for example in topic.examples.get(lang, ()):
                    words[lang].update(tokens(example))
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

    def concepts(self, analysis: Analysis, lang: Lang) -> frozenset[str]:
        """The concepts whose terms of the message's language occur in it."""
        index = self._concepts[lang]
        found = set(index.search(analysis.tokens, analysis.stems, analysis.keys))
        if mentions_minor(analysis):
            found.add("minor")
        return frozenset(found)
