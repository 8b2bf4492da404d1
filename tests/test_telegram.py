"""The Telegram channel end to end: the real Application polls a Bot API stand-in on 127.0.0.1.

Expected replies are computed with the real Engine from the real knowledge files, so these
tests follow the knowledge as staff change it, yet fail when the channel garbles a reply.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from botapi_stub import BotApiStub, wait_until
from telegram.ext import Application

from bot.channels.telegram import TelegramChannel, build_application
from bot.channels.telegram_cli import create_sink
from bot.channels.telegram_run import Progress, serve
from bot.channels.telegram_state import ChatMemory, OncePer
from bot.channels.telegram_texts import text
from bot.channels.telegram_ui import SITUATIONS, callback, split_text
from bot.config import Settings
from bot.core.engine import Engine
from bot.events import Event
from bot.knowledge_files import load_knowledge
from bot.logging_setup import configure_logging
from tests.helpers import engine_with_a_close_call

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
TOKEN = "123456789:AAHcanaryTokenCanaryToken_canary-XYZ"
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # a Wednesday


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge(KNOWLEDGE), "leiden")


@dataclass
class ListSink:
    """An EventSink that keeps events in a list (the real protocol, for looking at)."""

    events: list[Event] = field(default_factory=list)

    async def record(self, event: Event) -> None:
        self.events.append(event)


@dataclass
class Bot:
    stub: BotApiStub
    app: Application  # type: ignore[type-arg]
    sink: ListSink
    channel: TelegramChannel
    engine: Engine
    progress: Progress

    async def until(self, check: Callable[[], Any], timeout: float = 8.0) -> Any:
        return await wait_until(check, timeout)

    async def sent_after(self, chat_id: int, before: int, count: int = 1,
                         timeout: float = 8.0) -> list[dict[str, Any]]:
        """Wait for ``count`` new messages to the chat; return the new ones."""
        await self.until(lambda: len(self.stub.sent(chat_id)) >= before + count, timeout)
        await self.settle()
        return list(self.stub.sent(chat_id)[before:before + count])

    async def say(self, chat_id: int, words: str, count: int = 1,
                  **kwargs: Any) -> list[dict[str, Any]]:
        before = len(self.stub.sent(chat_id))
        self.stub.message(chat_id, words, **kwargs)
        return await self.sent_after(chat_id, before, count)

    async def settle(self) -> None:
        """Wait until every queued update has been fetched, answered and acknowledged."""
        def idle() -> bool:
            inbox = self.progress.inbox
            return (self.stub.pending_updates() == 0 and inbox is not None
                    and inbox.pending == 0)

        await self.until(idle)
        await asyncio.sleep(0.05)
        await self.until(idle)


async def start_bot(stub: BotApiStub, engine: Engine, settings: Settings, sink: Any,
                    ) -> AsyncIterator[tuple[Application, TelegramChannel, Progress]]:  # type: ignore[type-arg]
    """The bot as `python -m bot telegram` runs it (bot.channels.telegram_run.serve)."""
    channel = TelegramChannel(lambda: engine, sink, clock)
    app = build_application(settings, lambda: engine, sink, clock, channel=channel)
    stop, progress = asyncio.Event(), Progress()
    task = asyncio.create_task(serve(app, channel, settings, progress, stop=stop))
    await wait_until(lambda: progress.poller is not None or task.done())
    try:
        yield app, channel, progress
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


@pytest.fixture
async def bot(engine: Engine, tmp_path: Path) -> AsyncIterator[Bot]:
    stub = BotApiStub(TOKEN).start()
    settings = Settings(telegram_token=TOKEN, telegram_api_url=stub.api_url, data_dir=tmp_path)
    sink = ListSink()
    try:
        async for app, channel, progress in start_bot(stub, engine, settings, sink):
            yield Bot(stub, app, sink, channel, engine, progress)
    finally:
        stub.stop()


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def last_bot_message(stub: BotApiStub, chat_id: int) -> dict[str, Any]:
    live = stub.live(chat_id)
    return live[max(i for i, m in live.items() if m["from"]["is_bot"])]


# -- /start, the menu, language ------------------------------------------------------------


async def test_start_shows_welcome_and_situation_menu(bot: Bot) -> None:
    [reply] = await bot.say(11, "/start")
    assert reply["text"].startswith(text("welcome", "nl"))
    data = [b.get("callback_data") for b in buttons(reply)]
    assert [d for d in data if d and d.startswith("s:")] == [f"s:{k}" for k in SITUATIONS]
    assert "l:en" in data and "x" in data
    labels = " ".join(b["text"] for b in buttons(reply))
    assert "112" in labels  # danger now, with the number from the service file
    assert bot.sink.events == [Event("menu", "telegram", "nl", None, None)]
    assert bot.stub.calls_of("setMyCommands")


async def test_start_in_english_and_language_switch(bot: Bot) -> None:
    [reply] = await bot.say(12, "/start", language="en")
    assert reply["text"].startswith(text("welcome", "en"))
    [switched] = await bot.say(12, "/taal")
    assert switched["text"].startswith(text("language_set", "nl"))
    before = len(bot.stub.sent(12))
    bot.stub.press(12, last_bot_message(bot.stub, 12)["message_id"], "l:en")
    [back] = await bot.sent_after(12, before)
    assert back["text"].startswith(text("language_set", "en"))


async def test_each_situation_leads_to_its_topics(bot: Bot) -> None:
    await bot.say(13, "/start")
    menu_id = last_bot_message(bot.stub, 13)["message_id"]
    replies = {}
    for key, topics in SITUATIONS.items():
        before = len(bot.stub.sent(13))
        bot.stub.press(13, menu_id, f"s:{key}")
        [replies[key]] = await bot.sent_after(13, before)
        present = [t for t in topics if t in bot.engine.kb.topics]
        if len(present) == 1:
            expected = bot.channel.topic_reply(bot.engine, present[0], "nl")
            assert replies[key]["text"] == expected.text
        else:
            data = [b.get("callback_data") for b in buttons(replies[key])]
            assert data == [f"t:{t}" for t in present] + ["m"]
    danger = replies["sos"]["text"].splitlines()[0]
    assert danger.startswith("⚠️") and "112" in danger


# -- free text ------------------------------------------------------------------------------


@pytest.mark.parametrize("words,lang", [
    ("Ik ben gisteravond na het stappen verkracht, wat moet ik doen?", "nl"),
    ("Someone keeps sending me unwanted nude pictures online, what can I do?", "en"),
])
async def test_free_text_answered_through_the_core(bot: Bot, words: str, lang: str) -> None:
    expected = bot.engine.answer(words, NOW)
    assert expected.language == lang
    [reply] = await bot.say(21, words, language=lang)
    assert reply["text"] == expected.text
    urls = [b["url"] for b in buttons(reply) if "url" in b]
    assert urls, "services are offered as link buttons"
    data = [b.get("callback_data") for b in buttons(reply)]
    if expected.shown_topic:
        assert f"f:y:{expected.shown_topic}" in data and f"f:n:{expected.shown_topic}" in data
        assert "m" in data
    assert bot.sink.events[-1].language == lang
    assert all(len(d.encode()) <= 64 for d in data if d)


@pytest.mark.parametrize("words,first", [
    ("Hij staat nu voor mijn deur en ik ben bang, help", "112"),
    ("I want to kill myself tonight", "113"),
])
async def test_crisis_puts_112_or_113_first(bot: Bot, words: str, first: str) -> None:
    expected = bot.engine.answer(words, NOW)
    assert expected.crisis
    [reply] = await bot.say(22, words)
    head = reply["text"].split("\n\n")[0]
    assert first in head
    assert reply["text"] == expected.text
    assert bot.sink.events[-1].kind == "crisis"


async def test_clarification_offers_two_buttons(tmp_path: Path) -> None:
    close_call = engine_with_a_close_call(tmp_path)
    asked = close_call.answer("zwaluwstaart koekoeksklok", NOW)
    assert len(asked.clarify) == 2
    stub = BotApiStub(TOKEN).start()
    settings = Settings(telegram_token=TOKEN, telegram_api_url=stub.api_url, data_dir=tmp_path)
    try:
        async for app, channel, progress in start_bot(stub, close_call, settings, ListSink()):
            bot = Bot(stub, app, ListSink(), channel, close_call, progress)
            [reply] = await bot.say(23, "zwaluwstaart koekoeksklok")
            data = [b.get("callback_data") for b in buttons(reply)]
            assert data == [f"t:{t}" for t in asked.clarify]
            [chosen] = await bot.say(23, "2")
            expected = channel.topic_reply(close_call, asked.clarify[1], "nl").text
            assert chosen["text"] == expected
    finally:
        stub.stop()


async def test_ten_thousand_characters_are_answered_within_limits(bot: Bot) -> None:
    words = ("Ik weet niet met wie ik moet praten over wat er is gebeurd. " * 200)[:10_000]
    replies = await bot.say(24, words)
    assert replies and all(len(r["text"]) <= 4096 for r in replies)
    long_reply = "\n\n".join(["Een alinea van een lang antwoord, met woorden. " * 30] * 10)
    parts = split_text(long_reply + " 😊" * 3000)
    assert len(parts) > 2
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == (
        long_reply + " 😊" * 3000).replace(" ", "").replace("\n", "")


# -- buttons --------------------------------------------------------------------------------


async def test_topic_and_feedback_buttons(bot: Bot) -> None:
    words = "Ik wil met iemand praten, ik voel me zo rot"
    [reply] = await bot.say(31, words)
    message_id = last_bot_message(bot.stub, 31)["message_id"]
    topic_data = next(b["callback_data"] for b in buttons(reply)
                      if b.get("callback_data", "").startswith("t:"))
    before = len(bot.stub.sent(31))
    bot.stub.press(31, message_id, topic_data)
    [topic] = await bot.sent_after(31, before)
    assert topic["text"] == bot.channel.topic_reply(bot.engine, topic_data[2:], "nl").text
    assert bot.stub.calls_of("answerCallbackQuery")

    topic_id = topic_data[2:]
    topic_message = last_bot_message(bot.stub, 31)
    bot.stub.press(31, topic_message["message_id"], f"f:y:{topic_id}")
    await bot.until(lambda: bot.stub.calls_of("editMessageReplyMarkup"))
    edited = bot.stub.live(31)[topic_message["message_id"]]
    assert not any(b.get("callback_data", "").startswith("f:") for b in buttons(edited))
    assert any("url" in b for b in buttons(edited)), "the other buttons stay"
    assert Event("helpful_yes", "telegram", "nl", topic_id, None) in bot.sink.events
    answered = bot.stub.calls_of("answerCallbackQuery")[-1].params
    assert answered.get("text") == text("thanks_feedback", "nl")

    before = len(bot.stub.sent(31))
    bot.stub.press(31, message_id, f"f:n:{topic_id}")
    [sorry] = await bot.sent_after(31, before)
    assert sorry["text"].startswith(text("sorry_not_helped", "nl"))
    assert Event("helpful_no", "telegram", "nl", topic_id, None) in bot.sink.events


@pytest.mark.parametrize("forged", [
    "t:../../etc/passwd", "zzz", "f:y:no-such-topic", "s:everything", "l:de", "",
    "t:" + "a" * 63, "x:1", "m:extra",
])
async def test_forged_callback_data_gets_the_menu(bot: Bot, forged: str) -> None:
    await bot.say(32, "/start")
    before = len(bot.stub.sent(32))
    answers = len(bot.stub.calls_of("answerCallbackQuery"))
    bot.stub.press(32, last_bot_message(bot.stub, 32)["message_id"], forged)
    [menu] = await bot.sent_after(32, before)
    assert menu["text"] == text("menu_question", "nl")
    assert len(bot.stub.calls_of("answerCallbackQuery")) == answers + 1
    assert callback("t", "a" * 63) is None  # too long to build: only forged


# -- deep links -----------------------------------------------------------------------------


async def test_deep_link_to_a_topic(bot: Bot) -> None:
    topic = "bystander" if "bystander" in bot.engine.kb.topics else next(iter(bot.engine.kb.topics))
    [reply] = await bot.say(41, f"/start {topic}")
    assert reply["text"] == bot.channel.topic_reply(bot.engine, topic, "nl").text
    assert bot.sink.events[-1].topic == topic


async def test_deep_link_campaign_is_only_an_anonymous_source(bot: Bot) -> None:
    campaign = sorted(bot.engine.kb.campaigns)[0]
    [menu] = await bot.say(42, f"/start {campaign}")
    assert menu["text"].startswith(text("welcome", "nl"))
    await bot.say(42, "Ik wil met iemand praten")
    assert {e.source for e in bot.sink.events} == {campaign}
    await bot.say(43, "/start not-a-campaign-or-topic")
    assert bot.sink.events[-1] == Event("menu", "telegram", "nl", None, None)


async def test_deep_link_with_topic_and_campaign_opens_the_topic_and_counts_the_source(
    bot: Bot,
) -> None:
    campaign = sorted(bot.engine.kb.campaigns)[0]
    [reply] = await bot.say(44, f"/start bystander_{campaign}")
    assert reply["text"] == bot.channel.topic_reply(bot.engine, "bystander", "nl").text
    assert bot.sink.events[-1].topic == "bystander"
    assert bot.sink.events[-1].source == campaign


# -- /wis -----------------------------------------------------------------------------------


async def test_quick_exit_deletes_everything_and_leaves_nothing(bot: Bot) -> None:
    await bot.say(51, "/start")
    await bot.say(51, "Ik wil met iemand praten")
    bot.stub.message(51, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular",
                                  "width": 1, "height": 1, "is_animated": False,
                                  "is_video": False})
    await bot.until(lambda: len(bot.stub.sent(51)) == 3)
    assert len(bot.stub.live(51)) == 6
    sent_before = len(bot.stub.sent(51))
    bot.stub.message(51, "/wis")
    await bot.until(lambda: not bot.stub.live(51))
    await bot.settle()
    assert len(bot.stub.sent(51)) == sent_before, "no new message after /wis"
    assert bot.stub.live(51) == {}
    assert bot.sink.events[-1].kind == "quick_exit"
    assert bot.channel.memory.peek(51) is None, "the chat is forgotten"


async def test_clear_alias_and_button(bot: Bot) -> None:
    await bot.say(52, "/start")
    bot.stub.message(52, "/clear")
    await bot.until(lambda: not bot.stub.live(52))
    await bot.say(53, "/start")
    bot.stub.press(53, last_bot_message(bot.stub, 53)["message_id"], "x")
    await bot.until(lambda: not bot.stub.live(53))
    await bot.settle()
    assert len(bot.stub.sent(53)) == 1


# -- groups and non-text --------------------------------------------------------------------


async def test_group_gets_one_short_invitation_without_help_content(bot: Bot) -> None:
    group = -100777
    said = "Ik ben gisteren verkracht door Jan uit de Breestraat"
    [invite] = await bot.say(group, said, chat_type="supergroup")
    assert invite["text"] == text("group_invite", "nl")
    assert buttons(invite)[0]["url"] == "https://t.me/hulpwijzer_test_bot"
    bot.stub.message(group, "/start", chat_type="supergroup")
    bot.stub.message(group, "I was raped", chat_type="supergroup", language="en")
    await bot.settle()
    assert len(bot.stub.sent(group)) == 1, "at most one line per group per hour"
    assert not [e for e in bot.sink.events if e.kind != "menu"]


NON_TEXT: dict[str, dict[str, Any]] = {
    "sticker": {"sticker": {"file_id": "a", "file_unique_id": "a", "type": "regular", "width": 1,
                            "height": 1, "is_animated": False, "is_video": False}},
    "photo": {"photo": [{"file_id": "b", "file_unique_id": "b", "width": 1, "height": 1}],
              "caption": "Annelies Canary bij de Breestraat"},
    "voice": {"voice": {"file_id": "c", "file_unique_id": "c", "duration": 3}},
    "video": {"video": {"file_id": "d", "file_unique_id": "d", "width": 1, "height": 1,
                        "duration": 2}},
    "video_note": {"video_note": {"file_id": "e", "file_unique_id": "e", "length": 1,
                                  "duration": 2}},
    "audio": {"audio": {"file_id": "f", "file_unique_id": "f", "duration": 2}},
    "document": {"document": {"file_id": "g", "file_unique_id": "g", "file_name": "aangifte.pdf"}},
    "location": {"location": {"latitude": 52.1601, "longitude": 4.4970}},
    "contact": {"contact": {"phone_number": "+31612345678", "first_name": "Annelies",
                            "user_id": 55501}},
    "venue": {"venue": {"location": {"latitude": 52.16, "longitude": 4.49}, "title": "Thuis",
                        "address": "Breestraat 117"}},
    "dice": {"dice": {"emoji": "🎲", "value": 3}},
}


async def test_every_kind_of_non_text_gets_a_kind_text_only_reply(bot: Bot) -> None:
    for n, (kind, content) in enumerate(NON_TEXT.items()):
        chat_id = 600 + n
        bot.stub.message(chat_id, **content)
        [reply] = await bot.sent_after(chat_id, 0)
        assert reply["text"] == text("non_text", "nl"), kind
        assert not buttons(reply)
    assert not bot.sink.events


async def test_every_message_of_a_burst_is_answered_and_a_crisis_goes_first(bot: Bot) -> None:
    bot.stub.fault("sendMessage", 1, "slow", 1.0)  # the first reply is slow: the rest queue
    for i in range(12):
        bot.stub.message(61, f"Ik wil met iemand praten {i}")
    crisis = "I want to kill myself tonight"
    bot.stub.message(61, crisis)
    await bot.settle()
    texts = [m["text"] for m in bot.stub.sent(61)]
    assert len(texts) == 13, "every message gets its answer"
    expected = bot.engine.answer(crisis, NOW).text
    assert texts.index(expected) <= 1, "the crisis reply jumps the chat's queue"


# -- robustness -----------------------------------------------------------------------------


async def test_429_with_retry_after_is_waited_out(bot: Bot) -> None:
    bot.stub.fail("sendMessage", 1, status=429, retry_after=1)
    started = time.monotonic()
    bot.stub.message(71, "Ik wil met iemand praten")
    [reply] = await bot.sent_after(71, 0, timeout=10)
    assert time.monotonic() - started >= 1.0
    attempts = [c for c in bot.stub.calls_of("sendMessage") if int(c.params["chat_id"]) == 71]
    assert [c.status for c in attempts] == [429, 200]
    assert reply["text"] == bot.engine.answer("Ik wil met iemand praten", NOW).text


async def test_a_run_of_500s_is_retried(bot: Bot) -> None:
    bot.stub.fail("sendMessage", 2, status=500)
    [reply] = await bot.say(72, "Ik wil met iemand praten")
    attempts = [c for c in bot.stub.calls_of("sendMessage") if int(c.params["chat_id"]) == 72]
    assert [c.status for c in attempts] == [500, 500, 200]
    assert reply["text"]


async def test_a_bad_update_does_not_stop_the_bot(bot: Bot) -> None:
    bot.stub.fail("sendMessage", 10, status=400)  # BadRequest is not retried: handler fails
    bot.stub.message(73, "Ik wil met iemand praten")
    await bot.settle()
    bot.stub._failures.clear()
    [reply] = await bot.say(74, "Ik wil met iemand praten")
    assert reply["text"]


# -- personal data and the token -------------------------------------------------------------


CANARIES = {
    "name": "Annelies Kanarievogel",
    "id": "BSN 123456782",
    "phone": "06-98765432",
    "email": "annelies.kanarie@example.org",
    "street": "Kanariestraat 117",
}
CANARY_ID = 987654321
CANARY_USER: dict[str, Any] = {"id": CANARY_ID, "is_bot": False, "first_name": "Kanarie",
               "last_name": "Vogelaar", "username": "kanarie_user", "language_code": "nl"}


async def test_personal_data_never_reaches_files_or_logs(engine: Engine, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    stub = BotApiStub(TOKEN).start()
    settings = Settings(telegram_token=TOKEN, telegram_api_url=stub.api_url, data_dir=data_dir,
                        log_level="DEBUG")
    stream = io.StringIO()
    caplog.set_level(logging.DEBUG)
    configure_logging(settings, stream)
    sink = create_sink(settings, engine.kb)  # the counts store the real command uses
    await sink.start()
    chat = CANARY_ID
    try:
        async for app, _channel, _progress in start_bot(stub, engine, settings, sink):
            wrote = ("Mijn naam is {name}, {id}, bel me op {phone} of mail {email}, ik woon op "
                     "{street} in Leiden. Ik ben aangerand.").format(**CANARIES)
            stub.message(chat, "/start", user=CANARY_USER)
            stub.message(chat, wrote, user=CANARY_USER)
            stub.message(chat, user=CANARY_USER, contact={
                "phone_number": "+31698765432", "first_name": "Annelies", "user_id": 55501})
            stub.fail("sendMessage", 1, status=500)
            stub.message(chat, f"{CANARIES['name']} deed het", user=CANARY_USER)
            deadline = time.monotonic() + 10
            while len(stub.sent(chat)) < 4 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert len(stub.sent(chat)) == 4
            await app.bot.get_me()  # one more request URL with the token in it
    finally:
        await sink.close()
        stub.stop()
        logging.getLogger().setLevel(logging.WARNING)
    logs = stream.getvalue() + "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "Application started" in logs, "the logs were captured"
    forbidden = [*CANARIES.values(), "+31698765432", "0698765432", "98765432",
                 str(chat), "Kanarie", "Vogelaar", "kanarie_user", TOKEN,
                 TOKEN.split(":")[1]]
    for secret in forbidden:
        assert secret not in logs
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert data_dir / "stats.sqlite3" in written, "the counts store wrote its file"
    for path in written:
        content = path.read_bytes().decode("utf-8", "replace")
        for secret in forbidden:
            assert secret not in content, path


def test_redacting_filter_removes_the_token_at_debug(tmp_path: Path) -> None:
    stream = io.StringIO()
    settings = Settings(telegram_token=TOKEN, log_level="DEBUG")
    configure_logging(settings, stream)
    other = "98765:" + "Q" * 35
    log = logging.getLogger("bot.test")
    try:
        log.debug("url %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
        log.debug("dict %(u)s", {"u": TOKEN})
        log.debug(f"inline {other} and %s", TOKEN.replace(":", "%3A"))
        try:
            raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
        except RuntimeError:
            log.exception("boom")
        logging.getLogger("httpx").warning("Request: POST /bot%s/x", TOKEN)
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    out = stream.getvalue()
    assert out.count("[token]") == 6
    assert TOKEN not in out and TOKEN.split(":")[1] not in out and other not in out
    assert logging.getLogger("httpx").level == logging.WARNING


# -- state limits (pure, with their own clock) -----------------------------------------------


def test_memory_is_bounded_and_expires() -> None:
    now = [0.0]
    memory = ChatMemory(max_chats=3, max_messages=4, ttl=100.0, ticker=lambda: now[0])
    for chat in range(5):
        memory.remember_message(chat, 1)
    assert len(memory) == 3 and memory.peek(0) is None
    for mid in range(10):
        memory.remember_message(4, mid)
    assert memory.deletable(4) == [6, 7, 8, 9]
    now[0] = 101.0
    assert memory.deletable(4) == []
    memory.get(9)
    assert len(memory) == 1


def test_memory_for_all_chats_together_is_bounded() -> None:
    memory = ChatMemory(max_chats=1000, max_messages=500, max_ids=1000)
    for chat in range(50):
        for mid in range(100):
            memory.remember_message(chat, mid)
    assert memory.message_ids <= 1000
    assert len(memory.deletable(49)) == 100, "the chat in use keeps its ids"
    memory.forget(49)
    assert memory.message_ids <= 900


def test_group_invites() -> None:
    now = [0.0]
    once = OncePer(3600.0, ticker=lambda: now[0])
    assert once.allow(-5) and not once.allow(-5)
    now[0] += 3600
    assert once.allow(-5)


# -- the command: token errors, SIGTERM, webhook ---------------------------------------------


def _env(stub: BotApiStub | None, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update({"BOT_KNOWLEDGE_DIR": str(KNOWLEDGE), "BOT_DATA_DIR": str(tmp_path),
                "PYTHONPATH": str(ROOT), "BOT_LOG_LEVEL": "DEBUG"})
    if stub is not None:
        env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": stub.api_url})
    env.update(extra)
    return env


@pytest.mark.parametrize("token", [None, "not-a-token", "123:short"])
def test_missing_or_malformed_token_is_one_line(token: str | None, tmp_path: Path) -> None:
    extra = {"TELEGRAM_BOT_TOKEN": token} if token else {}
    done = subprocess.run([sys.executable, "-m", "bot", "telegram"], cwd=ROOT,
                          env=_env(None, tmp_path, **extra), capture_output=True, text=True,
                          timeout=30)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "Traceback" not in done.stderr
    if token:
        assert token not in done.stderr


def _wait_for(check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_sigterm_stops_polling_within_ten_seconds(tmp_path: Path) -> None:
    stub = BotApiStub(TOKEN).start()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], cwd=ROOT,
                            env=_env(stub, tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        stub.message(81, "Ik wil met iemand praten")
        _wait_for(lambda: stub.sent(81), 60)  # start-up trains the models
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert time.monotonic() - started < 10
        assert proc.returncode == 0
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert TOKEN not in err and TOKEN.split(":")[1] not in err
        assert "Ik wil met iemand praten" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stub.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WEBHOOK_SECRET = "s3cret-Webhook_code"


def start_webhook(stub: BotApiStub, tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    """`python -m bot telegram --webhook` on a free port of 127.0.0.1; (process, port)."""
    port = _free_port()
    env = _env(stub, tmp_path, TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
               TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET, TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
               TELEGRAM_WEBHOOK_PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram", "--webhook"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, port


def test_webhook_needs_the_secret(tmp_path: Path) -> None:
    stub = BotApiStub(TOKEN).start()
    proc, port = start_webhook(stub, tmp_path)
    secret = WEBHOOK_SECRET
    try:
        hook = _wait_for(lambda: stub.webhook, 60)  # start-up trains the models
        assert hook["url"] == f"http://127.0.0.1:{port}/telegram"
        assert hook["secret_token"] == secret
        assert TOKEN not in hook["url"]
        update = {"update_id": 1, "message": {
            "message_id": 5, "date": int(time.time()), "text": "Ik wil met iemand praten",
            "chat": {"id": 82, "type": "private", "first_name": "T"},
            "from": {"id": 82, "is_bot": False, "first_name": "T", "language_code": "nl"}}}
        url = f"http://127.0.0.1:{port}/telegram"
        body = json.dumps(update)
        plain = {"Content-Type": "application/json"}
        _wait_for(lambda: _reachable(url), 10)
        for headers in (plain, {**plain, "X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            assert httpx.post(url, content=body, headers=headers).status_code == 403
        time.sleep(0.3)
        assert not stub.sent(82), "nothing answered without the secret"
        ok = httpx.post(url, content=body,
                        headers={**plain, "X-Telegram-Bot-Api-Secret-Token": secret})
        assert ok.status_code == 200
        [reply] = _wait_for(lambda: stub.sent(82), 10)
        assert reply["text"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stub.stop()


def _reachable(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return False
    return True


def test_webhook_without_secret_is_refused(tmp_path: Path) -> None:
    env = _env(None, tmp_path, TELEGRAM_BOT_TOKEN=TOKEN,
               TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram")
    done = subprocess.run([sys.executable, "-m", "bot", "telegram", "--webhook"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert "TELEGRAM_WEBHOOK_SECRET" in done.stderr


def test_a_token_telegram_refuses_is_one_line(tmp_path: Path) -> None:
    stub = BotApiStub("987654321:" + "R" * 35).start()  # knows another token: 401 for ours
    try:
        done = subprocess.run([sys.executable, "-m", "bot", "telegram"], cwd=ROOT,
                              env=_env(stub, tmp_path), capture_output=True, text=True,
                              timeout=30)
    finally:
        stub.stop()
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "refused" in errors[0]
    assert TOKEN not in done.stderr and TOKEN.split(":")[1] not in done.stderr


async def test_quick_exit_in_a_group_removes_only_the_bots_lines(bot: Bot) -> None:
    group = -100888
    said = bot.stub.message(group, "hallo allemaal", chat_type="group")
    await bot.sent_after(group, 0)
    assert len(bot.stub.live(group)) == 2
    bot.stub.message(group, "/wis@hulpwijzer_test_bot", chat_type="group")
    await bot.until(lambda: list(bot.stub.live(group)) == [said["message_id"]])
    await bot.settle()
    assert len(bot.stub.sent(group)) == 1, "no new line after /wis"


async def test_the_erase_button_works_after_a_burst(bot: Bot) -> None:
    for i in range(10):
        bot.stub.message(62, f"Ik wil met iemand praten {i}")
    await bot.settle()
    bot.stub.press(62, last_bot_message(bot.stub, 62)["message_id"], "x")
    await bot.until(lambda: not bot.stub.live(62))


async def test_help_privacy_and_unknown_commands(bot: Bot) -> None:
    [helped] = await bot.say(91, "/help")
    assert helped["text"].startswith(text("help", "nl")) and "112" in helped["text"]
    [privacy] = await bot.say(91, "/privacy")
    assert privacy["text"] == text("privacy", "nl", months="24")
    assert "24 maanden" in privacy["text"]
    [english] = await bot.say(92, "/privacy", language="en")
    assert "Telegram itself keeps" in english["text"] and "/wis" in english["text"]
    [menu] = await bot.say(91, "/doesnotexist")
    assert menu["text"] == text("menu_question", "nl")


async def test_asking_for_english_repeats_the_last_answer_in_english(bot: Bot) -> None:
    [first] = await bot.say(95, "ik ben gisteravond verkracht")
    [again] = await bot.say(95, "kun je dat in het engels zeggen")
    assert again["text"] == bot.channel.topic_reply(bot.engine, "acute-assault", "en").text
    assert first["text"] != again["text"]
