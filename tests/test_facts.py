"""The facts answers must keep (tests/cases/facts.yaml), in the reply a person really gets,
and the same counting and erasing promises in the privacy topic as in /privacy."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.channels.telegram_texts import text
from bot.core.engine import Engine
from bot.knowledge_files import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
FACTS: list[dict[str, Any]] = yaml.safe_load(
    (ROOT / "tests" / "cases" / "facts.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge(ROOT / "knowledge"), "leiden")


@pytest.mark.parametrize("case", FACTS, ids=lambda c: f"{c['topic']}-{c['lang']}")
def test_answers_keep_their_facts(engine: Engine, case: dict[str, Any]) -> None:
    reply = engine.topic_reply(case["topic"], case["lang"], NOW).text
    flat = " ".join(reply.split())
    missing = [fact for fact in case.get("has", []) if fact not in flat]
    assert not missing, f"{case['topic']} ({case['lang']}) lost: {missing}"
    for wrong in case.get("not", []):
        assert wrong not in flat, f"{case['topic']} ({case['lang']}) says {wrong!r}"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_privacy_topic_and_privacy_command_promise_the_same(engine: Engine, lang: str) -> None:
    topic = " ".join(engine.topic_reply("privacy", lang, NOW).text.split())
    command = " ".join(text("privacy", lang, months="24").split())
    for promise in {"nl": ["per week", "/wis", "48 uur", "poster of flyer", "vanaf 5"],
                    "en": ["per week", "/wis", "48 hours", "poster or flyer", "from 5 on"]}[lang]:
        assert promise in topic and promise in command, promise
