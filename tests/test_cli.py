"""The command line as a person uses it: piped chat, ask --json, eval, bad arguments."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT


def _bot(*args: str, stdin: str = "", env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60, env=env)


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return {**env, "BOT_DATA_DIR": str(data_dir), **extra}


def test_piped_chat_answers_with_the_sexual_assault_centre(tmp_path: Path) -> None:
    run = _bot("chat", stdin="ik ben gisteravond verkracht\n", env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "0800-0188" in run.stdout
    assert "Centrum Seksueel Geweld" in run.stdout


def test_run_without_token_is_the_console_chat(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "BOT_DATA_DIR": str(tmp_path)}
    run = _bot("run", stdin="I was raped last night\nthanks\n", env=env)
    assert run.returncode == 0, run.stderr
    assert "0800-0188" in run.stdout
    assert "You're welcome" in run.stdout  # small talk gets a kind short answer


def test_ask_json_one_object_per_line_in_order() -> None:
    run = _bot("ask", "--json", stdin="hoe doe ik aangifte\nhow do I report anonymously\nhoi\n")
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["language"] for r in rows] == ["nl", "en", "nl"]
    assert rows[0]["topics"][0] == "report-police"
    assert rows[1]["topics"][0] == "anonymous-report"
    assert rows[2]["fallback"] is True and rows[2]["topics"] == []
    for row in rows:
        assert set(row) == {"topics", "services", "crisis", "fallback", "language", "reply"}
        assert len(row["topics"]) <= 3
        assert row["services"], "every reply offers a way to a human"


def test_ask_with_arguments_and_crisis_flag() -> None:
    run = _bot("ask", "--json", "ik wil niet meer leven")
    row = json.loads(run.stdout)
    assert row["crisis"] is True
    assert row["reply"].split("\n")[0].count("113") >= 1


def test_eval_prints_the_figures(tmp_path: Path) -> None:
    labelled = tmp_path / "set.yaml"
    labelled.write_text(
        '- {text: "aangifte doen", lang: nl, topics: [report-police], crisis: false}\n'
        '- {text: "ik wil dood", lang: nl, topics: [suicidal], crisis: true}\n'
        '- {text: "wanneer is de markt", lang: nl, topics: [], crisis: false}\n',
        encoding="utf-8",
    )
    run = _bot("eval", str(labelled), "--json")
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert figures["crisis_recall"] == 1.0
    assert set(figures) >= {"top1", "top3", "crisis_recall", "out_of_domain", "language"}


def test_bad_arguments_give_one_line_not_a_traceback(tmp_path: Path) -> None:
    for args in (("frobnicate",), ("eval", str(tmp_path / "missing.yaml")), ("ask", "--nope")):
        run = _bot(*args)
        assert run.returncode != 0
        assert "Traceback" not in run.stderr
        assert "error" in run.stderr.lower()


def test_bad_environment_variable_is_one_line() -> None:
    run = _bot("ask", "hoi", env={"PATH": "/usr/bin:/bin", "BOT_MUNICIPALITY": "Leiden!"})
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0
    assert "BOT_MUNICIPALITY" in run.stderr


def test_the_console_knows_the_commands_numbers_and_stops_only_on_stop(tmp_path: Path) -> None:
    """The console behaves as Telegram does, and counts like it (channel "console")."""
    lines = ["/start", "1", "ik wil dat het stopt, stop", "/taal en", "/help", "/privacy",
             "/wis", "/stop", "ik ben gisteravond verkracht"]
    run = _bot("chat", "--json", stdin="\n".join(lines) + "\n", env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(rows) == 7, "/stop ends the chat; 'stop' in a sentence does not"
    menu, picked, sentence, english, helped, privacy, cleared = rows
    assert "1. " in menu["reply"] and menu["fallback"]
    assert picked["topics"] and not picked["fallback"], "a typed number picks from the menu"
    assert sentence["reply"] and sentence["language"] == "nl"
    assert english["language"] == "en" and "English" in english["reply"]
    assert "/wis" in helped["reply"] and "112" in helped["reply"]
    assert "per week" in privacy["reply"]
    assert "forgotten" in cleared["reply"]
    with sqlite3.connect(tmp_path / "stats.sqlite3") as db:
        kinds = dict(db.execute(
            "SELECT kind, SUM(count) FROM counts WHERE channel = 'console' GROUP BY kind"))
    assert kinds.get("menu", 0) >= 2 and kinds.get("quick_exit") == 1 and kinds.get("answered")


def test_chat_json_keeps_the_conversation_across_lines(tmp_path: Path) -> None:
    """A question back, then "2": the second line picks the second topic offered."""
    run = _bot("chat", "--json", stdin="hallo\n2\n", env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["fallback"], "a greeting gets the menu"
    assert second["topics"] and not second["fallback"]


def test_thanks_and_goodbye_get_a_short_warm_reply_and_a_way_to_a_person() -> None:
    run = _bot("ask", "--json", stdin="dank je wel, tot ziens\nthanks!\n")
    assert run.returncode == 0, run.stderr
    for row in (json.loads(line) for line in run.stdout.splitlines()):
        assert not row["topics"] and not row["crisis"] and not row["fallback"]
        assert row["services"], "a way to a human, always"
        assert len(row["reply"].splitlines()) <= 6


def test_asking_for_the_other_language_repeats_the_last_answer_in_it(tmp_path: Path) -> None:
    lines = ["ik ben gisteravond verkracht", "kun je dat in het engels zeggen",
             "can we speak dutch", "mijn engelse leraar zit steeds aan me"]
    run = _bot("chat", "--json", stdin="\n".join(lines) + "\n", env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    first, english, dutch, question = (json.loads(line) for line in run.stdout.splitlines())
    assert first["language"] == "nl" and english["language"] == "en"
    assert english["topics"][:1] == first["topics"][:1] == dutch["topics"][:1]
    assert dutch["language"] == "nl" and dutch["reply"] == first["reply"]
    assert question["topics"][:1] != first["topics"][:1], "a real question is not a switch"
