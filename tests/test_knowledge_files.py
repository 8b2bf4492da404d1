"""Validation of the knowledge files: every problem with file and line, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.knowledge_files import KnowledgeError, check_knowledge, load_knowledge
from tests.helpers import KNOWLEDGE, ROOT, copy_knowledge


def _errors(directory: Path) -> list[str]:
    _, problems = check_knowledge(directory)
    return [str(p) for p in problems if not p.warning]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_knowledge_is_valid() -> None:
    kb = load_knowledge(KNOWLEDGE)
    assert len(kb.topics) >= 25
    assert {"112", "113", "csg", "veilig-thuis"} <= set(kb.services)
    assert all(s.source and s.checked for s in kb.services.values())


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    k = copy_knowledge(tmp_path)
    topic = k / "topics" / "bystander.yaml"
    _replace(topic, "\ntitle:", "\ntitle: [unclosed\n  nl:")
    errors = _errors(k)
    assert len(errors) == 1
    assert errors[0].startswith(f"{topic}:")
    assert "YAML syntax" in errors[0]


def test_schema_error_names_the_key_and_its_line(tmp_path: Path) -> None:
    k = copy_knowledge(tmp_path)
    topic = k / "topics" / "evidence.yaml"
    lines = topic.read_text(encoding="utf-8").splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if line.startswith("services:"))
    lines[line_no - 1] = "services: csg"
    topic.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = _errors(k)
    assert errors == [f"{topic}:{line_no}: services: 'csg' is not of type 'array'"]


def test_duplicate_key_unknown_reference_and_phone_in_answer(tmp_path: Path) -> None:
    k = copy_knowledge(tmp_path)
    topic = k / "topics" / "sport.yaml"
    _replace(topic, "\nchecked:", "\nrelated: [nonexistent-topic]\nchecked:")
    nightlife = k / "topics" / "nightlife.yaml"
    _replace(nightlife, "services: [", "services: [no-such-service, ")
    evidence = k / "topics" / "evidence.yaml"
    text = evidence.read_text(encoding="utf-8")
    evidence.write_text(text.replace("  nl: |\n", "  nl: |\n    Bel 0800-1234567.\n", 1),
                        encoding="utf-8")
    errors = "\n".join(_errors(k))
    assert f"{topic}:" in errors and "duplicate key 'related'" in errors
    assert f"{nightlife}:" in errors and "unknown service 'no-such-service'" in errors
    assert f"{evidence}:" in errors and "holds a phone number" in errors


def test_duplicate_ids_across_files_and_missing_required_topic(tmp_path: Path) -> None:
    k = copy_knowledge(tmp_path)
    (k / "topics" / "privacy.yaml").unlink()
    extra = k / "services" / "extra.yaml"
    extra.write_text((k / "services" / "leiden.yaml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    errors = "\n".join(_errors(k))
    assert "service id 'gemeente-leiden' is already used in" in errors


def test_missing_topic_is_reported(tmp_path: Path) -> None:
    k = copy_knowledge(tmp_path)
    (k / "topics" / "privacy.yaml").unlink()
    try:
        load_knowledge(k)
    except KnowledgeError as err:
        assert "required topic 'privacy' is missing" in str(err)
    else:
        raise AssertionError("a missing topic was accepted")


def test_validate_command_refuses_a_broken_copy_without_traceback(tmp_path: Path) -> None:
    k = copy_knowledge(tmp_path)
    _replace(k / "services" / "national.yaml", "checked: 2026-11-28", "checked: 2026-13-45")
    run = subprocess.run([sys.executable, "-m", "bot", "validate", str(k)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert f"{k / 'services' / 'national.yaml'}:" in run.stderr
    ok = subprocess.run([sys.executable, "-m", "bot", "validate", str(KNOWLEDGE)], cwd=ROOT,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
