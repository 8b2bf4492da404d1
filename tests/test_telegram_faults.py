"""Faults the Telegram channel must survive, against the real Application and the Bot API
stand-in on 127.0.0.1: unreadable updates, kill -9, outages, slow sends, long queues.

The target in every one: no lost reply, no personal data in any log line, no outage.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botapi_stub import BotApiStub

from bot.channels.telegram import RetryingRateLimiter, TelegramChannel, build_application
from bot.channels.telegram_inbox import Inbox, Poller
from bot.channels.telegram_run import Progress, serve
from bot.config import Settings
from bot.core.engine import Engine
from bot.knowledge_files import load_knowledge
from bot.logging_setup import WITHHELD, configure_logging
from tests.test_telegram import (
    NOW,
    ROOT,
    TOKEN,
    WEBHOOK_SECRET,
    Bot,
    ListSink,
    _env,
    _reachable,
    _wait_for,
    clock,
    start_webhook,
)

CANARY_TEXT = "Kanarietekst van Annelies Kanarievogel, 06-98765432"
CANARY_USER = {"id": 987654321, "is_bot": False, "first_name": "Kanarie",
               "last_name": "Vogelaar", "username": "kanarie_user", "language_code": "nl"}
FORBIDDEN = ["Kanarietekst", "Kanarievogel", "98765432", "987654321", "Kanarie", "Vogelaar",
             "kanarie_user", TOKEN, TOKEN.split(":")[1]]
QUICK = {"first": 0.05, "longest": 0.2}  # retry waits for tests: the same rules, shorter


def unreadable_updates() -> list[dict[str, Any]]:
    """Updates python-telegram-bot cannot parse, carrying a person's data."""
    chat = {"id": CANARY_USER["id"], "type": "private", "first_name": "Kanarie"}
    return [
        {"message": {"message_id": 1, "chat": chat, "from": CANARY_USER,  # no date
                     "text": CANARY_TEXT}},
        {"poll": {"id": "p1", "question": CANARY_TEXT}},  # a poll without its newer fields
    ]


async def running(stub: BotApiStub, engine: Engine, tmp_path: Path,
                  limiter: RetryingRateLimiter | None = None,
                  sink: ListSink | None = None) -> AsyncIterator[Bot]:
    settings = Settings(telegram_token=TOKEN, telegram_api_url=stub.api_url, data_dir=tmp_path)
    sink = sink or ListSink()
    channel = TelegramChannel(lambda: engine, sink, clock)
    app = build_application(settings, lambda: engine, sink, clock, channel=channel,
                            limiter=limiter)
    stop, progress = asyncio.Event(), Progress()
    task = asyncio.create_task(serve(app, channel, settings, progress, stop=stop))
    await _until(lambda: progress.poller is not None or task.done())
    try:
        yield Bot(stub, app, sink, channel, engine, progress)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def _until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting for the bot")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge(ROOT / "knowledge"), "leiden")


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    stub = BotApiStub(TOKEN).start()
    try:
        yield stub
    finally:
        stub.stop()


# -- unreadable updates -----------------------------------------------------------------------


async def test_an_unreadable_update_is_skipped_counted_and_never_logged(
        engine: Engine, stub: BotApiStub, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    caplog.set_level(logging.DEBUG)
    configure_logging(Settings(telegram_token=TOKEN, log_level="DEBUG"), stream)
    try:
        async for bot in running(stub, engine, tmp_path):
            for body in unreadable_updates():
                stub.push_raw(body)
            [reply] = await bot.say(31, "Ik wil met iemand praten")  # same batch, after them
            assert reply["text"] == engine.answer("Ik wil met iemand praten", NOW).text
            polls = len(stub.calls_of("getUpdates"))
            await asyncio.sleep(1.5)
            assert len(stub.calls_of("getUpdates")) - polls <= 4, "no fetch loop on one batch"
            assert stub.pending_updates() == 0, "the unreadable ones were acknowledged"
            kinds = [e.kind for e in bot.sink.events]
            assert kinds.count("unreadable_update") == 2
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    logs = stream.getvalue() + "\n".join(r.getMessage() + (r.exc_text or "")
                                         for r in caplog.records)
    assert "getUpdates" in logs or "Application started" in logs, "the logs were captured"
    for secret in FORBIDDEN:
        assert secret not in logs, secret


def test_the_library_s_own_parse_error_record_is_withheld() -> None:
    """python-telegram-bot logs a batch it cannot parse at CRITICAL, whole: the root filter
    withholds such a record by what it holds, whichever logger sends it."""
    stream = io.StringIO()
    configure_logging(Settings(telegram_token=TOKEN, log_level="DEBUG"), stream)
    try:
        batch = [{"update_id": 5, **unreadable_updates()[0]}]
        logging.getLogger("telegram.ext.Updater").critical(
            "Error while parsing updates! Received data was %r", batch)
        logging.getLogger("some.other.library").debug("got %s", json.dumps(batch))
        logging.getLogger("aiosqlite").warning("executing %s", (("x", CANARY_TEXT),))
        logging.getLogger("tornado").info('data: {"text": "%s"}', CANARY_TEXT[:20])
        try:
            raise ValueError(f"bad value {batch!r}")
        except ValueError:
            logging.getLogger("tornado").exception("failed")
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    out = stream.getvalue()
    assert out.count("[...]") == 3, "arguments that are not plain words are left out"
    assert out.count(WITHHELD) == 2, "a record that looks like a payload is withheld"
    for secret in FORBIDDEN:
        assert secret not in out, secret


# -- nothing lost --------------------------------------------------------------------------


def _counts(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COALESCE(SUM(count), 0) FROM counts").fetchone()[0])


def test_kill_9_loses_no_reply_and_sigterm_writes_the_counts(tmp_path: Path) -> None:
    stub = BotApiStub(TOKEN).start()
    chats = list(range(1001, 1031))
    # The first process's replies hang: they are in flight when it is killed.
    stub.fault("sendMessage", len(chats), "slow", 20.0)
    env = _env(stub, tmp_path, BOT_LOG_LEVEL="INFO")
    first = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second = None
    try:
        _wait_for(lambda: stub.calls_of("setMyCommands"), 30)
        for chat in chats:
            stub.message(chat, "Ik wil met iemand praten")
        _wait_for(lambda: len(stub.calls_of("sendMessage")) >= 5, 20)  # received, unanswered
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        unanswered = [c for c in chats if not stub.sent(c)]
        assert stub.pending_updates() >= len(chats) - 5, "fetched, yet not acknowledged"
        second = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _wait_for(lambda: all(stub.sent(c) for c in chats), 60)
        assert unanswered, "the kill came while replies were in flight"
        _wait_for(lambda: stub.pending_updates() == 0, 20)
        started = time.monotonic()
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)
        assert time.monotonic() - started < 10 and second.returncode == 0
        assert _counts(tmp_path / "stats.sqlite3") >= len(unanswered), "counts written"
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        stub.stop()


@pytest.mark.parametrize("fault", [
    ("status", 4, 429, 1), ("status", 4, 500, None), ("status", 10, 502, None),
    ("reset", 5, 0, None),
])
async def test_outages_are_waited_out_and_answered_once(
        engine: Engine, stub: BotApiStub, tmp_path: Path,
        fault: tuple[str, int, int, int | None]) -> None:
    kind, times, status, retry_after = fault
    if kind == "status":
        stub.fail("sendMessage", times, status=status, retry_after=retry_after)
    else:
        stub.fault("sendMessage", times, "reset")
    async for bot in running(stub, engine, tmp_path, RetryingRateLimiter(**QUICK)):
        stub.message(41, "Ik wil met iemand praten")
        [reply] = await bot.sent_after(41, 0, timeout=30)
        await bot.settle()
        assert reply["text"] == engine.answer("Ik wil met iemand praten", NOW).text
        assert len(stub.sent(41)) == 1, "answered once"
        failed = [c for c in stub.calls_of("sendMessage") if c.status != 200]
        assert len(failed) == times


async def test_a_slow_send_is_not_sent_twice(engine: Engine, stub: BotApiStub,
                                             tmp_path: Path) -> None:
    stub.fault("sendMessage", 1, "slow", 12.0)
    async for bot in running(stub, engine, tmp_path):
        stub.message(42, "Ik wil met iemand praten")
        [reply] = await bot.sent_after(42, 0, timeout=30)
        await bot.settle()
        assert reply["text"]
        # received once (0: the stand-in marks a call it delays), carried out once
        assert [c.status for c in stub.calls_of("sendMessage")] == [0, 200]


async def test_a_reply_that_could_not_be_delivered_comes_with_the_next_message(
        engine: Engine, stub: BotApiStub, tmp_path: Path) -> None:
    stub.fail("sendMessage", 1000, status=502)
    limiter = RetryingRateLimiter(budget=0.5, **QUICK)
    async for bot in running(stub, engine, tmp_path, limiter):
        stub.message(43, "Ik wil met iemand praten")
        await bot.settle()
        assert not stub.sent(43)
        stub._failures.clear()
        later = "I want to report it to the police"
        replies = await bot.say(43, later, count=2)
        assert replies[0]["text"] == engine.answer("Ik wil met iemand praten", NOW).text
        assert replies[1]["text"] == engine.answer(later, NOW).text


# -- crisis first, every message answered -----------------------------------------------------


async def test_a_crisis_reply_jumps_a_queue_of_900_replies(
        engine: Engine, stub: BotApiStub, tmp_path: Path) -> None:
    crisis = "ik sta op het dak en ik ga springen"
    assert engine.answer(crisis, NOW).crisis
    async for _bot in running(stub, engine, tmp_path):
        for chat in range(2000, 2900):
            stub.message(chat, "Ik wil met iemand praten")
        await _until(lambda: len(stub.calls_of("sendMessage")) >= 30)
        stub.message(3000, crisis)
        await _until(lambda: stub.sent(3000), 20)
        answered = sum(1 for chat in range(2000, 2900) if stub.sent(chat))
        assert answered < 300, f"the crisis reply waited behind {answered} replies"
        assert stub.sent(3000)[0]["text"] == engine.answer(crisis, NOW).text
        polls = len(stub.calls_of("getUpdates"))
        await asyncio.sleep(1.0)  # replies still going out, nothing new coming in
        assert len(stub.calls_of("getUpdates")) - polls <= 10, "no tight loop of polls"


async def test_an_edited_message_is_answered_like_a_new_one(
        engine: Engine, stub: BotApiStub, tmp_path: Path) -> None:
    async for bot in running(stub, engine, tmp_path):
        sent = stub.message(44, "hoi")
        await bot.sent_after(44, 0)
        edited = {**sent, "text": "Ik wil met iemand praten", "edit_date": int(time.time())}
        with stub._cond:
            stub._push({"edited_message": edited})
        [reply] = await bot.sent_after(44, 1)
        assert reply["text"] == engine.answer("Ik wil met iemand praten", NOW).text


# -- health --------------------------------------------------------------------------------


async def test_health_fails_when_nothing_is_fetched_or_answered(tmp_path: Path,
                                                                engine: Engine) -> None:
    settings = Settings(telegram_token=TOKEN, data_dir=tmp_path)
    app = build_application(settings, lambda: engine, ListSink(), clock)
    inbox = Inbox(app, lambda update: False, lambda: asyncio.sleep(0))
    poller = Poller("http://127.0.0.1:9/bot", TOKEN, inbox)
    progress = Progress(inbox, poller, stall=60.0)
    try:
        assert progress.healthy()
        poller.last_fetch -= 61
        assert not progress.healthy(), "no update fetched for a minute"
        poller.last_fetch += 61
        inbox._open[1] = asyncio.get_running_loop().create_future()  # work in hand
        inbox.last_progress -= 61
        assert not progress.healthy(), "work, but no reply for a minute"
        inbox.last_progress += 61
        assert progress.healthy()
    finally:
        await poller.close()


# -- webhook -------------------------------------------------------------------------------


def test_webhook_skips_unreadable_updates_and_logs_nothing_of_them(tmp_path: Path) -> None:
    stub = BotApiStub(TOKEN).start()
    proc, port = start_webhook(stub, tmp_path)
    url = f"http://127.0.0.1:{port}/telegram"
    headers = {"Content-Type": "application/json",
               "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    try:
        _wait_for(lambda: stub.webhook, 30)
        _wait_for(lambda: _reachable(url), 10)
        for n, body in enumerate(unreadable_updates(), start=1):
            answer = httpx.post(url, content=json.dumps({"update_id": n, **body}),
                                headers=headers, timeout=10)
            assert answer.status_code == 200, "skipped, not refused (no redelivery loop)"
        assert httpx.post(url, content="{not json", headers=headers).status_code == 200
        good = {"update_id": 9, "message": {
            "message_id": 5, "date": int(time.time()), "text": "Ik wil met iemand praten",
            "chat": {"id": 82, "type": "private", "first_name": "T"},
            "from": {"id": 82, "is_bot": False, "first_name": "T", "language_code": "nl"}}}
        answer = httpx.post(url, content=json.dumps(good), headers=headers, timeout=30)
        assert answer.status_code == 200
        assert stub.sent(82), "answered before Telegram hears it was received"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert proc.returncode == 0
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert "DEBUG" in err, "the logs were captured at DEBUG"
        for secret_text in FORBIDDEN:
            assert secret_text not in err, secret_text
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stub.stop()


def test_sigterm_during_a_stall_stops_cleanly_and_the_update_comes_back(tmp_path: Path) -> None:
    """Telegram hangs on every send: SIGTERM still ends the bot within 10 s with exit 0, and
    the unanswered update is not acknowledged, so the next start answers it."""
    stub = BotApiStub(TOKEN).start()
    stub.fault("sendMessage", 1, "slow", 30.0)
    env = _env(stub, tmp_path, BOT_LOG_LEVEL="INFO")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: stub.calls_of("setMyCommands"), 30)
        stub.message(1101, "Ik wil met iemand praten")
        _wait_for(lambda: stub.calls_of("sendMessage"), 20)  # received, hanging
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert time.monotonic() - started < 10
        assert proc.returncode == 0
        assert proc.stderr is not None
        assert "Traceback" not in proc.stderr.read()
        assert stub.pending_updates() == 1, "not acknowledged: Telegram keeps it"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stub.stop()
