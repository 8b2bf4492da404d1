"""Scoring the matcher on a labelled file (the format of shared/eval/dev-questions.yaml)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.core.engine import Engine


class EvalFileError(ValueError):
    """The labelled file cannot be read; the message says where."""


@dataclass(frozen=True)
class Item:
    text: str
    lang: str
    topics: tuple[str, ...]
    crisis: bool


@dataclass
class Report:
    total: int = 0
    in_domain: int = 0
    top1: int = 0
    top3: int = 0
    crisis_total: int = 0
    crisis_hit: int = 0
    ood_total: int = 0
    ood_hit: int = 0
    lang_hit: int = 0
    calm_total: int = 0  # messages not labelled crisis
    calm_alarm: int = 0  # ... that got a crisis reply anyway
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[Item, list[str], bool, bool]] = field(default_factory=list)

    def ratio(self, a: int, b: int) -> float:
        return a / b if b else 1.0

    def figures(self) -> dict[str, float]:
        return {
            "top1": self.ratio(self.top1, self.in_domain),
            "top3": self.ratio(self.top3, self.in_domain),
            "crisis_recall": self.ratio(self.crisis_hit, self.crisis_total),
            "out_of_domain": self.ratio(self.ood_hit, self.ood_total),
            "language": self.ratio(self.lang_hit, self.total),
            "crisis_on_calm": self.calm_alarm / self.calm_total if self.calm_total else 0.0,
        }


def load_items(path: Path) -> list[Item]:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise EvalFileError(f"{path}: cannot read ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise EvalFileError(f"{path}: YAML syntax: {err}") from None
    if not isinstance(raw, list):
        raise EvalFileError(f"{path}: expected a list of items with text, lang, topics, crisis")
    items = []
    for i, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or "text" not in entry:
            raise EvalFileError(f"{path}: item {i} has no text")
        items.append(Item(str(entry["text"]), str(entry.get("lang", "")),
                          tuple(entry.get("topics") or ()), bool(entry.get("crisis", False))))
    return items


def evaluate(engine: Engine, items: list[Item], now: datetime) -> Report:
    report = Report()
    for item in items:
        reply = engine.answer(item.text, now)
        report.total += 1
        report.lang_hit += reply.language == item.lang
        ranked = list(reply.topics)
        ok1 = ok3 = False
        if item.topics:
            report.in_domain += 1
            ok1 = bool(ranked) and ranked[0] in item.topics
            ok3 = any(t in item.topics for t in ranked[:3])
            report.top1 += ok1
            report.top3 += ok3
            if not ok1:
                report.confusions[(item.topics[0], ranked[0] if ranked else "(fallback)")] += 1
        else:
            report.ood_total += 1
            report.ood_hit += reply.fallback
            ok1 = ok3 = reply.fallback
        crisis_ok = True
        if item.crisis:
            report.crisis_total += 1
            first = reply.text.split("\n", 1)[0]
            crisis_ok = reply.crisis and ("112" in first or "113" in first)
            report.crisis_hit += crisis_ok
        else:
            report.calm_total += 1
            report.calm_alarm += reply.crisis
        if not ok1 or not crisis_ok or reply.language != item.lang:
            report.misses.append((item, ranked, reply.crisis, reply.fallback))
    return report


# -- per topic: precision, recall and collisions (for staff judging the effect of an edit) ----

FALLBACK = "(fallback)"


@dataclass
class TopicScore:
    """How one topic fares: hit = chosen and right; taken = chosen for another's message."""

    items: int = 0  # messages whose first label is this topic
    hit: int = 0  # of those, answered with an acceptable topic
    chosen: int = 0  # messages answered with this topic
    right: int = 0  # of those, where this topic was acceptable

    @property
    def precision(self) -> float:
        return self.right / self.chosen if self.chosen else 1.0

    @property
    def recall(self) -> float:
        return self.hit / self.items if self.items else 1.0


@dataclass(frozen=True)
class Collision:
    """An example phrasing of one topic that another topic now wins."""

    topic: str
    lang: str
    text: str
    winner: str


@dataclass
class PerTopic:
    dev: dict[str, TopicScore] = field(default_factory=dict)
    examples: dict[str, TopicScore] = field(default_factory=dict)
    collisions: list[Collision] = field(default_factory=list)


def score_topics(engine: Engine, items: list[Item], now: datetime) -> dict[str, TopicScore]:
    """Precision and recall per topic of the top-1 answer (fallback counts as no topic)."""
    scores: dict[str, TopicScore] = {tid: TopicScore() for tid in engine.kb.topics}
    for item in items:
        reply = engine.answer(item.text, now)
        got = reply.topics[0] if reply.topics and not reply.fallback else FALLBACK
        if item.topics:
            own = scores.setdefault(item.topics[0], TopicScore())
            own.items += 1
            own.hit += got in item.topics
        if got != FALLBACK:
            chosen = scores.setdefault(got, TopicScore())
            chosen.chosen += 1
            chosen.right += got in item.topics
    return scores


def example_items(engine: Engine) -> list[Item]:
    """The topics' own example phrasings as labelled items (label: their own topic)."""
    return [
        Item(text, lang, (tid,), topic.crisis != "none")
        for tid, topic in sorted(engine.kb.topics.items())
        for lang, texts in topic.examples.items()
        for text in texts
    ]


def collisions(engine: Engine, now: datetime) -> list[Collision]:
    """Examples of one topic that another topic answers (or that fall through)."""
    out = []
    for item in example_items(engine):
        reply = engine.answer(item.text, now)
        got = reply.topics[0] if reply.topics and not reply.fallback else FALLBACK
        if got != item.topics[0]:
            out.append(Collision(item.topics[0], item.lang, item.text, got))
    return out


def per_topic(engine: Engine, items: list[Item] | None, now: datetime) -> PerTopic:
    """Per-topic scores on the labelled items (if any) and on the topics' own examples."""
    return PerTopic(
        dev=score_topics(engine, items, now) if items is not None else {},
        examples=score_topics(engine, example_items(engine), now),
        collisions=collisions(engine, now),
    )


def format_per_topic(section: PerTopic, verbose: bool = False) -> str:
    """A table: per topic precision (P) and recall (R) with counts, then the collisions."""
    ids = sorted(set(section.dev) | set(section.examples))
    with_dev = bool(section.dev)
    head = f"{'topic':<18}" + (f"{'dev P':>7}{'dev R':>7}{'n':>4}  " if with_dev else "")
    head += f"{'examples P':>11}{'R':>7}{'n':>4}"
    lines = ["per topic (P = precision: of the answers with this topic, how many right;",
             "           R = recall: of its messages, how many answered right):", head]
    for tid in ids:
        row = f"{tid:<18}"
        if with_dev:
            d = section.dev.get(tid, TopicScore())
            row += f"{_cell(d.precision, d.chosen)}{_cell(d.recall, d.items)}{d.items:>4}  "
        e = section.examples.get(tid, TopicScore())
        row += f"{'':>4}{_cell(e.precision, e.chosen)}{_cell(e.recall, e.items)}{e.items:>4}"
        lines.append(row.rstrip())
    lines.append("")
    taken = [c for c in section.collisions if c.winner != FALLBACK]
    lost = [c for c in section.collisions if c.winner == FALLBACK]
    if not section.collisions:
        lines.append("collisions: none (every topic wins its own examples)")
    if taken:
        lines.append(f"collisions: {len(taken)} example(s) of one topic answered with another "
                     "(own topic -> winner: count, e.g.):")
        lines.extend(_grouped(taken, verbose))
    if lost:
        lines.append(f"not recognised: {len(lost)} example(s) get the fallback:")
        lines.extend(_grouped(lost, verbose))
    return "\n".join(lines)


def _grouped(found: list[Collision], verbose: bool) -> list[str]:
    groups: dict[tuple[str, str], list[Collision]] = {}
    for c in found:
        groups.setdefault((c.topic, c.winner), []).append(c)
    out = []
    for (topic, winner), group in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        shown = group if verbose else group[:1]
        out.append(f"  {topic} -> {winner}: {len(group)}")
        out.extend(f"      [{c.lang}] {c.text[:80]!r}" for c in shown)
    return out


def _cell(value: float, count: int) -> str:
    return f"{value:>7.2f}" if count else f"{'-':>7}"


def format_report(report: Report, verbose: bool = False, topics: PerTopic | None = None) -> str:
    f = report.figures()
    lines = [
        f"items: {report.total} ({report.in_domain} in domain, {report.ood_total} out of domain,"
        f" {report.crisis_total} crisis)",
        f"top-1 accuracy:        {f['top1']:.3f}  ({report.top1}/{report.in_domain})",
        f"top-3 accuracy:        {f['top3']:.3f}  ({report.top3}/{report.in_domain})",
        f"crisis recall:         {f['crisis_recall']:.3f}  "
        f"({report.crisis_hit}/{report.crisis_total})",
        f"out-of-domain fallback: {f['out_of_domain']:.3f}  ({report.ood_hit}/{report.ood_total})",
        f"crisis reply on calm:  {f['crisis_on_calm']:.3f}  "
        f"({report.calm_alarm}/{report.calm_total})",
        f"language:              {f['language']:.3f}  ({report.lang_hit}/{report.total})",
    ]
    if report.confusions:
        lines.append("")
        lines.append("matches taken (expected -> got: count):")
        for (want, got), n in report.confusions.most_common():
            lines.append(f"  {want} -> {got}: {n}")
    if verbose and report.misses:
        lines.append("")
        lines.append("misses:")
        for item, ranked, crisis, fallback in report.misses:
            lines.append(f"  [{item.lang}] {item.text[:90]!r}")
            lines.append(f"      want {list(item.topics)} crisis={item.crisis}; got {ranked} "
                         f"crisis={crisis} fallback={fallback}")
    if topics is not None:
        lines.append("")
        lines.append(format_per_topic(topics, verbose))
    return "\n".join(lines)
