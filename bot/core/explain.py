"""A decision in plain words: what the bot decided about a message, and why.

For staff and engineers (``python -m bot explain "text"``): which crisis phrase, combination
or model score fired; how sure the models are that the message is ours and which topic it
is; the words that weighed most; the examples it reads most like. A wrong answer is then
fixed by adding or moving examples, not by a rule in code.
"""

from __future__ import annotations

from bot.core.decision import Decision, Pipeline
from bot.core.features import words
from bot.core.linear import Vector, similarity
from bot.core.model import LANGS
from bot.core.training import IN, OUT

_ACTIONS = {
    "crisis": "crisis reply: the number to call first",
    "answer": "answer with the best topic",
    "clarify": "ask which of two topics is meant",
    "fallback": "menu: not understood",
    "greeting": "greeting and menu",
    "thanks": "you're welcome and menu",
}


def _signs(pipeline: Pipeline, vector: Vector, head: str, cls: str, text: str,
           most: int = 4) -> str:
    """The message's words that pushed most towards ``cls``: each feature's weight shared
    out over the words it comes from (a word, a pair of words, letters inside words)."""
    clf = getattr(pipeline.models, head)
    parts = clf.contributions(vector, cls, pipeline.models.vectoriser.names, len(vector[0]))
    toks = words(text)
    per_word: dict[str, float] = {}
    for name, weight in parts:
        kind, _, value = name.partition(":")
        if kind == "w":
            owners = [value]
        elif kind == "b":
            owners = value.split(" ")
        else:
            owners = [w for w in dict.fromkeys(toks) if value in f" {w} "]
        for owner in owners:
            per_word[owner] = per_word.get(owner, 0.0) + weight / len(owners)
    best = sorted(per_word.items(), key=lambda item: -item[1])[:most]
    return ", ".join(f"'{w}' {v:+.2f}" for w, v in best if v > 0) or "none"


def nearest_examples(pipeline: Pipeline, vector: Vector, topic: str, most: int = 2
                     ) -> list[tuple[str, float]]:
    examples = [e for lang in LANGS for e in pipeline.kb.topics[topic].examples.get(lang, ())]
    vec = pipeline.models.vectoriser.vector
    scored = sorted(((similarity(vector, vec(e)), e) for e in examples), reverse=True)
    return [(e, s) for s, e in scored[:most]]


def explain(pipeline: Pipeline, text: str, decision: Decision, topics: int = 3) -> str:
    """The decision about ``text`` in words, with the evidence of every step."""
    lines = [f"decision: {_ACTIONS[decision.action]}", f"language: {decision.language}"]
    if decision.crisis.any:
        number = "113" if decision.crisis.suicide else "112"
        lines.append(f"crisis: {decision.crisis.kind} ({number} first)")
    lines.append("why:")
    lines.extend(f"  - {reason}" for reason in decision.reasons)
    vector = decision.vector
    if vector is None:
        return "\n".join(lines)
    scores = decision.crisis.scores
    if scores:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in sorted(scores.items(), key=lambda i: -i[1]))
        lines.append(f"crisis model: {shown}")
        top = max(scores, key=scores.__getitem__)
        signs = _signs(pipeline, vector, "crisis", top, text)
        lines.append(f"  words that pointed to {top}: {signs}")
    lines.append(f"about our subject: {decision.ranking.in_domain:.2f}")
    lines.append(f"  words for: {_signs(pipeline, vector, 'domain', IN, text)}")
    lines.append(f"  words against: {_signs(pipeline, vector, 'domain', OUT, text)}")
    lines.append("topics:")
    for i, (topic, p) in enumerate(decision.ranking.scored[:topics], 1):
        lines.append(f"  {i}. {topic} {p:.2f}")
        lines.append(f"     words: {_signs(pipeline, vector, 'topics', topic, text)}")
        for example, sim in nearest_examples(pipeline, vector, topic):
            lines.append(f"     reads like ({sim:.2f}): \"{example}\"")
    lines.append("to change this: add examples to the topic that should win (knowledge/topics/), "
                 "to knowledge/out-of-domain.yaml, or to knowledge/crisis-examples/, then run "
                 "`python -m bot eval`.")
    return "\n".join(lines)
