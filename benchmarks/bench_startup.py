"""Start-up time and peak memory of a fresh process, medians of several runs.

- ``ready``: a process that imports the bot, loads and validates the knowledge base, builds
  the engine and prints READY; time from spawning it to reading that line.
- ``ask``: ``python -m bot ask QUESTION`` from spawn to exit (also answers and prints).
Peak RSS is the child's own ``ru_maxrss`` from ``wait4``.

    .venv/bin/python benchmarks/bench_startup.py [--json] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import KNOWLEDGE, ROOT, Row, emit, median

TARGET_S = 1.0  # with the trained models in the cache
TARGET_COLD_S = 5.0  # training them first
TARGET_MB = 200.0
CACHE = Path(tempfile.mkdtemp(prefix="hulpwijzer-bench-models-"))
QUESTION = "ik ben vorige week aangerand, waar kan ik heen?"
READY = (
    "from bot.commands.core import load_engine\n"
    "engine = load_engine()\n"
    "print('READY', len(engine.kb.topics), flush=True)\n"
)


def env(cache: str | None = None) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    out["BOT_KNOWLEDGE_DIR"] = str(KNOWLEDGE)
    out["BOT_MODEL_CACHE"] = cache or str(CACHE)
    out["PYTHONPATH"] = str(ROOT)
    return out


def run_once(argv: list[str], until: str | None, cache: str | None = None
             ) -> tuple[float, float, float]:
    """Seconds to the line starting with ``until`` (or to exit), peak RSS in MB, CPU seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env(cache), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    elapsed = None
    for line in proc.stdout:
        if until is not None and line.startswith(until):
            elapsed = time.perf_counter() - start
    _, status, usage = os.wait4(proc.pid, 0)
    if elapsed is None:
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or (until is not None and elapsed is None):
        raise RuntimeError(f"{argv[1:]} failed with exit code {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # RSS in KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    cases = {
        "ready": ([py, "-c", READY], "READY"),
        "ask": ([py, "-m", "bot", "ask", QUESTION], None),
    }
    results: dict[str, tuple[float, float, float]] = {}
    cold = [run_once(*cases["ready"], cache="off") for _ in range(2)]
    cold_s = median([r[0] for r in cold])
    run_once(*cases["ready"])  # fills the model cache, warms .pyc files; not counted
    for name, (argv, until) in cases.items():
        runs = [run_once(argv, until) for _ in range(args.runs)]
        results[name] = tuple(median([r[i] for r in runs]) for i in range(3))  # type: ignore[assignment]
    ready_s, ready_mb, ready_cpu = results["ready"]
    ask_s, ask_mb, ask_cpu = results["ask"]
    n = f"median of {args.runs}"
    rows = [
        Row("start-up: spawn to ready, models from the cache", f"{ready_s:.2f} s",
            f"<= {TARGET_S:g} s",
            ready_s <= TARGET_S, f"{n}; CPU {ready_cpu:.2f} s"),
        Row("start-up, cold: spawn to ready, training the models", f"{cold_s:.2f} s",
            f"<= {TARGET_COLD_S:g} s", cold_s <= TARGET_COLD_S, "BOT_MODEL_CACHE=off, median of 2"),
        Row("start-up: `python -m bot ask` one question", f"{ask_s:.2f} s", f"<= {TARGET_S:g} s",
            ask_s <= TARGET_S, f"spawn to exit, {n}; CPU {ask_cpu:.2f} s"),
        Row("peak RSS: `python -m bot ask`", f"{ask_mb:.0f} MB", f"<= {TARGET_MB:g} MB",
            ask_mb <= TARGET_MB, f"ready process: {ready_mb:.0f} MB"),
    ]
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
