"""`eval` on the dev set, side by side with two plain baselines on the same knowledge base.

Baselines index every example phrasing of every topic (both languages) and answer with the
topic of the nearest example; below a score cutoff they fall back to the menu, as ours does.
- rapidfuzz ``WRatio`` (with rapidfuzz's default lower-case/strip processing);
- BM25 (Okapi, k1=1.5, b=0.75) over folded word tokens, no stemming, no stop list.

Each baseline gets its best cutoff on the dev set itself (the cutoff that gets the most
items right: top-1 in domain plus fallbacks out of domain), a head start for the baselines.
The cutoff used is shown, and the figures without any cutoff (pure ranking).

    .venv/bin/python benchmarks/bench_accuracy.py [--json]
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from collections.abc import Callable

from _common import DEV_SET, KNOWLEDGE, NOW, Row, emit
from rapidfuzz import fuzz, process, utils

from bot.core.engine import Engine
from bot.core.model import LANGS, KnowledgeBase
from bot.core.text import tokens
from bot.evaluation import Item, evaluate, load_items
from bot.knowledge_files import load_knowledge

TOP = 3


def examples(kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    topics: list[str] = []
    for topic in kb.topics.values():
        for lang in LANGS:
            for example in topic.examples.get(lang, ()):
                texts.append(example)
                topics.append(topic.id)
    return texts, topics


class BM25:
    """Okapi BM25 over short documents; scores every document for a query."""

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.len = [len(d) for d in docs]
        self.avg = sum(self.len) / max(len(docs), 1)
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(d))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, d in enumerate(docs):
            for t in set(d):
                self.postings.setdefault(t, []).append(i)

    def scores(self, query: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for term in set(query):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i in self.postings[term]:
                f = self.tf[i][term]
                length = 1 - self.b + self.b * self.len[i] / self.avg
                norm = f * (self.k1 + 1) / (f + self.k1 * length)
                out[i] = out.get(i, 0.0) + idf * norm
        return out


Ranker = Callable[[str], list[tuple[str, float]]]  # topics, best first, with the best score


def by_topic(hits: list[tuple[int, float]], topics: list[str]) -> list[tuple[str, float]]:
    """Nearest examples -> distinct topics in order, each with its best example's score."""
    seen: dict[str, float] = {}
    for i, score in sorted(hits, key=lambda h: -h[1]):
        seen.setdefault(topics[i], score)
    return list(seen.items())


def wratio_ranker(kb: KnowledgeBase) -> Ranker:
    texts, topics = examples(kb)
    choices = [utils.default_process(t) for t in texts]

    def rank(query: str) -> list[tuple[str, float]]:
        hits = process.extract(utils.default_process(query), choices, scorer=fuzz.WRatio,
                               processor=None, limit=40)
        return by_topic([(i, s) for _, s, i in hits], topics)

    return rank


def bm25_ranker(kb: KnowledgeBase) -> Ranker:
    texts, topics = examples(kb)
    index = BM25([tokens(t) for t in texts])

    def rank(query: str) -> list[tuple[str, float]]:
        return by_topic(list(index.scores(tokens(query)).items()), topics)

    return rank


def score_baseline(ranked: list[list[tuple[str, float]]], items: list[Item],
                   cutoff: float) -> dict[str, float]:
    top1 = top3 = ood = n_in = n_ood = 0
    for item, r in zip(items, ranked, strict=True):
        fallback = not r or r[0][1] < cutoff
        ids = [] if fallback else [t for t, _ in r[:TOP]]
        if item.topics:
            n_in += 1
            top1 += bool(ids) and ids[0] in item.topics
            top3 += any(t in item.topics for t in ids)
        else:
            n_ood += 1
            ood += fallback
    return {"top1": top1 / max(n_in, 1), "top3": top3 / max(n_in, 1),
            "out_of_domain": ood / max(n_ood, 1), "right": top1 + ood}


def best_cutoff(ranked: list[list[tuple[str, float]]], items: list[Item]) -> float:
    candidates = sorted({r[0][1] for r in ranked if r} | {0.0})
    return max(candidates, key=lambda c: (score_baseline(ranked, items, c)["right"], -c))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not DEV_SET.exists():
        emit([Row("accuracy", "skipped", note=f"no dev set at {DEV_SET}")], args.json)
        return 0
    items = load_items(DEV_SET)
    kb = load_knowledge(KNOWLEDGE)
    engine = Engine(kb, "leiden")
    start = time.perf_counter()
    ours = evaluate(engine, items, NOW).figures()
    ours_ms = (time.perf_counter() - start) * 1000 / len(items)
    n = f"{len(items)} dev items"
    rows = [
        Row("accuracy, ours: top-1 / top-3", f"{ours['top1']:.3f} / {ours['top3']:.3f}",
            note=f"{n}; {ours_ms:.2f} ms/msg"),
        Row("accuracy, ours: crisis recall", f"{ours['crisis_recall']:.3f}"),
        Row("accuracy, ours: out-of-domain fallback", f"{ours['out_of_domain']:.3f}"),
        Row("accuracy, ours: language", f"{ours['language']:.3f}"),
    ]
    for name, make in (("rapidfuzz WRatio", wratio_ranker), ("BM25", bm25_ranker)):
        ranker = make(kb)
        start = time.perf_counter()
        ranked = [ranker(item.text) for item in items]
        ms = (time.perf_counter() - start) * 1000 / len(items)
        cutoff = best_cutoff(ranked, items)
        f = score_baseline(ranked, items, cutoff)
        raw = score_baseline(ranked, items, 0.0)
        rows.append(Row(f"accuracy, {name}: top-1 / top-3", f"{f['top1']:.3f} / {f['top3']:.3f}",
                        note=f"cutoff {cutoff:.1f}, the best on the dev set; {ms:.2f} ms/msg"))
        rows.append(Row(f"accuracy, {name}: out-of-domain fallback",
                        f"{f['out_of_domain']:.3f}",
                        note=f"without a cutoff: top-1 / top-3 {raw['top1']:.3f} / "
                        f"{raw['top3']:.3f}, out of domain {raw['out_of_domain']:.3f}"))
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
