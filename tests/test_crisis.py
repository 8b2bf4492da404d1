"""The crisis safety net: 112/113 first for danger now or suicidal intent, not for the calm."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from bot.core.analysis import Analyzer
from bot.core.crisis import CrisisNet
from bot.core.linear import Classifier
from bot.core.model import CrisisLexicon, MatchingSettings
from tests.helpers import ROOT, SUNDAY_NIGHT, TUESDAY_AFTERNOON, engine

CASES = yaml.safe_load((ROOT / "tests" / "cases" / "crisis.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c["text"][:40], marks=[pytest.mark.xfail(strict=True, reason="known open")]
                 if c.get("known") else []) for c in CASES])
def test_crisis_reply_names_the_number_first(case: dict[str, Any]) -> None:
    reply = engine().answer(case["text"], TUESDAY_AFTERNOON)
    first = reply.text.split("\n", 1)[0]
    assert reply.crisis, engine().decide(case["text"]).reasons
    assert case["number"] in first, first
    assert reply.services[0] == case["number"]
    if case["number"] == "113":
        assert "0800-0113" in first


def test_crisis_reply_is_short_and_asks_one_question() -> None:
    for text in ("hij staat nu voor mijn deur", "ik wil dood", "i want to kill myself"):
        reply = engine().answer(text, SUNDAY_NIGHT)
        assert len(reply.text.splitlines()) <= 5, reply.text
        assert reply.text.count("?") == 1, reply.text
        assert any(c.kind == "menu" for c in reply.choices)  # a way to go on


def test_someone_else_in_danger_is_told_what_to_do_now() -> None:
    reply = engine().answer(
        "op de breestraat trekken twee jongens een meisje mee een steeg in, ze gilt", SUNDAY_NIGHT)
    decision = engine().decide(
        "op de breestraat trekken twee jongens een meisje mee een steeg in, ze gilt")
    assert decision.crisis.kind == "danger-other", decision.crisis.scores
    assert reply.text.startswith("📞 Bel nu 112")
    assert "Zeg waar je bent" in reply.text


def test_a_crisis_topic_chosen_from_a_menu_gets_its_number_first() -> None:
    reply = engine().topic_reply("suicidal", "nl", TUESDAY_AFTERNOON)
    assert reply.crisis and "113" in reply.text.split("\n", 1)[0]


# -- the two nets, one by one ------------------------------------------------------------------

def _net(danger: dict[str, tuple[str, ...]] | None = None,
         combinations: tuple[tuple[str, tuple[str, ...]], ...] = (),
         model_says: str = "calm") -> CrisisNet:
    empty: dict[str, tuple[str, ...]] = {"nl": (), "en": ()}
    lexicon = CrisisLexicon(danger=danger or empty, suicide=empty,
                            negations={"nl": ("niet in gevaar",), "en": ()},
                            combinations=combinations)
    classes = ("calm", "danger", "danger-other", "self-harm", "suicide")
    # A model of one feature-less column: its intercepts alone decide, the same for every text.
    intercept = np.array([5.0 if c == model_says else 0.0 for c in classes])
    model = Classifier(classes, np.zeros((5, 1)), intercept)
    return CrisisNet(lexicon, model, MatchingSettings())


_NO_VECTOR = (np.zeros(0, dtype=np.intp), np.zeros(0))


def test_a_phrase_fires_in_its_own_language_and_says_so() -> None:
    net = _net(danger={"nl": ("staat ... voor mijn deur",), "en": ()})
    analysis = Analyzer([], []).analyze("hij staat nu voor mijn deur")
    finding = net.check(analysis, "nl", frozenset(), _NO_VECTOR)
    assert finding.danger and "staat ... voor mijn deur" in finding.reasons[0]
    assert not net.check(analysis, "en", frozenset(), _NO_VECTOR).any


def test_negations_are_taken_out_before_phrases_are_looked_for() -> None:
    net = _net(danger={"nl": ("in gevaar",), "en": ()})
    analysis = net.without_negations(Analyzer([], []).analyze("ik ben niet in gevaar"))
    assert not net.check(analysis, "nl", frozenset(), _NO_VECTOR).any


def test_combinations_count_unless_the_message_is_about_the_past() -> None:
    net = _net(combinations=(("suicide", ("hopeless", "means")),))
    analysis = Analyzer([], []).analyze("whatever")
    assert net.check(analysis, "en", frozenset({"hopeless", "means"}), _NO_VECTOR).suicide
    assert not net.check(analysis, "en", frozenset({"hopeless"}), _NO_VECTOR).any
    assert not net.check(analysis, "en", frozenset({"hopeless", "means", "past"}),
                         _NO_VECTOR).any
    assert net.check(analysis, "en", frozenset({"hopeless", "means", "past", "now"}),
                     _NO_VECTOR).suicide


def test_the_learned_net_alone_is_enough_and_names_its_score() -> None:
    analysis = Analyzer([], []).analyze("whatever")
    finding = _net(model_says="danger-other").check(analysis, "en", frozenset(), _NO_VECTOR)
    assert finding.danger and finding.kind == "danger-other"
    assert "learned model" in finding.reasons[0]
    assert not _net().check(analysis, "en", frozenset(), _NO_VECTOR).any
