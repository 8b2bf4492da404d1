"""Editors and validate use the same JSON Schemas; every knowledge file points at its schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from bot.cli import main
from bot.knowledge_files import (
    SCHEMA_LINE_PREFIX,
    check_knowledge,
    kind_of,
    load_schemas,
    read_yaml,
    schema_line,
)
from bot.staff.schema_lines import add_missing
from tests.helpers import KNOWLEDGE, copy_knowledge

FILES = sorted(p for p in KNOWLEDGE.rglob("*") if p.suffix in (".yaml", ".yml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(KNOWLEDGE)))
def test_every_file_starts_with_its_schema_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(SCHEMA_LINE_PREFIX)
    target = (path.parent / first.removeprefix(SCHEMA_LINE_PREFIX)).resolve()
    kind = kind_of(path, None)
    assert kind is not None
    assert target == (KNOWLEDGE / "schema" / f"{kind}.schema.json").resolve()
    assert target.is_file()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(KNOWLEDGE)))
def test_the_schema_an_editor_reads_accepts_the_file(path: Path) -> None:
    """What an editor checks (the file named in line 1) agrees with validate."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    schema = json.loads((path.parent / first.removeprefix(SCHEMA_LINE_PREFIX))
                        .read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = read_yaml(path, str(path), [])
    jsonschema.Draft202012Validator(schema).validate(data)


def test_validate_reads_the_schemas_from_the_knowledge_folder(tmp_path: Path) -> None:
    """A stricter schema in the folder is obeyed: the files are the one source of truth."""
    kb_dir = copy_knowledge(tmp_path)
    schema_path = kb_dir / "schema" / "topic.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["properties"]["id"]["maxLength"] = 5
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    kb, problems = check_knowledge(kb_dir)
    assert kb is None
    assert any(p.file.endswith("bystander.yaml") and "id:" in p.message for p in problems)
    assert load_schemas(kb_dir)["topic"]["properties"]["id"]["maxLength"] == 5


def test_a_wrong_type_is_refused_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb_dir = copy_knowledge(tmp_path)
    topic = kb_dir / "topics" / "bystander.yaml"
    lines = topic.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("services:"))
    lines[at] = "services: csg"  # a list is expected
    topic.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(kb_dir)]) == 1
    err = capsys.readouterr().err
    assert re.search(rf"{re.escape(str(topic))}:{at + 1}: services: 'csg' is not of type "
                     "'array'", err), err


def test_a_missing_schema_line_warns_and_the_script_adds_only_that(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb_dir = copy_knowledge(tmp_path)
    topic = kb_dir / "topics" / "sport.yaml"
    services = kb_dir / "services" / "leiden.yaml"
    body_topic = topic.read_text(encoding="utf-8").split("\n", 1)[1]
    body_services = services.read_bytes().split(b"\n", 1)[1]
    topic.write_text(body_topic, encoding="utf-8")
    services.write_bytes(body_services)

    assert main(["validate", str(kb_dir)]) == 0  # a warning, not a failure
    err = capsys.readouterr().err
    assert f"{topic}:1: warning: first line should be " in err
    assert f"{services}:1: warning: first line should be " in err

    assert add_missing(kb_dir) == [services, topic]
    assert topic.read_text(encoding="utf-8") == (
        f"{SCHEMA_LINE_PREFIX}../schema/topic.schema.json\n{body_topic}")
    assert services.read_bytes() == (
        f"{SCHEMA_LINE_PREFIX}../schema/service.schema.json\n".encode() + body_services)
    assert add_missing(kb_dir) == []  # running it again changes nothing
    _, problems = check_knowledge(kb_dir)
    assert not [p for p in problems if "first line" in p.message]


def test_schema_line_paths() -> None:
    root = Path("/k")
    assert schema_line(root / "topics" / "x.yaml", root, "topic") == (
        f"{SCHEMA_LINE_PREFIX}../schema/topic.schema.json")
    assert schema_line(root / "concepts.yaml", root, "concepts") == (
        f"{SCHEMA_LINE_PREFIX}schema/concepts.schema.json")
