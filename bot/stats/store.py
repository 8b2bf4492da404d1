"""The counting store: one SQLite file of anonymous day counts, written best effort.

Each row is a counter for one combination of (week, topic, language, channel, source, kind).
The week is kept as the date of its Monday in Europe/Amsterdam (the column is still called
``day``), never a day or a time: in a quiet hour, or a quiet day, one count could be one
person. Nothing else about a conversation is kept. Reports hide what is below ``k`` (see
:mod:`bot.stats.report`). Counting must never get in the way of answering, so every
database problem (missing, locked, read-only, full, corrupt) is caught here: the store logs one
warning, keeps the counts in memory and writes them once the file is usable again (on a later
event or the periodic flush).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import aiosqlite

from bot.clock import Clock, months_before, now, today, week_of
from bot.config import Settings
from bot.events import EVENT_KINDS, Event

FILENAME = "stats.sqlite3"
OTHER = "other"  # what a field that does not look like an id is counted as

Key = tuple[str, str, str, str, str, str]  # day, topic, language, channel, source, kind

log = logging.getLogger("bot.stats")

_ID = re.compile(r"[a-z][a-z0-9-]{0,47}")
_LANGUAGE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True)
class Migration:
    name: str
    statements: tuple[str, ...]


# Named, append-only: a new schema change is a new entry, never an edit of an old one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001-counts", (
        """CREATE TABLE counts (
            day TEXT NOT NULL
                CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
            topic TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL,
            channel TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            count INTEGER NOT NULL CHECK (count > 0),
            PRIMARY KEY (day, topic, language, channel, source, kind)
        ) WITHOUT ROWID""",
    )),
    # Counts per week instead of per day: a day's rows become their week's.
    Migration("0002-weeks", (
        """CREATE TABLE counts_weekly (
            day TEXT NOT NULL
                CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
            topic TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL,
            channel TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            count INTEGER NOT NULL CHECK (count > 0),
            PRIMARY KEY (day, topic, language, channel, source, kind)
        ) WITHOUT ROWID""",
        """INSERT INTO counts_weekly
           SELECT date(day, '-6 days', 'weekday 1'), topic, language, channel, source, kind,
                  SUM(count)
           FROM counts GROUP BY 1, topic, language, channel, source, kind""",
        "DROP TABLE counts",
        "ALTER TABLE counts_weekly RENAME TO counts",
    )),
)

_UPSERT = """INSERT INTO counts (day, topic, language, channel, source, kind, count)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (day, topic, language, channel, source, kind)
DO UPDATE SET count = count + excluded.count"""




class StatsStore:
    """An :class:`bot.events.EventSink` that counts events in ``path``; ``record`` never raises.

    Use ``async with StatsStore.open(settings) as store:`` (or ``start()``/``close()``).
    ``allowed_topics``/``allowed_sources``, when given, are the only ids counted by name;
    anything else is counted as ``"other"`` so a bug upstream can never put free text on disk.
    """

    def __init__(
        self,
        path: Path,
        *,
        retention_months: int = 24,
        clock: Clock = now,
        retry_seconds: float = 30.0,
        flush_seconds: float = 60.0,
        busy_timeout: float = 0.5,
        allowed_topics: Iterable[str] | None = None,
        allowed_sources: Iterable[str] | None = None,
        write_seconds: float = 0.0,
    ) -> None:
        self.path = Path(path)
        self._write_seconds = write_seconds
        self._last_write = -float("inf")
        self.retention_months = retention_months
        self._clock = clock
        self._retry_seconds = retry_seconds
        self._flush_seconds = flush_seconds
        self._busy_timeout = busy_timeout
        self._topics = frozenset(allowed_topics) if allowed_topics is not None else None
        self._sources = frozenset(allowed_sources) if allowed_sources is not None else None
        self._pending: dict[Key, int] = {}
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._failing = False  # True from the first failure until a write succeeds again
        self._last_failure = -float("inf")
        self._retention_day: date | None = None
        self._warned_field = False
        self._task: asyncio.Task[None] | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        *,
        clock: Clock = now,
        allowed_topics: Iterable[str] | None = None,
        allowed_sources: Iterable[str] | None = None,
        retry_seconds: float = 30.0,
        flush_seconds: float = 60.0,
        busy_timeout: float = 0.5,
    ) -> AsyncIterator[StatsStore]:
        """The store at ``settings.data_dir/stats.sqlite3``, started, closed on exit."""
        store = cls(
            Path(settings.data_dir) / FILENAME,
            retention_months=settings.stats_retention_months,
            clock=clock,
            retry_seconds=retry_seconds,
            flush_seconds=flush_seconds,
            busy_timeout=busy_timeout,
            allowed_topics=allowed_topics,
            allowed_sources=allowed_sources,
        )
        await store.start()
        try:
            yield store
        finally:
            await store.close()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the file (migrations, retention) and start the periodic flush; never raises."""
        async with self._lock:
            await self._attempt(self._connect)
        if self._flush_seconds > 0 and self._task is None:
            self._task = asyncio.create_task(self._periodic(), name="stats-flush")

    async def close(self) -> None:
        """Stop the periodic flush, write what is pending (if possible) and close the file."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush(force=True)
        lost = self.pending
        if lost:
            log.warning("stats store %s: %d counts could not be written and are lost",
                        self.path, lost)
        async with self._lock:
            await self._disconnect()

    # -- counting --------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """How many counts are waiting in memory to be written."""
        return sum(self._pending.values())

    @property
    def healthy(self) -> bool:
        return not self._failing

    async def record(self, event: Event) -> None:
        """Count the event; never raises (the bot's answer comes first)."""
        try:
            key = self._key(event)
            if key is None:
                return
            self._pending[key] = self._pending.get(key, 0) + 1
            # Counts are written at most every ``write_seconds``: one write for a burst of
            # messages instead of one per message (the periodic flush and close() write
            # whatever is left).
            if time.monotonic() - self._last_write >= self._write_seconds:
                await self.flush()
        except Exception:  # counting must never break answering
            log.exception("stats: could not count an event")

    async def flush(self, *, force: bool = False) -> bool:
        """Write pending counts; True when none are left. Retries wait ``retry_seconds``."""
        waiting = time.monotonic() - self._last_failure < self._retry_seconds
        if self._failing and waiting and not force:
            return False
        async with self._lock:
            if self._db is None and not await self._attempt(self._connect):
                return False
            if self._pending or self._retention_day != today(self._clock):
                await self._attempt(self._write)
            return not self._pending

    def _key(self, event: Event) -> Key | None:
        if event.kind not in EVENT_KINDS:
            self._warn_field()
            return None
        topic = self._id(event.topic, self._topics)
        source = self._id(event.source, self._sources)
        channel = self._id(event.channel, None) or OTHER
        language = event.language if _LANGUAGE.fullmatch(event.language or "") else OTHER
        if language == OTHER and event.language:  # no language at all is no mistake
            self._warn_field()
        return (week_of(today(self._clock)).isoformat(), topic, language, channel, source,
                event.kind)

    def _id(self, value: str | None, allowed: frozenset[str] | None) -> str:
        if not value:
            return ""
        if _ID.fullmatch(value) and (allowed is None or value in allowed):
            return value
        self._warn_field()
        return OTHER

    def _warn_field(self) -> None:
        if not self._warned_field:
            self._warned_field = True
            # The value itself is never logged: it might be exactly what must not be kept.
            log.warning("stats: an event field was not a known id; counted as %r", OTHER)

    # -- database --------------------------------------------------------------------------

    async def _attempt(self, step: Callable[[], Awaitable[None]]) -> bool:
        """Run a database step; on failure warn once, drop the connection, keep the counts."""
        try:
            await step()
        except (sqlite3.Error, OSError, ValueError) as err:
            self._last_failure = time.monotonic()
            if not self._failing:
                self._failing = True
                log.warning(
                    "stats store %s is not usable (%s: %s); counting in memory and retrying",
                    self.path, type(err).__name__, err,
                )
            await self._disconnect()
            return False
        if self._failing:
            self._failing = False
            log.info("stats store %s is usable again; counts written", self.path)
        return True

    async def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = aiosqlite.connect(self.path, timeout=self._busy_timeout,
                                       isolation_level=None)
        worker = getattr(connection, "_thread", None)
        if isinstance(worker, threading.Thread) and not worker.is_alive():
            # A store nobody closed must not keep the process from exiting; every count
            # written is already committed, so stopping the thread abruptly loses nothing.
            worker.daemon = True
        db = await connection
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA secure_delete=ON")  # deleted counts leave no trace
            await self._migrate(db)
            self._db = db
            await self._write()
        except BaseException:
            self._db = None
            await db.close()
            raise

    async def _disconnect(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await db.close()

    async def _migrate(self, db: aiosqlite.Connection) -> None:
        await db.execute(
            "CREATE TABLE IF NOT EXISTS migrations"
            " (name TEXT PRIMARY KEY, applied_on TEXT NOT NULL)"
        )
        async with db.execute("SELECT name FROM migrations") as cursor:
            done = {row[0] async for row in cursor}
        for migration in MIGRATIONS:
            if migration.name in done:
                continue
            await db.execute("BEGIN IMMEDIATE")
            try:
                for statement in migration.statements:
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO migrations (name, applied_on) VALUES (?, ?)",
                    (migration.name, today(self._clock).isoformat()),  # a date: no time kept
                )
                await db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await db.execute("ROLLBACK")
                raise

    async def _write(self) -> None:
        """Add the pending counts and apply retention, in one transaction."""
        db = self._db
        assert db is not None
        batch = dict(self._pending)
        day = today(self._clock)
        retention_due = self._retention_day != day
        if not batch and not retention_due:
            return
        await db.execute("BEGIN IMMEDIATE")
        try:
            if batch:
                await db.executemany(_UPSERT, [(*key, n) for key, n in batch.items()])
            if retention_due:
                cutoff = months_before(day, self.retention_months).isoformat()
                await db.execute("DELETE FROM counts WHERE day < ?", (cutoff,))
            await db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await db.execute("ROLLBACK")
            raise
        for key, n in batch.items():  # events counted meanwhile stay pending
            left = self._pending[key] - n
            if left:
                self._pending[key] = left
            else:
                del self._pending[key]
        if retention_due:
            self._retention_day = day
        self._last_write = time.monotonic()

    async def _periodic(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            try:
                await self.flush(force=True)
            except Exception:  # the loop must outlive any surprise
                log.exception("stats: periodic flush failed")
