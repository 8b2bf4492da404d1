"""CPU time per message through the real Telegram pipeline, against a bare python-telegram-bot app.

Both bots run as their own processes, long polling the Bot API stand-in (tests/botapi_stub.py)
on 127.0.0.1, which runs in this process. A paced load (default 20 messages a second from
300 users: dev-set texts and variants) is put in the stand-in's update queue; the bot's CPU
time (user + system, all threads, from /proc) is read from just before the first message to
just after the last reply. Runs alternate bare, ours, bare, ours..., so the ratio is taken
within one run of this script (median of the pairs).

- ours: ``python -m bot telegram`` (real handlers, rate limiter, per-chat ordering, hot-reload
  watcher, engine) with the knowledge base of this repository;
- bare: benchmarks/_bare_bot.py, one fixed line for every text.

    .venv/bin/python benchmarks/bench_pipeline.py [--json] [--messages N] [--rate R] [--pairs P]
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import KNOWLEDGE, ROOT, Row, emit, median, message_set

from bot.knowledge_files import load_knowledge

TARGET_RATIO = 1.5
TOKEN = "123456789:" + "BenchmarkTokenNotARealOne_0123456789"
USER_BASE = 5_000_000
TICK = os.sysconf("SC_CLK_TCK")


def stub_class() -> Any:
    """The Bot API stand-in lives with the tests (ImportError when it is not there)."""
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))
    return importlib.import_module("botapi_stub").BotApiStub


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def run_bot(kind: str, texts: list[str], rate: float, users: int, seed: int) -> dict[str, float]:
    stub = stub_class()(TOKEN, max_poll_wait=1.0).start()
    workdir = tempfile.TemporaryDirectory(prefix="hulpwijzer-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env |= {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": stub.api_url,
            "BOT_KNOWLEDGE_DIR": str(KNOWLEDGE), "BOT_DATA_DIR": workdir.name,
            "BOT_HEARTBEAT_FILE": str(Path(workdir.name) / "heartbeat"),
            "BOT_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    argv = ([sys.executable, "-m", "bot", "telegram"] if kind == "ours"
            else [sys.executable, str(ROOT / "benchmarks" / "_bare_bot.py")])
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not stub.calls_of("getUpdates"):
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read() if proc.stderr else ""
                raise RuntimeError(f"{kind} bot did not start: {err.strip()[-300:]}")
            time.sleep(0.02)
        time.sleep(0.5)  # let start-up work (command list, first poll) settle
        rng = random.Random(seed)
        cpu0 = cpu_seconds(proc.pid)
        start = time.monotonic()
        chats: set[int] = set()
        for i, text in enumerate(texts):
            due = start + i / rate
            time.sleep(max(0.0, due - time.monotonic()))
            chat = USER_BASE + rng.randrange(users)
            chats.add(chat)
            stub.message(chat, text or "?")
        sent_at = time.monotonic()
        last_count, last_change, cpu1 = -1, time.monotonic(), cpu0
        while time.monotonic() - last_change < 0.5 and time.monotonic() - sent_at < 60:
            count = len(stub.calls_of("sendMessage"))
            if count != last_count or stub.pending_updates():
                last_count, last_change = count, time.monotonic()
                cpu1 = cpu_seconds(proc.pid)
            time.sleep(0.05)
        answered = sum(1 for c in chats if stub.sent(c))
        return {"cpu_ms": (cpu1 - cpu0) * 1000 / len(texts), "answered": answered,
                "chats": len(chats), "sends": last_count,
                "wall_s": last_change - start}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        stub.stop()
        workdir.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--messages", type=int, default=160)
    parser.add_argument("--rate", type=float, default=20.0, help="messages a second")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    try:
        stub_class()
        import bot.channels.telegram  # noqa: F401  (the channel must be importable)
    except ImportError as err:
        emit([Row("pipeline CPU per message", "skipped",
                  note=f"channel not available: {err}")], args.json)
        return 0
    texts = message_set(load_knowledge(KNOWLEDGE), seed=11, n_variants=400)[: args.messages]
    bare: list[dict[str, float]] = []
    ours: list[dict[str, float]] = []
    for pair in range(args.pairs):
        bare.append(run_bot("bare", texts, args.rate, args.users, seed=pair))
        ours.append(run_bot("ours", texts, args.rate, args.users, seed=pair))
    ratio = median([o["cpu_ms"] / b["cpu_ms"] for o, b in zip(ours, bare, strict=True)])
    o_ms, b_ms = median([o["cpu_ms"] for o in ours]), median([b["cpu_ms"] for b in bare])
    load = (f"{len(texts)} msgs at {args.rate:g}/s from {args.users} users, "
            f"median of {args.pairs} runs")
    missing = [r for r in ours + bare if r["answered"] < r["chats"]]
    rows = [
        Row("pipeline CPU per message: Hulpwijzer", f"{o_ms:.2f} ms", note=load),
        Row("pipeline CPU per message: bare PTB app", f"{b_ms:.2f} ms",
            note="fixed line for every text"),
        Row("pipeline CPU ratio, ours / bare", f"{ratio:.2f}x", f"<= {TARGET_RATIO:g}x",
            ratio <= TARGET_RATIO and not missing,
            "ratio per pair, median" + ("; SOME CHATS GOT NO REPLY" if missing else "")),
    ]
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
