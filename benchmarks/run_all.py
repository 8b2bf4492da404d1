"""`make bench`: run every benchmark script, print one table, write it to benchmarks/latest.md.

Each script runs in its own process (so one's caches and memory do not colour another's) and
reports rows as JSON. The table carries the date, the machine and the load average at the
start: other work on the machine slows wall-clock figures (the CPU-time ratio less so).

    .venv/bin/python benchmarks/run_all.py [--only NAME ...] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from _common import ROOT, Row, machine

HERE = Path(__file__).resolve().parent
SCRIPTS = ["bench_accuracy", "bench_startup", "bench_matching", "bench_pipeline",
           "bench_crisis_queue"]
LATEST = HERE / "latest.md"


def run_script(name: str) -> tuple[list[Row], float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / f"{name}.py"), "--json"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith('{"rows"')]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [Row(name, "failed", ok=False, note=tail[:160])], elapsed
    return [Row(**row) for row in json.loads(lines[-1])["rows"]], elapsed


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "**no**")


def markdown(rows: list[Row], header: list[str]) -> str:
    out = [*header, "", "| metric | value | target | ok? | notes |", "|---|---|---|---|---|"]
    for r in rows:
        cells = [r.metric, r.value, r.target, mark(r.ok), r.note]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


def plain(rows: list[Row], header: list[str]) -> str:
    cols = [[r.metric, r.value, r.target, mark(r.ok).strip("*"), r.note] for r in rows]
    titles = ["metric", "value", "target", "ok?", "notes"]
    widths = [max(len(titles[i]), *(len(c[i]) for c in cols)) for i in range(4)]
    lines = [*header, ""]
    lines.append("  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=False)) + "  notes")
    lines.append("  ".join("-" * w for w in widths) + "  -----")
    for c in cols:
        lines.append("  ".join(c[i].ljust(widths[i]) for i in range(4)) + "  " + c[4])
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="*", choices=SCRIPTS, help="run only these scripts")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {LATEST.name}")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    started = datetime.now().astimezone()
    rows: list[Row] = []
    took: list[str] = []
    for name in args.only or SCRIPTS:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        script_rows, elapsed = run_script(name)
        rows += script_rows
        took.append(f"{name.removeprefix('bench_')} {elapsed:.0f} s")
    missed = [r.metric for r in rows if r.ok is False]
    header = [
        f"Benchmarks of {started:%Y-%m-%d %H:%M %Z} on {machine()}; load average at the "
        f"start {load:.2f}. Took: {', '.join(took)}.",
        "Targets met." if not missed else f"Missed: {'; '.join(missed)}.",
    ]
    print(plain(rows, header))
    if not args.no_write:
        LATEST.write_text(markdown(rows, header), encoding="utf-8")
        print(f"\nwritten to {LATEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
