"""The stats store against real SQLite files: counts, migrations, WAL, retention, no personal
data on disk, and best effort when the file is locked, read-only or corrupt."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from stats_helpers import AMSTERDAM, Clock, counts, read_only, table_rows

from bot.config import Settings
from bot.events import Event
from bot.stats import FILENAME, StatsStore
from bot.stats.store import MIGRATIONS

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=AMSTERDAM)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "bot.stats" and r.levelno == logging.WARNING]


def make_store(path: Path, clock: Clock, **kwargs: object) -> StatsStore:
    options: dict[str, object] = {"retry_seconds": 0.0, "flush_seconds": 0.0,
                                  "busy_timeout": 0.05}
    options.update(kwargs)
    return StatsStore(path, clock=clock, **options)  # type: ignore[arg-type]


EVENTS = [
    Event("answered", "telegram", "nl", "acute-assault"),
    Event("answered", "telegram", "nl", "acute-assault"),
    Event("answered", "telegram", "en", "acute-assault"),
    Event("crisis", "telegram", "nl", "acute-assault"),
    Event("answered", "telegram", "nl", "online-abuse", "poster-station"),
    Event("fallback", "telegram", "nl"),
    Event("menu", "console", "en"),
    Event("helpful_yes", "telegram", "nl", "acute-assault"),
    Event("answered", "telegram", "nl", "acute-assault"),
]


def expected(events: list[Event], day: str) -> dict[tuple[str, ...], int]:
    tally: Counter[tuple[str, ...]] = Counter(
        (day, e.topic or "", e.language, e.channel, e.source or "", e.kind) for e in events)
    return dict(tally)


async def test_counts_one_row_per_combination(tmp_path: Path) -> None:
    store = make_store(tmp_path / FILENAME, Clock(NOON))
    await store.start()
    for event in EVENTS:
        await store.record(event)
    await store.close()
    stored = counts(tmp_path / FILENAME)
    assert stored == expected(EVENTS, "2026-03-09")
    assert stored[("2026-03-09", "acute-assault", "nl", "telegram", "", "answered")] == 3
    assert len(stored) == 7


async def test_a_burst_is_written_once_and_the_rest_on_close(tmp_path: Path) -> None:
    store = make_store(tmp_path / FILENAME, Clock(NOON), write_seconds=3600.0)
    await store.start()
    for event in EVENTS:
        await store.record(event)
    # Opening the store wrote (retention), so the burst waits for the next write.
    assert counts(tmp_path / FILENAME) == {}
    assert store.pending == len(EVENTS)
    await store.close()
    assert counts(tmp_path / FILENAME) == expected(EVENTS, "2026-03-09")


async def test_open_context_uses_data_dir_and_creates_it(tmp_path: Path) -> None:
    data = tmp_path / "not" / "yet"
    settings = Settings(data_dir=data, stats_retention_months=24)
    async with StatsStore.open(settings, clock=Clock(NOON), flush_seconds=0) as store:
        await store.record(EVENTS[0])
        assert store.pending == 0
    assert counts(data / FILENAME) == expected(EVENTS[:1], "2026-03-09")


async def test_counts_add_up_across_restarts_and_migrations_run_once(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    for _ in range(2):
        store = make_store(path, Clock(NOON))
        await store.start()
        await store.record(EVENTS[0])
        await store.close()
    rows = table_rows(path)
    assert rows["migrations"] == [("0001-counts", "2026-03-10"), ("0002-weeks", "2026-03-10")]
    assert counts(path) == {("2026-03-09", "acute-assault", "nl", "telegram", "", "answered"): 2}


async def test_wal_mode_is_on(tmp_path: Path) -> None:
    store = make_store(tmp_path / FILENAME, Clock(NOON))
    await store.start()
    await store.record(EVENTS[0])
    assert (tmp_path / (FILENAME + "-wal")).exists()  # while open, writes go to the WAL
    await store.close()
    db = sqlite3.connect(tmp_path / FILENAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


@pytest.mark.parametrize(("utc", "day"), [
    # Kept is the week, as its Monday, by the calendar in Leiden.
    (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "2026-03-02"),  # Monday 00:30 in Leiden (CET)
    (datetime(2026, 7, 5, 21, 59, tzinfo=UTC), "2026-06-29"),  # Sunday 23:59 (CEST)
    (datetime(2026, 7, 5, 22, 0, tzinfo=UTC), "2026-07-06"),  # Monday 00:00 (CEST)
])
async def test_the_week_is_the_week_in_amsterdam(tmp_path: Path, utc: datetime,
                                                 day: str) -> None:
    store = make_store(tmp_path / FILENAME, Clock(utc))
    await store.start()
    await store.record(EVENTS[0])
    await store.close()
    assert [key[0] for key in counts(tmp_path / FILENAME)] == [day]


async def test_retention_at_open_and_daily(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    clock = Clock(datetime(2024, 1, 15, 12, tzinfo=AMSTERDAM))
    store = make_store(path, clock, retention_months=24)
    await store.start()
    for moment in [datetime(2024, 1, 15, 12), datetime(2024, 3, 9, 12),
                   datetime(2024, 3, 10, 12), datetime(2024, 3, 11, 12)]:
        clock.moment = moment.replace(tzinfo=AMSTERDAM)
        await store.record(EVENTS[0])
    await store.close()
    # Weeks of Monday 2024-01-15, 2024-03-04 (the 9th and 10th) and 2024-03-11.
    assert sorted(k[0] for k in counts(path)) == ["2024-01-15", "2024-03-04", "2024-03-11"]

    # At open: 24 months before 2026-03-10 is 2024-03-10; weeks that began before it go.
    clock.moment = NOON
    store = make_store(path, clock, retention_months=24)
    await store.start()
    assert sorted(k[0] for k in counts(path)) == ["2024-03-11"]

    # Daily, while running: the first write of a day drops what became too old.
    clock.moment = datetime(2026, 3, 12, 9, tzinfo=AMSTERDAM)
    await store.record(EVENTS[0])
    assert sorted(k[0] for k in counts(path)) == ["2026-03-09"]
    await store.close()


CANARIES = [
    "Anna de Vries", "@anna_private", "0612345678", "+31 6 12345678", "anna@example.org",
    "987654321", "he grabbed me at the station tonight", "Zoe-Kanarie",
]
TIME_OF_DAY = re.compile(rb"\b[0-2]\d:[0-5]\d\b")


async def test_nothing_personal_or_time_of_day_reaches_disk_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / FILENAME
    clock = Clock(datetime(2026, 3, 10, 21, 47, 13, tzinfo=AMSTERDAM))
    store = make_store(path, clock, allowed_topics={"acute-assault", "online-abuse"},
                       allowed_sources={"poster-station"})
    await store.start()
    for event in EVENTS:
        await store.record(event)
    # A bug upstream that passes free text where ids belong must not put it on disk.
    for canary in CANARIES:
        await store.record(Event("answered", canary, canary, canary, canary))
        await store.record(Event("answered", "telegram", "nl", canary.lower().replace(" ", "-")))
    # Files as they are while the bot runs (-wal and -shm present) and after it stopped.
    snapshots = [{p.name: p.read_bytes() for p in tmp_path.iterdir()}]
    await store.close()
    snapshots.append({p.name: p.read_bytes() for p in tmp_path.iterdir()})
    assert {FILENAME + "-wal", FILENAME + "-shm"} <= set(snapshots[0])

    for files in snapshots:
        for name, data in files.items():
            for canary in CANARIES:
                for form in {canary, canary.lower(), canary.lower().replace(" ", "-")}:
                    assert form.encode() not in data, (name, canary)
            assert b"21:47" not in data and b"2147" not in data, name
            assert not TIME_OF_DAY.search(data), name
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    for canary in CANARIES:
        assert canary.lower() not in log_text.lower()

    rows = table_rows(path)
    assert set(rows) == {"migrations", "counts"}
    for day, topic, language, channel, source, kind, count in rows["counts"]:
        assert day == "2026-03-09"
        assert topic in {"", "acute-assault", "online-abuse", "other"}
        assert language in {"nl", "en", "other"}
        assert channel in {"telegram", "console", "other"}
        assert source in {"", "poster-station", "other"}
        assert kind in {"answered", "crisis", "fallback", "menu", "helpful_yes"}
        assert isinstance(count, int) and count > 0
    assert rows["migrations"] == [("0001-counts", "2026-03-10"), ("0002-weeks", "2026-03-10")]
    other = counts(path)[("2026-03-09", "other", "other", "other", "other", "answered")]
    assert other == len(CANARIES)
    assert len(warnings(caplog)) == 1  # one for the odd fields, not one per event


async def test_locked_database_keeps_counts_and_writes_them_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / FILENAME
    store = make_store(path, Clock(NOON))
    await store.start()
    await store.record(EVENTS[0])
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        for event in EVENTS[1:4]:
            await store.record(event)  # must not raise
        assert store.pending == 3
        assert not store.healthy
        assert len(warnings(caplog)) == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    await store.record(EVENTS[4])
    assert store.pending == 0 and store.healthy
    await store.close()
    assert counts(path) == expected(EVENTS[:5], "2026-03-09")
    assert len(warnings(caplog)) == 1


async def test_locked_at_start_then_periodic_flush_writes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / FILENAME
    sqlite3.connect(path).close()
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    store = make_store(path, Clock(NOON), flush_seconds=0.05)
    await store.start()
    await store.record(EVENTS[0])
    await store.record(EVENTS[1])
    assert store.pending == 2
    other.execute("ROLLBACK")
    other.close()
    for _ in range(100):  # the periodic flush writes without any further event
        if store.pending == 0:
            break
        await asyncio.sleep(0.02)
    assert store.pending == 0
    assert counts(path) == expected(EVENTS[:2], "2026-03-09")
    await store.close()
    assert len(warnings(caplog)) == 1


async def test_read_only_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / FILENAME
    store = make_store(path, Clock(NOON))
    await store.start()
    await store.record(EVENTS[0])
    await store.close()
    with read_only(path):
        store = make_store(path, Clock(NOON))
        await store.start()
        for event in EVENTS[1:3]:
            await store.record(event)
        assert store.pending == 2
        assert len(warnings(caplog)) == 1
    await store.record(EVENTS[3])
    assert store.pending == 0
    await store.close()
    assert counts(path) == expected(EVENTS[:4], "2026-03-09")
    assert len(warnings(caplog)) == 1


async def test_read_only_directory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with read_only(data):
        store = make_store(data / FILENAME, Clock(NOON))
        await store.start()
        for event in EVENTS[:3]:
            await store.record(event)
        assert store.pending == 3
        assert not (data / FILENAME).exists()
        assert len(warnings(caplog)) == 1
    assert await store.flush()
    await store.close()
    assert counts(data / FILENAME) == expected(EVENTS[:3], "2026-03-09")
    assert len(warnings(caplog)) == 1


async def test_corrupt_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / FILENAME
    path.write_bytes(b"this is not a database \x00\xff" * 200)
    store = make_store(path, Clock(NOON))
    await store.start()
    for event in EVENTS[:4]:
        await store.record(event)
    assert store.pending == 4
    assert len(warnings(caplog)) == 1
    assert "not usable" in warnings(caplog)[0]
    path.unlink()  # staff move the broken file away; counting resumes on the next event
    await store.record(EVENTS[4])
    assert store.pending == 0
    await store.close()
    assert counts(path) == expected(EVENTS[:5], "2026-03-09")
    assert len(warnings(caplog)) == 1


async def test_close_reports_counts_it_could_not_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / FILENAME
    path.write_bytes(b"garbage" * 100)
    store = make_store(path, Clock(NOON))
    await store.start()
    await store.record(EVENTS[0])
    await store.close()  # must not raise either
    messages = warnings(caplog)
    assert len(messages) == 2 and "1 counts could not be written" in messages[1]


async def test_a_store_with_day_counts_is_turned_into_week_counts(tmp_path: Path) -> None:
    """A store written before counts were kept per week: its days become their weeks."""
    path = tmp_path / FILENAME
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_on TEXT NOT NULL);"
                     "INSERT INTO migrations VALUES ('0001-counts', '2026-03-01');")
    for statement in MIGRATIONS[0].statements:
        db.execute(statement)
    db.executemany("INSERT INTO counts VALUES (?, 'sport', 'nl', 'telegram', '', 'answered', ?)",
                   [("2026-03-09", 2), ("2026-03-11", 1), ("2026-03-15", 3), ("2026-03-16", 4)])
    db.commit()
    db.close()
    store = make_store(path, Clock(NOON))
    await store.start()
    await store.close()
    assert counts(path) == {("2026-03-09", "sport", "nl", "telegram", "", "answered"): 6,
                            ("2026-03-16", "sport", "nl", "telegram", "", "answered"): 4}
