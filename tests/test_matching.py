"""Matching quality, measured on labelled sets (not memorised: see docs/knowledge-format.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import evaluate, load_items
from tests.helpers import ROOT, TUESDAY_AFTERNOON, engine

DEV_SET = ROOT.parent / "shared" / "eval" / "dev-questions.yaml"
HELDOUT = ROOT / "tests" / "data" / "heldout.yaml"
BLIND = ROOT / "tests" / "data" / "blind.yaml"
FINAL_BLIND = ROOT / "tests" / "data" / "final-blind.yaml"
CRISIS_SETS = [ROOT / "tests" / "data" / n for n in (
    "crisis-blind.yaml", "crisis-final.yaml", "crisis-honest.yaml")]


def _figures(path: Path) -> dict[str, float]:
    return evaluate(engine(), load_items(path), TUESDAY_AFTERNOON).figures()


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared/eval is not beside the repository")
def test_dev_set_targets() -> None:
    f = _figures(DEV_SET)
    assert f["top1"] >= 0.90, f
    assert f["top3"] >= 0.97, f
    assert f["crisis_recall"] == 1.0, f
    assert f["out_of_domain"] >= 0.90, f
    assert f["language"] >= 0.98, f


@pytest.mark.skipif(not HELDOUT.exists(), reason="no held-out set")
def test_heldout_set_written_apart_from_the_knowledge() -> None:
    # Phrasings the knowledge base was never tuned on: the floor is lower, crisis is not.
    f = _figures(HELDOUT)
    assert f["crisis_recall"] == 1.0, f
    assert f["top1"] >= 0.75, f
    assert f["top3"] >= 0.88, f
    assert f["out_of_domain"] >= 0.80, f


def test_second_independent_set() -> None:
    f = _figures(BLIND)
    assert f["crisis_recall"] == 1.0, f
    assert f["top1"] >= 0.80, f
    assert f["top3"] >= 0.92, f
    assert f["out_of_domain"] >= 0.65, f


def test_third_independent_set() -> None:
    # Scored once before any change was made for it: top-1 0.889, top-3 0.978, crisis 1.0,
    # out of domain 0.733, language 0.987.
    f = _figures(FINAL_BLIND)
    assert f["crisis_recall"] == 1.0, f
    assert f["top1"] >= 0.85, f
    assert f["top3"] >= 0.95, f
    assert f["out_of_domain"] >= 0.7, f
    assert f["language"] >= 0.97, f


@pytest.mark.parametrize("path", CRISIS_SETS, ids=lambda p: p.name)
def test_crisis_focused_set_recall(path: Path) -> None:
    # Mostly indirect crisis messages and near misses, written apart from the bot.
    f = _figures(path)
    assert f["crisis_recall"] >= 0.9, f


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("aangifte", "report-police"),
        ("nudes", "online-abuse"),
        ("mn bf dwingt me steeds tot dingen die ik nie wil", "domestic-abuse"),
        ("verkrachtt gisteravond", "acute-assault"),  # typo
        ("ik ben als kind misbruikt, nu 30 jaar later wil ik er iets mee", "past-assault"),
        ("someone is sharing my naaktfotos on insta", "online-abuse"),  # mixed nl/en compound
        ("mijn hockeytrainer zit steeds aan me", "sport"),  # compound
        ("idk who to talk to about what happened, i just feel so bad", "talk-to-someone"),
    ],
)
def test_hard_phrasings_land_on_their_topic(text: str, topic: str) -> None:
    reply = engine().answer(text, TUESDAY_AFTERNOON)
    assert reply.topics[:1] == (topic,), reply.topics


@pytest.mark.parametrize(("text", "lang"), [
    ("waar kan ik terecht", "nl"), ("where can I get help", "en"),
    ("omstander", "nl"), ("bystander", "en"), ("ik ben verkracht", "nl"),
])
def test_language_is_detected(text: str, lang: str) -> None:
    assert engine().answer(text, TUESDAY_AFTERNOON).language == lang


def test_language_hint_breaks_a_tie() -> None:
    for text in ("👍", "112233"):
        assert engine().answer(text, TUESDAY_AFTERNOON, hint="en").language == "en", text
    assert engine().answer("👍", TUESDAY_AFTERNOON, hint="nl").language == "nl"


def test_long_story_with_the_need_in_the_middle() -> None:
    story = (
        "Het is een lang verhaal en ik weet niet goed waar ik moet beginnen. Ik woon sinds "
        "september in Leiden en vind het hier best leuk. Maar vorige week op een feestje is er "
        "iets gebeurd. Ik wil eigenlijk weten hoe aangifte doen werkt en of ik dat kan doen "
        "zonder dat mijn ouders het weten. Verder gaat het wel, ik slaap alleen slecht. "
    )
    reply = engine().answer(story, TUESDAY_AFTERNOON)
    assert "report-police" in reply.topics[:3]


@pytest.mark.parametrize(("text", "lang"), [
    ("tell me more about wensen en grenzen please", "en"),  # a Dutch name, English words
    ("wat doet stop it now precies", "nl"),  # an English name in a Dutch question
])
def test_names_do_not_decide_the_language(text: str, lang: str) -> None:
    assert engine().answer(text, TUESDAY_AFTERNOON).language == lang


def test_words_the_stemmers_would_join_stay_apart() -> None:
    # "hoe werkt ..." asks how something works, not about work; "won" is not "gewond".
    assert engine().answer("hoe werkt /wis", TUESDAY_AFTERNOON).topics[:1] != ("workplace",)
    assert engine().answer("who won the election yesterday", TUESDAY_AFTERNOON).fallback


@pytest.mark.parametrize("text", [
    "waar vraag ik een bouwvergunning aan voor mijn schuur",
    "when do they collect the bins in my street",
    "wordt het morgen mooi weer in leiden",
])
def test_questions_for_other_services_fall_back(text: str) -> None:
    reply = engine().answer(text, TUESDAY_AFTERNOON)
    assert reply.fallback and not reply.topics, reply.topics


def test_typos_are_corrected_within_the_messages_language() -> None:
    analysis = engine().matcher.analyzer.analyze("mijn buren maken elke nacht lawaai")
    assert "buren" in analysis.tokens  # not the English "burden"
