"""The crisis safety net: 112/113 on top for danger now or suicidal intent, not for the past."""

from __future__ import annotations

import pytest

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
