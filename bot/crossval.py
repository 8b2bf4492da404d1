"""k-fold cross-validation of the three models on the knowledge files' own examples.

Each example is scored by models trained without it (keywords and settings stay in every
fold). This measures how well the examples teach the models to read new wordings; it does
not replace the held-out sets in ``tests/heldout/``, written by people who never saw the
knowledge. For the crisis net it also says which threshold would give a wanted recall, so
``knowledge/matching.yaml`` is set from measurements, not by feel.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bot.core.crisis import DANGER_LABELS, crisis_score
from bot.core.decision import Pipeline
from bot.core.model import CRISIS_LABELS, KnowledgeBase
from bot.core.training import (
    CALM,
    IN,
    Sample,
    crisis_samples,
    domain_samples,
    fit_samples,
    topic_samples,
)


@dataclass
class Scores:
    topic_total: int = 0
    top1: int = 0
    top3: int = 0
    per_topic: Counter[str] = field(default_factory=Counter)
    per_topic_ok: Counter[str] = field(default_factory=Counter)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    # per crisis kind: the probability the model gave its number (112 or 113), per example
    crisis: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    calm: list[float] = field(default_factory=list)
    right_number: int = 0  # crisis examples whose likelier group was their own (112 vs 113)
    ood_in: list[float] = field(default_factory=list)  # P(in domain) of out-of-domain examples
    in_in: list[float] = field(default_factory=list)  # ... of topic and crisis examples
    net: list[NetView] = field(default_factory=list)  # the whole net, per crisis sample


@dataclass(frozen=True)
class NetView:
    """How the whole crisis net saw one held-out example, so any setting can be replayed."""

    label: str  # a crisis kind, or calm
    source: str  # calm only: "calm examples", "topic examples" or "out-of-domain"
    rules: bool  # a phrase, capitals or a combination of crisis.yaml fired
    score: float  # the learned model's crisis probability
    topic: float  # the best topic's probability if it is a crisis topic, else 0

    def fires(self, threshold: float, topic_probability: float) -> bool:
        return (self.rules or self.score >= threshold
                or (self.topic > 0 and self.topic >= topic_probability))


def _folds(samples: list[Sample], k: int, seed: int = 7) -> list[list[Sample]]:
    order = list(samples)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(kb: KnowledgeBase, k: int = 5) -> Scores:
    topics, crisis, domain = topic_samples(kb), crisis_samples(kb), domain_samples(kb)
    examples = [s for s in topics if s.weight == 1.0]
    keywords = [s for s in topics if s.weight != 1.0]
    t_folds, c_folds, d_folds = _folds(examples, k), _folds(crisis, k), _folds(domain, k)
    sources = {**{s.text: "topic examples" for s in examples},
               **{t: "out-of-domain" for t in kb.out_of_domain},
               **{t: "calm examples" for label, t in kb.crisis.examples if label == CALM}}
    scores = Scores()
    for i in range(k):
        held_t, held_c, held_d = t_folds[i], c_folds[i], d_folds[i]
        unseen = {s.text for s in (*held_t, *held_c, *held_d)}
        models = fit_samples(
            [s for s in examples if s.text not in unseen] + keywords,
            [s for s in crisis if s.text not in unseen],
            [s for s in domain if s.text not in unseen],
            kb.matching.regularisation,
        )
        vec = models.vectoriser.vector
        pipeline = Pipeline(kb, models)
        for s in held_t:
            probs = models.topics.probabilities(vec(s.text))
            ranked = sorted(probs, key=probs.__getitem__, reverse=True)
            scores.topic_total += 1
            scores.per_topic[s.label] += 1
            if ranked[0] == s.label:
                scores.top1 += 1
                scores.per_topic_ok[s.label] += 1
            else:
                scores.confusions[(s.label, ranked[0])] += 1
            scores.top3 += s.label in ranked[:3]
        for s in held_c:
            scores.net.append(_net_view(kb, pipeline, s, sources))
            probs = models.crisis.probabilities(vec(s.text))
            score = crisis_score(probs)
            if s.label == CALM:
                scores.calm.append(score)
            else:
                scores.crisis[s.label].append(score)
                danger = sum(probs.get(x, 0.0) for x in DANGER_LABELS)
                said = "danger" if danger >= score - danger else "suicide"
                scores.right_number += said == ("danger" if s.label in DANGER_LABELS
                                                else "suicide")
        for s in held_d:
            p_in = models.domain.probabilities(vec(s.text))[IN]
            (scores.in_in if s.label == IN else scores.ood_in).append(p_in)
    return scores


def _net_view(kb: KnowledgeBase, pipeline: Pipeline, sample: Sample,
              sources: dict[str, str]) -> NetView:
    reader, net = pipeline.reader, pipeline.net
    analysis = reader.analyzer.analyze(sample.text)
    lang = reader.language(analysis, None)
    vector = pipeline.models.vectoriser.vector(sample.text)
    plain = net.without_negations(analysis)
    finding = net.check(plain, lang, reader.concepts(plain, lang), vector)
    best, p1 = pipeline.rank(vector).scored[0]
    return NetView(
        sample.label, sources.get(sample.text, "") if sample.label == CALM else "",
        any(not r.startswith("learned model") for r in finding.reasons),
        crisis_score(finding.scores),
        p1 if kb.topics[best].crisis != "none" else 0.0)


def _net_lines(views: list[NetView], threshold: float, topic_p: float) -> list[str]:
    crisis = [v for v in views if v.label != CALM]
    lines = [f"whole crisis net (crisis.yaml rules, model from {threshold}, crisis topics from "
             f"{topic_p}):"]
    for kind in CRISIS_LABELS:
        own = [v for v in crisis if v.label == kind]
        lines.append(f"  recall {kind:13} {_fired(own, threshold, topic_p):.3f} of {len(own)}")
    lines.append(f"  recall overall      {_fired(crisis, threshold, topic_p):.3f}")
    for source in ("calm examples", "topic examples", "out-of-domain"):
        calm = [v for v in views if v.label == CALM and v.source == source]
        lines.append(f"  false alarms on {source:15} {_fired(calm, threshold, topic_p):.3f} "
                     f"of {len(calm)}")
    lines.append("  other settings (recall / false alarms on calm examples):")
    calm = [v for v in views if v.label == CALM and v.source == "calm examples"]
    for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4):
        row = [f"{_fired(crisis, t, p):.3f}/{_fired(calm, t, p):.3f}" for p in (0.5, 0.7, 1.1)]
        lines.append(f"    model from {t:<4}: topics from 0.5 {row[0]}, 0.7 {row[1]}, "
                     f"never {row[2]}")
    return lines


def _fired(views: list[NetView], threshold: float, topic_p: float) -> float:
    return sum(v.fires(threshold, topic_p) for v in views) / max(len(views), 1)


def _share(values: list[float], threshold: float, above: bool = True) -> float:
    if not values:
        return 0.0
    return sum((v >= threshold) == above for v in values) / len(values)


def threshold_for(values: list[float], recall: float) -> float:
    """The highest threshold that still catches ``recall`` of ``values``."""
    ordered = sorted(values, reverse=True)
    if not ordered:
        return 0.5
    return ordered[min(len(ordered) - 1, max(0, int(recall * len(ordered)) - 1))]


def format_scores(kb: KnowledgeBase, s: Scores, k: int, recall: float = 0.97) -> str:
    m = kb.matching
    lines = [f"{k}-fold cross-validation on the knowledge files' own examples",
             f"topics: top-1 {s.top1 / s.topic_total:.3f}, top-3 {s.top3 / s.topic_total:.3f} "
             f"({s.topic_total} examples)"]
    for topic in sorted(s.per_topic):
        lines.append(f"  {topic:18} {s.per_topic_ok[topic] / s.per_topic[topic]:.2f} "
                     f"of {s.per_topic[topic]}")
    lines.append("  most confused (example's topic -> chosen):")
    lines.extend(f"    {a} -> {b}: {n}" for (a, b), n in s.confusions.most_common(8))
    t = m.crisis_threshold
    lines.append(f"crisis model alone, at the threshold in matching.yaml ({t}):")
    for kind in CRISIS_LABELS:
        values = s.crisis.get(kind, [])
        lines.append(f"  recall {kind:13} {_share(values, t):.3f} of {len(values)}")
    every = [v for values in s.crisis.values() for v in values]
    lines.append(f"  recall overall      {_share(every, t):.3f} of {len(every)}")
    lines.append(f"  right number (112 or 113) {s.right_number / max(len(every), 1):.3f}")
    lines.append(f"  false alarms on calm messages: {_share(s.calm, t):.3f} of {len(s.calm)}")
    suggested = threshold_for(every, recall)
    lines.append(f"  threshold for recall {recall:.2f}: {suggested:.3f} "
                 f"(false alarms there {_share(s.calm, suggested):.3f})")
    lines.extend(_net_lines(s.net, t, m.topic_crisis_probability))
    lines.append(f"domain, at threshold {m.domain_threshold}: out-of-domain sent to the menu "
                 f"{_share(s.ood_in, m.domain_threshold, above=False):.3f} of {len(s.ood_in)}; "
                 f"ours let through {_share(s.in_in, m.domain_threshold):.3f} of {len(s.in_in)}")
    return "\n".join(lines)
