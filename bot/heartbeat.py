"""Heartbeat file: the running bot touches it, the container health check reads its age.

A health check that needs no network: Docker runs ``python -m bot.heartbeat --check``, which
exits 0 when the file was touched less than ``--max-age`` seconds ago and 1 otherwise
(missing, stale, unreadable). The bot keeps it fresh with an asyncio task, so a hung or
dead event loop turns the container unhealthy within a few minutes.

The file is empty: only its modification time matters, so it holds no personal data.

Use in the bot::

    async with heartbeat(settings):     # or: hb = Heartbeat(path); await hb.start() ... stop()
        ...run the bot...

This module imports nothing heavy: the health check runs every 30 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.tasks import cancel

INTERVAL = 30.0  # seconds between touches
MAX_AGE = 120.0  # seconds; the check allows several missed touches before failing


def touch(path: Path) -> None:
    """Create the file if needed and set its modification time to now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=True)
    os.utime(path)  # touch() alone keeps an old mtime on some filesystems


def age(path: Path, now: float | None = None) -> float | None:
    """Seconds since the file was last touched, or None when it does not exist."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return (time.time() if now is None else now) - mtime


def check(path: Path, max_age: float = MAX_AGE, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one-line reason) for the heartbeat file at ``path``."""
    seconds = age(path, now)
    if seconds is None:
        return False, f"no heartbeat file at {path}"
    if seconds > max_age:
        return False, f"heartbeat is {seconds:.0f} s old (limit {max_age:.0f} s)"
    return True, f"heartbeat {max(seconds, 0):.0f} s ago"


class Heartbeat:
    """Touch ``path`` now and every ``interval`` seconds until stopped; remove it on stop.

    ``healthy``: asked before each touch; while it says no (the bot takes no updates, or has
    work but sends no replies), the file ages and the health check fails.
    """

    def __init__(self, path: Path, interval: float = INTERVAL,
                 healthy: Callable[[], bool] | None = None) -> None:
        self.path = path
        self.interval = interval
        self.healthy = healthy or (lambda: True)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is not None:
            return
        touch(self.path)  # healthy from the first moment, not after the first interval
        self._task = asyncio.create_task(self._loop(), name="heartbeat")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel(task)
        # A stopped bot must not look healthy to a later check.
        with contextlib.suppress(OSError):
            self.path.unlink()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if not self.healthy():
                continue
            # A full or read-only /tmp must not stop the bot; the check then fails, which is
            # exactly what should alert the operator.
            with contextlib.suppress(OSError):
                touch(self.path)


@contextlib.asynccontextmanager
async def heartbeat(settings: Settings, interval: float = INTERVAL) -> AsyncIterator[Heartbeat]:
    """Keep ``settings.heartbeat_file`` fresh while the block runs."""
    beat = Heartbeat(settings.heartbeat_file, interval)
    await beat.start()
    try:
        yield beat
    finally:
        await beat.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.heartbeat",
        description="Container health check: is the bot's heartbeat file fresh?")
    parser.add_argument("--check", action="store_true",
                        help="exit 0 if the heartbeat is fresh, else 1 (the default action)")
    parser.add_argument("--max-age", type=float, default=MAX_AGE, metavar="SECONDS",
                        help=f"oldest acceptable heartbeat (default {MAX_AGE:.0f})")
    parser.add_argument("--file", type=Path, default=None,
                        help="heartbeat file (default: BOT_HEARTBEAT_FILE)")
    args = parser.parse_args(argv)
    path: Path = args.file
    if path is None:
        try:
            path = load_settings().heartbeat_file
        except ConfigError as err:
            print(f"unhealthy: {err}", file=sys.stderr)
            return 1
    healthy, reason = check(path, args.max_age)
    print(("healthy: " if healthy else "unhealthy: ") + reason,
          file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
