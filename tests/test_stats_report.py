"""Staff reports from real store files: grouping, periods, suppression, merge, chart, CLI.

SPEC's stored cells (week, topic, language, channel, source, kind), with k = 5:
W10 acute nl answered 6 (kept), acute en poster answered 2, online nl answered 3, online nl
crisis 1; W11 online en answered 5 (kept), fallback nl 7 (kept); W14 nightlife nl flyer 4.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
from datetime import date, datetime
from pathlib import Path

import pytest
from stats_helpers import AMSTERDAM, Clock

from bot.cli import main
from bot.events import Event, EventKind
from bot.stats import FILENAME, StatsStore
from bot.stats.chart import OTHER_GROUP, group_of, weekly_groups
from bot.stats.report import Query, build_report, format_csv, format_json
from bot.stats.report import load_daily as load

Spec = list[tuple[str, str, str, EventKind, str | None, int]]  # day, topic, lang, kind, source, n


async def fill(path: Path, spec: Spec) -> None:
    """Record the events through the real store, one day at a time."""
    clock = Clock(datetime(2026, 1, 1, 12, tzinfo=AMSTERDAM))
    store = StatsStore(path, clock=clock, flush_seconds=0, retention_months=120)
    await store.start()
    for day, topic, language, kind, source, n in spec:
        clock.moment = datetime.combine(date.fromisoformat(day), datetime.min.time(),
                                        AMSTERDAM).replace(hour=14)
        for _ in range(n):
            await store.record(Event(kind, "telegram", language, topic or None, source))
    await store.close()


SPEC: Spec = [
    ("2026-03-02", "acute-assault", "nl", "answered", None, 6),
    ("2026-03-03", "acute-assault", "en", "answered", "poster-station", 2),
    ("2026-03-04", "online-abuse", "nl", "answered", None, 3),
    ("2026-03-04", "online-abuse", "nl", "crisis", None, 1),
    ("2026-03-10", "online-abuse", "en", "answered", None, 5),
    ("2026-03-10", "", "nl", "fallback", None, 7),
    ("2026-04-01", "nightlife", "nl", "answered", "flyer-horeca", 4),
]


@pytest.fixture
async def store_dir(tmp_path: Path) -> Path:
    await fill(tmp_path / FILENAME, SPEC)
    return tmp_path


def run_cli(args: list[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setenv("BOT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BOT_STATS_MIN_COUNT", raising=False)
    code = main(["stats", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_by_topic_hides_small_counts(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([], store_dir, monkeypatch, capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["topic", "count"]
    body = {line.split()[0]: line.split()[1] for line in lines[2:-1]}
    # answered only by default; only stored cells of 5 or more count: acute 6, online 5
    assert body == {"acute-assault": "6", "online-abuse": "5"}
    assert lines[-1] == "(groups of fewer than 5 are left out of every count)"


def test_json_form_and_null_for_hidden(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["--json", "--group", "topic,language"], store_dir,
                           monkeypatch, capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"k", "rows"} and data["k"] == 5
    rows = {(r["topic"], r["language"]): r["count"] for r in data["rows"]}
    assert rows == {("acute-assault", "nl"): 6, ("online-abuse", "en"): 5}
    assert all(set(r) == {"topic", "language", "count"} for r in data["rows"])


def test_csv_by_week_with_kinds_and_a_higher_k(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["--csv", "--by", "week", "--group", "topic,kind", "--k", "6"],
                           store_dir, monkeypatch, capsys)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["week", "topic", "kind", "count"]
    assert sorted(rows[1:]) == sorted([
        ["2026-W10", "acute-assault", "answered", "6"],
        ["2026-W11", "", "fallback", "7"],
    ])


def test_from_to_and_month_and_source(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["--json", "--by", "month", "--group", "source", "--kind", "all",
                            "--from", "2026-03-10", "--to", "2026-04-30"],
                           store_dir, monkeypatch, capsys)
    assert code == 0
    rows = {(r["month"], r["source"]): r["count"] for r in json.loads(out)["rows"]}
    # --from a Tuesday takes its whole week (of Monday 2026-03-09) and the later ones
    assert rows == {("2026-03", ""): 12}


async def test_no_two_reports_can_be_subtracted_to_single_someone_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """11 people one week about acute assault, one of them from the poster at the station:
    the total and the total without that poster must not differ by 1."""
    await fill(tmp_path / FILENAME, [
        ("2026-03-03", "acute-assault", "nl", "answered", None, 10),
        ("2026-03-04", "acute-assault", "nl", "answered", "poster-station", 1),
    ])
    seen = []
    for group in ("topic", "topic,source", "source", "topic,language", "language,source"):
        for by in ([], ["--by", "week"], ["--by", "month"]):
            code, out, err = run_cli(["--json", "--group", group, *by], tmp_path,
                                     monkeypatch, capsys)
            assert code == 0, err
            seen.extend(r["count"] for r in json.loads(out)["rows"])
    assert seen and set(seen) == {10}, "every report shows 10: the one person is in none"
    for k in ("1", "4"):
        code, _, err = run_cli(["--k", k], tmp_path, monkeypatch, capsys)
        assert code == 2 and "--k must be at least 5" in err
    monkeypatch.setenv("BOT_STATS_MIN_COUNT", "1")
    assert main(["stats"]) != 0, "the environment cannot lower k either"
    assert "BOT_STATS_MIN_COUNT" in capsys.readouterr().err


async def test_merge_adds_before_suppressing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    await fill(a, [("2026-03-02", "sport", "nl", "answered", None, 3),
                   ("2026-03-02", "student", "nl", "answered", None, 1)])
    await fill(b, [("2026-03-05", "sport", "en", "answered", None, 3),
                   ("2026-03-05", "student", "nl", "answered", None, 2),
                   ("2026-03-05", "sport", "nl", "answered", None, 2)])
    for single in (a, b):
        code, out, _ = run_cli(["--json", "--merge", str(single)], tmp_path, monkeypatch,
                               capsys)
        assert code == 0
        assert json.loads(out)["rows"] == []
    code, out, _ = run_cli(["--json", "--merge", str(a), str(b)], tmp_path, monkeypatch, capsys)
    assert code == 0
    assert {r["topic"]: r["count"] for r in json.loads(out)["rows"]} == {"sport": 5}


def test_csv_and_json_formatters_agree(store_dir: Path) -> None:
    query = Query(group=("topic", "kind"), kinds=None)
    report = build_report(load([store_dir / FILENAME], query), query, 5)
    from_csv = {(r["topic"], r["kind"]): r["count"]
                for r in csv.DictReader(io.StringIO(format_csv(report)))}
    from_json = {(r["topic"], r["kind"]): r["count"]
                 for r in json.loads(format_json(report))["rows"]}
    assert from_csv.keys() == from_json.keys()
    for key, value in from_json.items():
        assert from_csv[key] == str(value)
    assert from_json == {("acute-assault", "answered"): 6, ("online-abuse", "answered"): 5,
                         ("", "fallback"): 7}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_png(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = store_dir / "weekly.png"
    code, _, err = run_cli(["--chart", str(chart)], store_dir, monkeypatch, capsys)
    assert code == 0, err
    width, height = png_size(chart)
    assert width >= 800 and height >= 300


def test_chart_with_no_counts_is_still_a_png(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = store_dir / "empty.png"
    code, out, _ = run_cli(["--chart", str(chart), "--from", "2025-01-01", "--to", "2025-02-01"],
                           store_dir, monkeypatch, capsys)
    assert code == 0 and "no counts" in out
    png_size(chart)


def test_topic_groups_add_up_per_week(store_dir: Path) -> None:
    assert group_of("acute-assault") == group_of("past-assault")
    assert group_of("domestic-abuse") == group_of("child-abuse")
    assert group_of("nightlife") == group_of("street-harassment")
    assert group_of("bystander") == group_of("support-someone")
    assert group_of("") == group_of("not-a-topic") == OTHER_GROUP
    from bot.stats.report import weekly_by_topic

    query = Query(group=("topic",), kinds=None)
    weekly = weekly_groups(weekly_by_topic(load([store_dir / FILENAME], query)))
    monday = date(2026, 3, 9)
    assert weekly[(monday, group_of("online-abuse"))] == 5
    assert weekly[(monday, OTHER_GROUP)] == 7
    assert (date(2026, 3, 2), group_of("online-abuse")) not in weekly, "3 + 1: left out"


def test_report_reads_without_changing_anything(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in store_dir.iterdir()}
    code, _, _ = run_cli(["--csv"], store_dir, monkeypatch, capsys)
    assert code == 0
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in store_dir.iterdir()}
    assert after[FILENAME] == before[FILENAME]
    # A WAL reader may leave SQLite's empty -wal and its -shm index behind; nothing else.
    assert set(after) - set(before) <= {FILENAME + "-wal", FILENAME + "-shm"}
    wal = store_dir / (FILENAME + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-13-01"], "--from must be a date"),
    (["--to", "yesterday"], "--to must be a date"),
    (["--from", "2026-04-01", "--to", "2026-03-01"], "is after --to"),
    (["--by", "year"], "--by must be week or month"),
    (["--by", "day"], "counts are kept per week"),
    (["--group", "topic,name"], "--group: unknown column 'name'"),
    (["--kind", "answered,typed"], "unknown kind 'typed'"),
    (["--k", "0"], "--k must be at least 5"),
    (["--k", "five"], "--k must be a whole number"),
    (["--chart", "out.svg"], "--chart must name a .png file"),
])
def test_bad_arguments_give_one_line(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], message: str,
) -> None:
    code, out, err = run_cli(args, store_dir, monkeypatch, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


def test_missing_and_corrupt_stores_give_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([], tmp_path / "nowhere", monkeypatch, capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no stats store at" in err
    (tmp_path / FILENAME).write_bytes(b"\x00garbage" * 300)
    code, out, err = run_cli([], tmp_path, monkeypatch, capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "is not a readable stats store" in err
