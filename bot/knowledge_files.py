"""Reading and checking the knowledge files: YAML -> :class:`KnowledgeBase`.

Every problem is reported with file and line, all at once, so staff can fix a file in one
go. Shapes are checked against the JSON Schemas in ``knowledge/schema/`` (the same files
editors use); meaning (unknown ids, missing topics, phone numbers in answers) is checked here.

Errors::

    KnowledgeError            one or more problems, each a Problem(file, line, message)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, time
from pathlib import Path
from typing import Any, cast

import jsonschema
import yaml

from bot.core.model import (
    LANGS,
    Contact,
    CrisisKind,
    CrisisLexicon,
    Hours,
    KnowledgeBase,
    Lang,
    MatchingSettings,
    Service,
    Signal,
    Text,
    Topic,
)

REQUIRED_TOPICS = (
    "emergency", "acute-assault", "past-assault", "report-police", "anonymous-report",
    "street-harassment", "online-abuse", "domestic-abuse", "child-abuse", "bystander",
    "support-someone", "student", "workplace", "nightlife", "sport", "talk-to-someone",
    "suicidal", "sexual-health", "what-counts", "own-behaviour", "legal-help", "professional",
    "evidence", "privacy", "about-leiden",
)
REQUIRED_SERVICES = ("112", "113", "csg", "luisterlijn")
BUILTIN_CONCEPTS = frozenset({"minor"})
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "schema"
_PHONE_IN_TEXT = re.compile(r"\b\d{2,4}[- ]?\d{2,4}[- ]?\d{2,4}\b|\b11[23]\b")
_DAY_KEYS = {"mon": (0,), "tue": (1,), "wed": (2,), "thu": (3,), "fri": (4,), "sat": (5,),
             "sun": (6,), "weekdays": (0, 1, 2, 3, 4), "daily": (0, 1, 2, 3, 4, 5, 6)}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {kind}{self.message}"


class KnowledgeError(Exception):
    """The knowledge files have problems; ``problems`` lists each with file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# -- YAML with line numbers ----------------------------------------------------------------


# The C parser when PyYAML has it (ten times faster; it keeps line numbers too).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = yaml.constructor.SafeConstructor()  # ints, floats, booleans, nulls


class _Located:
    """Line numbers (1-based) of a mapping's keys or a list's items."""

    line: int
    lines: dict[Any, int]


class LDict(dict[str, Any], _Located):
    pass


class LList(list[Any], _Located):
    pass


def _convert(node: yaml.Node, file: str, problems: list[Problem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LDict()
        out.line, out.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = _convert(key_node, file, problems)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                problems.append(Problem(file, line, f"duplicate key {key!r} (first on line "
                                                     f"{out.lines[key]})"))
                continue
            out[key] = _convert(value_node, file, problems)
            out.lines[key] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LList(_convert(item, file, problems) for item in node.value)
        seq.line = node.start_mark.line + 1
        seq.lines = {i: item.start_mark.line + 1 for i, item in enumerate(node.value)}
        return seq
    assert isinstance(node, yaml.ScalarNode)
    if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
        return node.value  # dates stay text; the schema checks the form
    return _SCALARS.construct_object(node)


def read_yaml(path: Path, name: str, problems: list[Problem]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        problems.append(Problem(name, 1, f"not UTF-8 text ({err.reason})"))
        return None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(Problem(name, line, f"YAML syntax: {err.problem or err}"))
        return None
    except yaml.YAMLError as err:
        problems.append(Problem(name, 1, f"YAML syntax: {err}"))
        return None
    return None if node is None else _convert(node, name, problems)


def line_of(data: Any, path: Iterable[Any]) -> int:
    """The line of the deepest part of ``path`` that can be found in the data."""
    line = getattr(data, "line", 1)
    for part in path:
        lines = getattr(data, "lines", None)
        if lines is None or part not in lines:
            break
        line = lines[part]
        data = data[part]
    return line


# -- shapes: JSON Schema -----------------------------------------------------------------------


def kind_of(path: Path, data: Any) -> str | None:
    """Which schema a file follows, from its place and its top-level keys."""
    if path.parent.name == "services" or (isinstance(data, dict) and "services" in data
                                          and "id" not in data):
        return "service"
    if path.parent.name == "topics":
        return "topic"
    if path.parent.name == "crisis-examples":
        return "crisis-examples"
    if path.stem in ("concepts", "crisis", "campaigns", "matching", "out-of-domain"):
        return path.stem
    return None


SCHEMA_LINE_PREFIX = "# yaml-language-server: $schema="


def schema_line(path: Path, directory: Path, kind: str) -> str:
    """The first line that lets editors check a file of this kind against our schema."""
    schema = directory / "schema" / f"{kind}.schema.json"
    relative = Path(os.path.relpath(schema, path.parent)).as_posix()
    return f"{SCHEMA_LINE_PREFIX}{relative}"


def _schema_line_problem(path: Path, directory: Path, kind: str, name: str) -> Problem | None:
    """A warning when a file does not start with its schema line (editors then cannot help)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        first = handle.readline().rstrip("\r\n")
    want = schema_line(path, directory, kind)
    if first == want:
        return None
    return Problem(name, 1, f"first line should be '{want}' so editors show mistakes while "
                            "typing", warning=True)


def load_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    schema_dir = directory / "schema" if (directory / "schema").is_dir() else DEFAULT_SCHEMA_DIR
    return {
        kind: json.loads((schema_dir / f"{kind}.schema.json").read_text(encoding="utf-8"))
        for kind in ("service", "topic", "concepts", "crisis", "campaigns", "crisis-examples",
                     "matching", "out-of-domain")
    }


def check_shape(data: Any, schema: dict[str, Any], name: str) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(schema)
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(p) for p in err.path) or "top level"
        out.append(Problem(name, line_of(data, err.path), f"{where}: {_schema_message(err)}"))
    return out


def _schema_message(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        return f"unknown key ({err.message.split('(')[-1].rstrip(')')})"
    if err.validator == "required":
        return err.message.replace("is a required property", "is missing")
    if err.validator == "oneOf" and "hours" in [str(p) for p in err.path]:
        return "hours must be 'always' or days with times like {weekdays: \"09:00-17:00\"}"
    return err.message


# -- building the model ----------------------------------------------------------------------


def _text(d: dict[str, Any]) -> Text:
    return Text(nl=str(d["nl"]).strip(), en=str(d["en"]).strip())


def _hours(raw: Any) -> Hours:
    if raw == "always":
        return Hours(always=True)
    windows: list[tuple[int, time, time]] = []
    for key, value in raw.items():
        start, end = (time.fromisoformat(t if t != "24:00" else "23:59") for t in value.split("-"))
        windows.extend((day, start, end) for day in _DAY_KEYS[key])
    return Hours(windows=tuple(sorted(windows)))


def _service(raw: dict[str, Any]) -> Service:
    return Service(
        id=str(raw["id"]),
        scope=raw["scope"],
        name=_text(raw["name"]),
        about=_text(raw["about"]),
        contacts=tuple(
            Contact(
                kind=c["kind"],
                value=str(c["value"]).strip(),
                hours=_hours(c["hours"]) if "hours" in c else None,
                note=_text(c["note"]) if "note" in c else None,
            )
            for c in raw["contacts"]
        ),
        source=tuple(raw["source"]),
        checked=date.fromisoformat(raw["checked"]),
        cost=_text(raw["cost"]) if "cost" in raw else None,
        anonymous=raw.get("anonymous"),
    )


def _by_lang(raw: dict[str, Any]) -> dict[Lang, tuple[str, ...]]:
    return {lang: tuple(str(x) for x in raw.get(lang, ())) for lang in LANGS}


def _topic(raw: dict[str, Any]) -> Topic:
    return Topic(
        id=raw["id"],
        title=_text(raw["title"]),
        answer=_text(raw["answer"]),
        services=tuple(str(s) for s in raw["services"]),
        related=tuple(raw.get("related", ())),
        keywords=_by_lang(raw["keywords"]),
        examples=_by_lang(raw["examples"]),
        checked=date.fromisoformat(raw["checked"]),
        crisis=cast(CrisisKind, raw.get("crisis", "none")),
        signals=tuple(Signal(tuple(s["all"]), float(s["weight"])) for s in raw.get("signals", ())),
    )


def _matching(raw: dict[str, Any]) -> MatchingSettings:
    talk = raw.get("smalltalk", {})
    return MatchingSettings(
        regularisation=float(raw["model"]["regularisation"]),
        keyword_weight=float(raw["model"]["keyword_weight"]),
        domain_threshold=float(raw["domain"]["threshold"]),
        min_topic_probability=float(raw["topics"]["min_probability"]),
        clarify_ratio=float(raw["topics"]["clarify_ratio"]),
        max_topics=int(raw["topics"]["max_shown"]),
        crisis_threshold=float(raw["crisis"]["threshold"]),
        topic_crisis_probability=float(raw["crisis"]["topic_probability"]),
        smalltalk={kind: {lang: frozenset(str(w).lower() for w in words.get(lang, ()))
                          for lang in LANGS} for kind, words in talk.items()},
    )


def _valid_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and check every YAML file under the directory; raise KnowledgeError on problems."""
    kb, problems = check_knowledge(directory)
    errors = [p for p in problems if not p.warning]
    if errors or kb is None:
        raise KnowledgeError(errors or problems)
    return kb


def check_knowledge(directory: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Load the knowledge base and list every problem (errors and warnings) found."""
    problems: list[Problem] = []
    if not directory.is_dir():
        return None, [Problem(str(directory), 0, "knowledge directory not found")]
    schemas = load_schemas(directory)
    files = sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml"))
    services: dict[str, Service] = {}
    topics: dict[str, Topic] = {}
    concepts: dict[str, dict[Lang, tuple[str, ...]]] = {}
    crisis: CrisisLexicon | None = None
    campaigns: set[str] = set()
    crisis_examples: list[tuple[str, str]] = []  # (one of EXAMPLE_LABELS, text)
    out_of_domain: list[str] = []
    matching = MatchingSettings()
    where: dict[str, tuple[str, int]] = {}  # id -> (file, line), for duplicates and references
    topic_raw: list[tuple[str, dict[str, Any]]] = []

    def claim(kind: str, ident: str, name: str, line: int) -> bool:
        key = f"{kind}:{ident}"
        if key in where:
            f, ln = where[key]
            problems.append(Problem(name, line, f"{kind} id {ident!r} is already used in {f}:{ln}"))
            return False
        where[key] = (name, line)
        return True

    for path in files:
        name = str(path)
        before = len(problems)
        data = read_yaml(path, name, problems)
        if len(problems) > before:
            continue
        kind = kind_of(path, data)
        if kind is None:
            problems.append(Problem(name, 1, "unknown kind of file: put services in services/, "
                                             "topics in topics/"))
            continue
        line_problem = _schema_line_problem(path, directory, kind, name)
        if line_problem is not None:
            problems.append(line_problem)
        shape = check_shape(data, schemas[kind], name)
        if shape:
            problems.extend(shape)
            continue
        if kind == "service":
            for i, raw in enumerate(data["services"]):
                line = line_of(data, ["services", i])
                if not _valid_date(raw["checked"]):
                    problems.append(Problem(name, line_of(data, ["services", i, "checked"]),
                                            f"checked: not a real date: {raw['checked']}"))
                elif claim("service", str(raw["id"]), name, line):
                    services[str(raw["id"])] = _service(raw)
        elif kind == "topic":
            if path.stem != data["id"]:
                problems.append(Problem(name, line_of(data, ["id"]),
                                        f"id {data['id']!r} differs from the file name"))
            if not _valid_date(data["checked"]):
                problems.append(Problem(name, line_of(data, ["checked"]),
                                        f"checked: not a real date: {data['checked']}"))
            elif claim("topic", data["id"], name, line_of(data, ["id"])):
                topics[data["id"]] = _topic(data)
                topic_raw.append((name, data))
        elif kind == "concepts":
            for cname, raw in data["concepts"].items():
                if claim("concept", cname, name, line_of(data, ["concepts", cname])):
                    concepts[cname] = _by_lang(raw)
        elif kind == "crisis":
            crisis = CrisisLexicon(
                danger=_by_lang(data["danger"]),
                suicide=_by_lang(data["suicide"]),
                negations=_by_lang(data["negations"]),
                shouted=tuple(data.get("shouted", ())),
                combinations=tuple(
                    (c["kind"], tuple(c["all"])) for c in data.get("combinations", ())
                ),
                replies={kind: _text(text) for kind, text in data["replies"].items()},
            )
        elif kind == "campaigns":
            campaigns.update(data["campaigns"])
        elif kind == "crisis-examples":
            for lang in LANGS:
                crisis_examples.extend((data["kind"], str(t)) for t in data["examples"][lang])
                crisis_examples.extend(("calm", str(t)) for t in data.get("calm", {}).get(lang, ()))
        elif kind == "out-of-domain":
            out_of_domain.extend(str(t) for lang in LANGS for t in data["examples"][lang])
        elif kind == "matching":
            matching = _matching(data)

    # A topic whose own file is broken is reported there, not again at every reference.
    broken_now = {p.file for p in problems}
    topic_ids = set(topics) | {
        Path(f).stem for f in broken_now if Path(f).parent == directory / "topics"
    }
    for name, data in topic_raw:
        problems.extend(_check_topic(name, data, services, topic_ids, concepts))
    broken = {p.file for p in problems}
    if not any(f.startswith(str(directory / "services")) for f in broken):
        for sid in REQUIRED_SERVICES:
            if sid not in services:
                problems.append(Problem(str(directory), 0, f"required service {sid!r} is missing"))
    for tid in REQUIRED_TOPICS:
        if tid not in topics and str(directory / "topics" / f"{tid}.yaml") not in broken:
            problems.append(Problem(str(directory), 0, f"required topic {tid!r} is missing"))
    if crisis is None and str(directory / "crisis.yaml") not in broken:
        problems.append(Problem(str(directory), 0, "crisis.yaml is missing"))
    for kind, needed in crisis.combinations if crisis else ():
        for c in needed:
            if c not in concepts and c not in BUILTIN_CONCEPTS:
                problems.append(Problem(str(directory / "crisis.yaml"), 0,
                                        f"combinations ({kind}): unknown concept {c!r}"))
    if crisis is None or any(not p.warning for p in problems):
        return None, problems
    if crisis_examples:
        crisis = replace(crisis, examples=tuple(crisis_examples))
    if not out_of_domain:
        problems.append(Problem(str(directory), 0, "out-of-domain.yaml is missing or empty: the "
                                                   "bot needs examples of what is not ours"))
    for label in ("danger", "suicide", "calm"):
        if not any(lbl == label for lbl, _ in crisis_examples):
            problems.append(Problem(str(directory / "crisis-examples"), 0,
                                    f"no crisis examples of kind {label!r}"))
    if any(not p.warning for p in problems):
        return None, problems
    kb = KnowledgeBase(services, topics, concepts, crisis, frozenset(campaigns),
                       out_of_domain=tuple(out_of_domain), matching=matching)
    return kb, problems


def _check_topic(
    name: str,
    data: dict[str, Any],
    services: dict[str, Service],
    topics: set[str],
    concepts: dict[str, dict[Lang, tuple[str, ...]]],
) -> list[Problem]:
    out = []
    for i, sid in enumerate(data["services"]):
        if str(sid) not in services:
            out.append(Problem(name, line_of(data, ["services", i]), f"unknown service {sid!r}"))
    for i, tid in enumerate(data.get("related", ())):
        if tid not in topics:
            out.append(Problem(name, line_of(data, ["related", i]), f"unknown topic {tid!r}"))
    for i, signal in enumerate(data.get("signals", ())):
        for c in signal["all"]:
            if c not in concepts and c not in BUILTIN_CONCEPTS:
                out.append(Problem(name, line_of(data, ["signals", i]), f"unknown concept {c!r}"))
    for lang in LANGS:
        answer = str(data["answer"][lang])
        if _PHONE_IN_TEXT.search(answer):
            out.append(Problem(name, line_of(data, ["answer", lang]),
                               f"answer ({lang}) holds a phone number; numbers belong in the "
                               "service files, with their source"))
        if not data["keywords"][lang]:
            out.append(Problem(name, line_of(data, ["keywords", lang]),
                               f"keywords ({lang}) is empty"))
    return out
