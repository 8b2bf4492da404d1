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


def _folds(samples: list[Sample], k: int, seed: int = 7) -> list[list[Sample]]:
    order = list(samples)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(kb: KnowledgeBase, k: int = 5) -> Scores:
    topics, crisis, domain = topic_samples(kb), crisis_samples(kb), domain_samples(kb)
    examples = [s for s in topics if s.weight == 1.0]
    keywords = [s for s in topics if s.weight != 1.0]
    t_folds, c_folds, d_folds = _folds(examples, k), _folds(crisis, k), _folds(domain, k)
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
    lines.append(f"domain, at threshold {m.domain_threshold}: out-of-domain sent to the menu "
                 f"{_share(s.ood_in, m.domain_threshold, above=False):.3f} of {len(s.ood_in)}; "
                 f"ours let through {_share(s.in_in, m.domain_threshold):.3f} of {len(s.in_in)}")
    return "\n".join(lines)
