"""How long a crisis message waits behind a queue of replies (target: under 1 s).

The real Telegram channel (``serve``: our update intake, the rate limiter, the handlers) runs
against the Bot API stand-in on 127.0.0.1. 900 people write at once, so 900 replies queue
behind Telegram's 30 messages a second (half a minute of sending); then one person writes a
crisis message. Measured: from the moment the crisis message is in the stand-in's queue to
the moment its reply arrives there, over a few runs, and how many of the 900 were out by then.

    .venv/bin/python benchmarks/bench_crisis_queue.py [--json] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime

from _common import KNOWLEDGE, ROOT, Row, emit

sys.path.insert(0, str(ROOT / "tests"))
from botapi_stub import BotApiStub

from bot.channels.telegram import TelegramChannel, build_application
from bot.channels.telegram_run import Progress, serve
from bot.config import Settings
from bot.core.engine import Engine
from bot.events import NullSink
from bot.knowledge_files import load_knowledge

TOKEN = "123456789:AAHbenchTokenBenchTokenBench_bench-XYZ"
QUEUE = 900
CRISIS = "ik sta op het dak en ik ga springen"


async def one_run(engine: Engine) -> tuple[float, int]:
    stub = BotApiStub(TOKEN).start()
    settings = Settings(telegram_token=TOKEN, telegram_api_url=stub.api_url)
    sink = NullSink()
    channel = TelegramChannel(lambda: engine, sink, datetime.now)
    app = build_application(settings, lambda: engine, sink, datetime.now, channel=channel)
    stop, progress = asyncio.Event(), Progress()
    task = asyncio.create_task(serve(app, channel, settings, progress, stop=stop))
    try:
        while progress.poller is None:
            await asyncio.sleep(0.01)
        for chat in range(10_000, 10_000 + QUEUE):
            stub.message(chat, "Ik wil met iemand praten")
        while len(stub.calls_of("sendMessage")) < 30:  # the queue is being worked off
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        stub.message(1, CRISIS)
        while not stub.sent(1):
            await asyncio.sleep(0.005)
        waited = time.perf_counter() - started
        before = sum(1 for chat in range(10_000, 10_000 + QUEUE) if stub.sent(chat))
        return waited, before
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        stub.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    engine = Engine(load_knowledge(KNOWLEDGE), "leiden")
    assert engine.answer(CRISIS, datetime.now()).crisis
    results = [asyncio.run(one_run(engine)) for _ in range(args.runs)]
    worst = max(w for w, _ in results)
    emit([
        Row("crisis reply behind 900 queued replies (worst)", f"{worst * 1000:.0f} ms",
            "<= 1000 ms", worst <= 1.0,
            f"median {statistics.median(w for w, _ in results) * 1000:.0f} ms of "
            f"{args.runs} runs; queued replies already out then: "
            f"{', '.join(str(b) for _, b in results)} of {QUEUE}"),
    ], args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
