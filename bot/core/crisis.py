"""The crisis safety net: does this message show danger now or suicidal intent?

Two nets, either one is enough:
- **phrases and combinations** from ``knowledge/crisis.yaml``, which staff edit: a phrase
  ("hij staat voor mijn deur") or a combination of concepts ("now" + "threat") of the
  message's own language;
- **a learned model** (:mod:`bot.core.training`), trained on the examples in
  ``knowledge/crisis-examples/`` against calm counter-examples, which recognises phrasings
  no list holds. Its thresholds are in ``knowledge/matching.yaml``.

Negations ("ik ben niet suïcidaal") are taken out before phrases are looked for. A finding
names what fired, so ``explain`` can show staff why a message got 112 or 113.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.analysis import Analysis
from bot.core.linear import Classifier, Vector
from bot.core.model import CRISIS_LABELS, CrisisLexicon, Lang, MatchingSettings
from bot.core.phrases import Pattern, PatternIndex, compile_pattern, present_keys, span

DANGER_LABELS = ("danger", "danger-other")  # 112 first
SUICIDE_LABELS = ("suicide", "self-harm")  # 113 first


def crisis_score(scores: dict[str, float]) -> float:
    """The learned model's probability that a message is any kind of crisis."""
    return 1.0 - scores.get("calm", 0.0)


@dataclass(frozen=True)
class CrisisFinding:
    """What the net found; ``reasons`` say why, in words for staff."""

    danger: bool = False
    suicide: bool = False
    kind: str = ""  # the likeliest of CRISIS_LABELS when something fired
    reasons: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)  # the learned model's view

    @property
    def any(self) -> bool:
        return self.danger or self.suicide


@dataclass(frozen=True)
class _Phrase:
    kind: str  # danger | suicide
    text: str


class CrisisNet:
    def __init__(self, lexicon: CrisisLexicon, model: Classifier,
                 settings: MatchingSettings) -> None:
        self._phrases: dict[Lang, PatternIndex[_Phrase]] = {}
        for kind, group in (("danger", lexicon.danger), ("suicide", lexicon.suicide)):
            for lang, phrases in group.items():
                index = self._phrases.setdefault(lang, PatternIndex())
                for phrase in phrases:
                    if (pattern := compile_pattern(phrase)) is not None:
                        index.add(pattern, _Phrase(kind, phrase))
        self._negations: PatternIndex[Pattern] = PatternIndex()
        for phrases in lexicon.negations.values():
            for phrase in phrases:
                if (pattern := compile_pattern(phrase)) is not None:
                    self._negations.add(pattern, pattern)
        self._shouted = frozenset(w.lower() for w in lexicon.shouted)
        self._combinations = lexicon.combinations
        self._model = model
        self._settings = settings

    def without_negations(self, analysis: Analysis) -> Analysis:
        """The analysis with negated phrases ("not suicidal") taken out."""
        toks, stems_ = list(analysis.tokens), list(analysis.stems)
        changed = False
        for pattern in self._negations.search(toks, stems_, analysis.keys):
            while (found := span(pattern, toks, stems_)) is not None:
                del toks[found.start : found.stop]
                del stems_[found.start : found.stop]
                changed = True
        if not changed:
            return analysis
        return Analysis(toks, stems_, analysis.language, analysis.shouted, analysis.has_text,
                        frozenset(present_keys(toks, stems_)))

    def check(self, analysis: Analysis, lang: Lang, concepts: frozenset[str],
              vector: Vector) -> CrisisFinding:
        """Both nets on one message: ``analysis`` without negations, ``concepts`` of its
        language, ``vector`` as the learned models read it."""
        kinds: set[str] = set()
        reasons: list[str] = []
        index = self._phrases.get(lang)
        for phrase in index.search(analysis.tokens, analysis.stems, analysis.keys) if index else ():
            kinds.add(phrase.kind)
            reasons.append(f"{phrase.kind} phrase \"{phrase.text}\" (crisis.yaml)")
        shouted = self._shouted & analysis.shouted
        if shouted:
            kinds.add("danger")
            reasons.append(f"danger: typed in capitals: {', '.join(sorted(shouted))}")
        # "Last year I wanted to die, now it is over": combinations stand back for the past.
        if "past" not in concepts or "now" in concepts:
            for kind, needed in self._combinations:
                if set(needed) <= concepts:
                    kinds.add(kind)
                    reasons.append(f"{kind} combination {' + '.join(needed)} (crisis.yaml)")
        scores = self._model.probabilities(vector)
        crisis = crisis_score(scores)
        if crisis >= self._settings.crisis_threshold:
            # Which number: the group of kinds the model finds likelier.
            danger = sum(scores.get(k, 0.0) for k in DANGER_LABELS)
            kind = "danger" if danger >= crisis - danger else "suicide"
            kinds.add(kind)
            reasons.append(f"learned model: crisis {crisis:.2f} (threshold "
                           f"{self._settings.crisis_threshold}), most like {kind}")
        return self._finding(kinds, reasons, scores)

    @staticmethod
    def _finding(kinds: set[str], reasons: list[str], scores: dict[str, float]
                 ) -> CrisisFinding:
        if not kinds:
            return CrisisFinding(reasons=tuple(reasons), scores=scores)
        allowed = [k for k in CRISIS_LABELS
                   if (k in DANGER_LABELS and "danger" in kinds)
                   or (k in SUICIDE_LABELS and "suicide" in kinds)]
        kind = max(allowed, key=lambda k: scores.get(k, 0.0))
        return CrisisFinding("danger" in kinds, "suicide" in kinds, kind, tuple(reasons), scores)

    def for_topic(self, kind: str, topic: str, probability: float) -> CrisisFinding:
        """A finding for a message whose best topic is a crisis topic."""
        reason = f"best topic {topic} ({probability:.2f}) is a {kind} topic"
        label = "danger" if kind == "danger" else "suicide"
        return CrisisFinding(kind == "danger", kind == "suicide", label, (reason,))
