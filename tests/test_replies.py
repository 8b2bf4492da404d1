"""Replies: opening hours used, a human always offered, bad input never crashes."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest

from bot.core.model import Hours
from tests.helpers import AMS, SUNDAY_NIGHT, TUESDAY_AFTERNOON, engine, engine_with_a_close_call


def test_hours_windows_including_past_midnight() -> None:
    office = Hours(windows=((0, time(9), time(17)),))
    assert office.is_open(0, time(9, 0)) and not office.is_open(0, time(17, 0))
    assert not office.is_open(1, time(10))
    night = Hours(windows=((4, time(22), time(6)),))  # Friday 22:00 to Saturday 06:00
    assert night.is_open(4, time(23)) and night.is_open(5, time(5, 59))
    assert not night.is_open(5, time(6))


def test_legal_help_says_open_now_in_the_afternoon_and_closed_at_night() -> None:
    e = engine()
    day = e.topic_reply("legal-help", "nl", TUESDAY_AFTERNOON).text
    night = e.topic_reply("legal-help", "nl", SUNDAY_NIGHT).text
    assert "nu open" in day
    assert "nu gesloten" in night
    # Closed now: a service that is open day and night is named instead.
    assert "Dag en nacht bereikbaar" in night or "dag en nacht" in night


def test_closed_service_points_to_a_24_7_alternative() -> None:
    e = engine()
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=AMS)
    reply = e.topic_reply("legal-help", "en", saturday_night)
    assert "closed right now" in reply.text
    assert any(e.services[s].always_open for s in reply.services)


@pytest.mark.parametrize("topic_id", sorted(engine().kb.topics))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_topic_reply_offers_a_person_to_contact(topic_id: str, lang: str) -> None:
    e = engine()
    reply = e.topic_reply(topic_id, lang, SUNDAY_NIGHT)
    reachable = [e.services[s] for s in reply.services
                 if any(c.kind in ("phone", "chat") for c in e.services[s].contacts)]
    assert reachable, f"{topic_id} ({lang}) offers nobody to talk to"
    assert len(reply.text) < 4096


def test_every_number_in_a_reply_comes_from_a_service_file() -> None:
    e = engine()
    numbers = {c.value for s in e.kb.services.values() for c in s.contacts if c.kind == "phone"}
    import re

    for topic_id in e.kb.topics:
        for lang in ("nl", "en"):
            text = e.topic_reply(topic_id, lang, TUESDAY_AFTERNOON).text
            for found in re.findall(r"\b0\d{2,3}-[\d ]{4,10}\d\b", text):
                assert found in numbers, (topic_id, found)


@pytest.mark.parametrize("text", [
    "", "   ", "\n\n", "😢😢😢", "🙏", "\u200b\u200b\u200b", "\u202ehulp\u202c",
    "ik ben\u200b verkracht", "مرحبا كيف حالك", "Привет, мне нужна помощь", "你好",
    "\x00\x07\x1b[31mhulp\x1b[0m", "a" * 10_000, "verkracht " * 1500,
    "?!?!?!", "1234567890", "<script>alert(1)</script>", "%s %d {0} {name}",
])
def test_bad_input_gets_a_sensible_reply(text: str) -> None:
    reply = engine().answer(text, TUESDAY_AFTERNOON)
    assert reply.text.strip()
    assert reply.services, "a human contact is always offered"
    assert len(reply.text) < 4096


def test_zero_width_characters_do_not_hide_words() -> None:
    reply = engine().answer("ik ben ver\u200bkracht vannacht", TUESDAY_AFTERNOON)
    assert reply.topics[0] == "acute-assault"


def test_fallback_shows_menu_and_a_person() -> None:
    reply = engine().answer("hoeveel kost de hondenbelasting dit jaar", TUESDAY_AFTERNOON)
    assert reply.fallback and not reply.topics, reply.topics
    assert "0800-0188" in reply.text
    assert [c.kind for c in reply.choices].count("topic") >= 4


def test_clarifying_question_offers_two_choices(tmp_path: Path) -> None:
    e = engine_with_a_close_call(tmp_path)
    reply = e.answer("zwaluwstaart koekoeksklok", TUESDAY_AFTERNOON)
    assert set(reply.clarify) == {"sport", "privacy"}
    assert [c.value for c in reply.choices] == list(reply.clarify)
    assert "1." in reply.text and "2." in reply.text
    assert reply.services, "a person to contact is offered with the question too"


def test_weekly_hours_are_shown_as_day_ranges() -> None:
    from bot.core.replies import contact_line

    e = engine()
    chat = next(c for c in e.kb.services["veilig-thuis"].contacts if c.kind == "chat")
    line = contact_line(chat, "nl", TUESDAY_AFTERNOON)
    assert "ma-vr 09:00-17:00" in line and "nu open" in line
    assert "closed now" in contact_line(chat, "en", SUNDAY_NIGHT)
