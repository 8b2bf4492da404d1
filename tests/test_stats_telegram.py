"""Counting end to end: the real Telegram Application, polling a Bot API stand-in on 127.0.0.1,
records into a real StatsStore. A scripted conversation full of canaries (names, ids, phone
numbers, e-mail addresses, typed text) must leave only the right counts on disk, nothing
personal and no time of day in any file or log; a corrupt or locked store must not stop
the answers."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botapi_stub import BotApiStub, wait_until
from stats_helpers import AMSTERDAM, counts

from bot.channels.telegram import TelegramChannel, build_application
from bot.channels.telegram_run import Progress, serve
from bot.config import Settings
from bot.core.engine import Engine
from bot.knowledge_files import load_knowledge
from bot.logging_setup import configure_logging
from bot.stats import FILENAME, StatsStore

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHstatsCanaryTokenCanaryToken_xyz-QW"
NIGHT = datetime(2026, 12, 2, 21, 47, 13, tzinfo=AMSTERDAM)
DAY = "2026-11-30"  # the Monday of the week of 2026-12-02: counts are kept per week

CANARY_ID = 424242427
CANARY_USER: dict[str, Any] = {"id": CANARY_ID, "is_bot": False, "first_name": "Kanarie",
               "last_name": "Vogelaar", "username": "kanarie_vogel", "language_code": "nl"}
CANARIES = {
    "name": "Marijke Zwanenburg", "phone": "0612398745", "email": "marijke.z@example.org",
    "street": "Breestraat 117", "attacker": "Hendrik Klaassen",
}
FORBIDDEN = [*CANARIES.values(), str(CANARY_ID), "Kanarie", "Vogelaar",
             "kanarie_vogel", TOKEN, TOKEN.split(":")[1], "gisteren", "verkracht"]
TIME_OF_DAY = re.compile(rb"\b[0-2]\d:[0-5]\d\b")


def clock() -> datetime:
    return NIGHT


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge(ROOT / "knowledge"), "leiden")


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """The bot's real logging set-up at its most talkative level, restored afterwards."""
    names = ["", "telegram", "httpx", "httpcore"]
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    stream = io.StringIO()
    configure_logging(Settings(telegram_token=TOKEN), stream, level="DEBUG")
    try:
        yield stream
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        for handler in root.handlers:
            handler.filters.clear()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def running_bot(stub: BotApiStub, engine: Engine, settings: Settings,
                      store: StatsStore) -> AsyncIterator[None]:
    channel = TelegramChannel(lambda: engine, store, clock)
    app = build_application(settings, lambda: engine, store, clock, channel=channel)
    stop, progress = asyncio.Event(), Progress()
    task = asyncio.create_task(serve(app, channel, settings, progress, stop=stop))
    await wait_until(lambda: progress.poller is not None or task.done())
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    return await wait_until(check, timeout)


async def say(stub: BotApiStub, chat: int, words: str, **kwargs: Any) -> dict[str, Any]:
    """Send a message and wait for the bot's (last) reply to it."""
    before = len(stub.sent(chat))
    stub.message(chat, words, **kwargs)
    await until(lambda: len(stub.sent(chat)) > before)
    await asyncio.sleep(0.1)  # a long answer may come in parts
    return stub.sent(chat)[-1]


def last_bot_message(stub: BotApiStub, chat: int) -> dict[str, Any]:
    live = stub.live(chat)
    return live[max(i for i, m in live.items() if m["from"]["is_bot"])]


def expected_free_text(engine: Engine, words: str) -> tuple[str, str]:
    """(kind, topic) as the core's reply says: crisis, clarification, fallback or answered."""
    reply = engine.answer(words, NIGHT, None)
    kind = ("crisis" if reply.crisis else "clarification" if reply.clarify
            else "fallback" if reply.fallback else "answered")
    return kind, reply.shown_topic or (reply.topics[0] if reply.topics else "")


def store_files(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}


async def test_conversation_leaves_only_counts(
    engine: Engine, tmp_path: Path, logs: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data_dir = tmp_path / "data"
    stub = BotApiStub(TOKEN).start()
    settings = Settings(telegram_token=TOKEN, telegram_api_url=stub.api_url, data_dir=data_dir)
    campaign = sorted(engine.kb.campaigns)[0]
    chat, other = CANARY_ID, 515151
    told = "Ik ben gisteren verkracht door {attacker}. Wat moet ik doen?".format(**CANARIES)
    details = ("Ik ben {name}, bel me op {phone} of mail {email}, ik woon op {street}."
               ).format(**CANARIES)
    crisis = "ik wil niet meer leven"
    english = "someone is spreading my nudes online"
    want: Counter[tuple[str, ...]] = Counter()

    def count(kind: str, topic: str, lang: str, source: str) -> None:
        want[(DAY, topic, lang, "telegram", source, kind)] += 1

    snapshots: list[dict[str, bytes]] = []
    try:
        async with StatsStore.open(settings, clock=clock, allowed_topics=engine.kb.topics,
                                   allowed_sources=engine.kb.campaigns, flush_seconds=0) as store:
            async for _ in running_bot(stub, engine, settings, store):
                await say(stub, chat, f"/start {campaign}", user=CANARY_USER)
                count("menu", "", "nl", campaign)
                await say(stub, chat, told, user=CANARY_USER)
                answer_id = last_bot_message(stub, chat)["message_id"]
                kind, topic = expected_free_text(engine, told)
                count(kind, topic, "nl", campaign)
                await say(stub, chat, details, user=CANARY_USER)  # whatever it answers
                count(*expected_free_text(engine, details), "nl", campaign)
                await say(stub, chat, crisis, user=CANARY_USER)
                kind, crisis_topic = expected_free_text(engine, crisis)
                assert kind == "crisis"
                count(kind, crisis_topic, "nl", campaign)
                await say(stub, chat, "/privacy", user=CANARY_USER)  # counts nothing
                assert topic, "the assault message should lead to a topic"
                stub.press(chat, answer_id, f"f:y:{topic}")
                await until(lambda: stub.calls_of("editMessageReplyMarkup"))
                count("helpful_yes", topic, "nl", campaign)
                stub.message(chat, "/wis", user=CANARY_USER)
                await until(lambda: not stub.live(chat))
                count("quick_exit", "", "nl", campaign)
                await say(stub, other, english, language="en")
                kind, en_topic = expected_free_text(engine, english)
                count(kind, en_topic, "en", "")
                await until(lambda: store.pending == 0)
                snapshots.append(store_files(data_dir))  # with -wal and -shm, while running
    finally:
        stub.stop()
    snapshots.append(store_files(data_dir))

    assert counts(data_dir / FILENAME) == dict(want)
    assert {FILENAME + "-wal", FILENAME + "-shm"} <= set(snapshots[0])
    for files in snapshots:
        for name, data in files.items():
            for secret in FORBIDDEN:
                assert secret.encode() not in data, (name, secret)
                assert secret.lower().encode() not in data, (name, secret)
            assert not TIME_OF_DAY.search(data), name
            assert b"21:47" not in data and b"2147" not in data, name
    log_text = logs.getvalue() + "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "Application started" in log_text, "the logs were captured"
    for secret in FORBIDDEN:
        assert secret not in log_text, secret
    # aiosqlite logs each statement with its values at DEBUG: a stats write is one person's.
    assert "INSERT" not in log_text and crisis_topic not in log_text


@pytest.mark.parametrize("trouble", ["corrupt", "locked"])
async def test_a_broken_store_does_not_stop_answers(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture, trouble: str
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    path = data_dir / FILENAME
    lock: sqlite3.Connection | None = None
    if trouble == "corrupt":
        path.write_bytes(b"\x13\x37 definitely not sqlite " * 500)
    else:
        sqlite3.connect(path).close()
        lock = sqlite3.connect(path, isolation_level=None, timeout=0)
        lock.execute("PRAGMA locking_mode=EXCLUSIVE")
        lock.execute("BEGIN EXCLUSIVE")
    stub = BotApiStub(TOKEN).start()
    settings = Settings(telegram_token=TOKEN, telegram_api_url=stub.api_url, data_dir=data_dir)
    questions = ["Ik wil met iemand praten", "someone is spreading my nudes online"]
    try:
        async with StatsStore.open(settings, clock=clock, retry_seconds=0, flush_seconds=0,
                                   busy_timeout=0.05) as store:
            async for _ in running_bot(stub, engine, settings, store):
                for number, words in enumerate(questions, start=1):
                    reply = await say(stub, 600 + number, words)
                    assert reply["text"], "the bot answered"
                assert store.pending == len(questions)
                if lock is not None:
                    lock.execute("ROLLBACK")
                    lock.close()
                    lock = None
                else:
                    path.unlink()  # staff move the broken file away
                await say(stub, 609, "/start")
                await until(lambda: store.pending == 0)
    finally:
        stub.stop()
        if lock is not None:
            lock.close()
    stored = counts(path)
    assert sum(stored.values()) == len(questions) + 1
    store_warnings = [r for r in caplog.records
                      if r.name == "bot.stats" and r.levelno == logging.WARNING]
    assert len(store_warnings) == 1
