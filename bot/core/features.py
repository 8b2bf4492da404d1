"""What a learned model sees of a message: words, word pairs and the letter groups in words.

One definition, used when a model is trained and when it answers, so the two never drift
apart. Letter groups (2 to 5 letters, within a word) let a model recognise a word it was
never shown: typos ("verkracth"), other forms ("verkrachte"), compounds ("naaktfotootje"),
and slang spellings ("kzit", "gwn").
"""

from __future__ import annotations

import itertools
import re
import unicodedata

_WORD = re.compile(r"\w+")
_REPEAT = re.compile(r"(\w)\1{2,}")  # "heeeelp" -> "heelp", "nooooo" -> "noo"
CHAR_SIZES = range(2, 6)


def normalise(text: str) -> str:
    """Lower case, accents off ("suïcidaal" = "suicidaal"), long letter runs shortened."""
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _REPEAT.sub(r"\1\1", plain)


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def features(text: str) -> list[str]:
    """The features of a text, with repeats: ``w:`` a word, ``b:`` two words in a row,
    ``c:`` a letter group, with spaces marking the start and end of its word."""
    toks = words(text)
    out = [f"w:{w}" for w in toks]
    out.extend(f"b:{a} {b}" for a, b in itertools.pairwise(toks))
    for w in toks:
        padded = f" {w} "
        for n in CHAR_SIZES:
            if n > len(padded):
                break
            out.extend(f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    return out
