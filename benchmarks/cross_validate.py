"""Five-fold cross-validation on the topics' own example phrasings.

Each fifth of the examples is left out, the engine is built from the rest, and the left-out
examples are answered: a measure of how well matching carries over to unseen wording that
needs no labelled set. Run: `.venv/bin/python benchmarks/cross_validate.py [KNOWLEDGE_DIR]`.
"""

from __future__ import annotations

import dataclasses
import random
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.engine import Engine
from bot.core.model import LANGS, KnowledgeBase
from bot.knowledge_files import load_knowledge

FOLDS = 5
NOW = datetime(2026, 11, 24, 14, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))


def without(kb: KnowledgeBase, held: set[tuple[str, str, str]]) -> KnowledgeBase:
    """The knowledge base with the held-out examples taken out of their topics."""
    topics = {
        tid: dataclasses.replace(topic, examples={
            lang: tuple(ex for ex in topic.examples.get(lang, ()) if (tid, lang, ex) not in held)
            for lang in LANGS
        })
        for tid, topic in kb.topics.items()
    }
    return dataclasses.replace(kb, topics=topics)


def main() -> int:
    kb = load_knowledge(Path(sys.argv[1] if len(sys.argv) > 1 else "knowledge"))
    items = [(tid, lang, ex) for tid, topic in kb.topics.items()
             for lang in LANGS for ex in topic.examples.get(lang, ())]
    random.Random(5).shuffle(items)
    top1 = top3 = 0
    for k in range(FOLDS):
        fold = items[k::FOLDS]
        engine = Engine(without(kb, set(fold)))
        for tid, _, example in fold:
            topics = engine.answer(example, NOW).topics
            top1 += topics[:1] == (tid,)
            top3 += tid in topics[:3]
    n = len(items)
    print(f"cross-validation on {n} examples, {FOLDS} folds: "
          f"top-1 {top1 / n:.3f}  top-3 {top3 / n:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
