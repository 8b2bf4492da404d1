"""The crisis safety net: 112/113 on top for danger now or suicidal intent, not for the past."""

from __future__ import annotations

import pytest

from bot.core.analysis import Analyzer
from bot.core.crisis import CrisisDetector
from bot.core.model import CrisisLexicon
from tests.helpers import TUESDAY_AFTERNOON, engine

DANGER = [
    "hij staat nu voor mijn deur",
    "er staat iemand beneden voor de deur en hij gaat niet weg",
    "someone is following me right now",
    "my ex is outside my house and says he will hurt me if i dont open",
    "ik heb me opgesloten in de wc, hij is er nog",
    "HELP",
    "I'm hiding in the bathroom, he is still here",
    "mn vriend dreigt me wat aan te doen",
    "i think someone spiked my drink and i feel dizzy",
]
SUICIDE = [
    "ik trek het niet meer",
    "i don't trust myself right now",
    "ik wil dood",
    "i want to kill myself",
    "zelfmoordgedachten",
    "ik zie het niet meer zitten sinds die avond",
    "i've been cutting myself again",
    "ik wil er een einde aan maken",
]
NOT_CRISIS = [
    "ik ben vorig jaar verkracht",
    "he raped me two years ago and I never told anyone",
    "hoe doe ik aangifte",
    "I'm not suicidal, I just feel low",
    "a guy at uni keeps following me around campus",
    "mijn ex heeft me vorige maand geslagen",
]


@pytest.mark.parametrize("text", DANGER)
def test_danger_now_puts_112_first(text: str) -> None:
    reply = engine().answer(text, TUESDAY_AFTERNOON)
    assert reply.crisis
    assert "112" in reply.text.split("\n", 1)[0]
    assert "112" in reply.services


@pytest.mark.parametrize("text", SUICIDE)
def test_suicidal_intent_puts_113_first(text: str) -> None:
    reply = engine().answer(text, TUESDAY_AFTERNOON)
    assert reply.crisis
    first = reply.text.split("\n", 1)[0]
    assert "113" in first and "0800-0113" in first
    assert reply.services[0] == "113"


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_past_violence_and_negations_are_not_a_crisis(text: str) -> None:
    reply = engine().answer(text, TUESDAY_AFTERNOON)
    assert not reply.crisis
    assert not reply.text.startswith("⚠️")


def test_crisis_keeps_the_topic_answer_below_the_header() -> None:
    reply = engine().answer("ik ben net verkracht en hij is er nog", TUESDAY_AFTERNOON)
    assert reply.crisis
    header, rest = reply.text.split("\n\n", 1)
    assert "112" in header
    assert "0800-0188" in rest  # Centrum Seksueel Geweld still offered


# -- the three checks, one by one -------------------------------------------------------------



def _detector(examples: tuple[tuple[str, str], ...] = (),
              combinations: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> CrisisDetector:
    empty = {"nl": (), "en": ()}
    return CrisisDetector(CrisisLexicon(danger=empty, suicide=empty, negations=empty,
                                        combinations=combinations, examples=examples))


def test_a_message_like_a_crisis_example_is_a_crisis_unless_a_calm_one_is_closer() -> None:
    detector = _detector(examples=(
        ("danger", "the man from the bar is waiting outside my front door with a knife"),
        ("calm", "last year a man waited outside my front door, what could I have done"),
    ))
    analyzer = Analyzer([], [])
    now_like = analyzer.analyze("a man is waiting outside my door and he has a knife")
    past_like = analyzer.analyze("last year a man waited outside my front door")
    assert detector.check(now_like).danger
    assert not detector.check(past_like).danger


def test_concept_combinations_count_unless_the_message_is_about_the_past() -> None:
    detector = _detector(combinations=(("suicide", ("hopeless", "means")),))
    analysis = Analyzer([], []).analyze("whatever")
    assert detector.check(analysis, {"hopeless", "means"}).suicide
    assert not detector.check(analysis, {"hopeless"}).suicide
    assert not detector.check(analysis, {"hopeless", "means", "past"}).suicide
    assert detector.check(analysis, {"hopeless", "means", "past", "now"}).suicide
    assert not detector.check(analysis, {"hopeless", "means"}).by_phrase


@pytest.mark.parametrize("text", [
    "ik sta nu bij het spoor",  # now + means
    "i have the pills ready and there is no point anymore",  # means + hopeless
    "thanks for trying, this is goodbye",
])
def test_indirect_suicidal_messages_get_113(text: str) -> None:
    reply = engine().answer(text, TUESDAY_AFTERNOON)
    assert reply.crisis and "113" in reply.text.split("\n", 1)[0], reply.text[:200]
