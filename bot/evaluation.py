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
        if not ok1 or not crisis_ok or reply.language != item.lang:
            report.misses.append((item, ranked, reply.crisis, reply.fallback))
    return report


def format_report(report: Report, verbose: bool = False) -> str:
    f = report.figures()
    lines = [
        f"items: {report.total} ({report.in_domain} in domain, {report.ood_total} out of domain,"
        f" {report.crisis_total} crisis)",
        f"top-1 accuracy:        {f['top1']:.3f}  ({report.top1}/{report.in_domain})",
        f"top-3 accuracy:        {f['top3']:.3f}  ({report.top3}/{report.in_domain})",
        f"crisis recall:         {f['crisis_recall']:.3f}  "
        f"({report.crisis_hit}/{report.crisis_total})",
        f"out-of-domain fallback: {f['out_of_domain']:.3f}  ({report.ood_hit}/{report.ood_total})",
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
    return "\n".join(lines)
