"""Matching: the message -> topic table, the must-not table, language, and no leaks.

Quality is measured on tests/heldout/ (written apart from the knowledge) with
`python -m bot eval`; these tests pin behaviour and keep the held-out sets honest.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from bot.core.features import normalise
from tests.helpers import KNOWLEDGE, ROOT, TUESDAY_AFTERNOON, engine

CASES = ROOT / "tests" / "cases"
HELDOUT = ROOT / "tests" / "heldout"


def _table(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load((CASES / name).read_text(encoding="utf-8")))


def _known(case: dict[str, Any]) -> Any:
    """A case marked `known: open` is expected to fail, strictly: it fails once fixed."""
    marks = [pytest.mark.xfail(strict=True, reason="known open case")] if case.get("known") else []
    return pytest.param(case, marks=marks, id=case["text"][:40])


@pytest.mark.parametrize("case", [_known(c) for c in _table("topics.yaml")])
def test_message_lands_on_its_topic(case: dict[str, Any]) -> None:
    reply = engine().answer(case["text"], TUESDAY_AFTERNOON)
    assert reply.topics[:1] == (case["topic"],), engine().decide(case["text"]).reasons


@pytest.mark.parametrize("case", [_known(c) for c in _table("must-not.yaml")])
def test_must_not(case: dict[str, Any]) -> None:
    reply = engine().answer(case["text"], TUESDAY_AFTERNOON)
    why = engine().decide(case["text"]).reasons
    if case.get("crisis") is False:
        assert not reply.crisis, why
    if case.get("fallback"):
        assert reply.fallback and not reply.topics, why


@pytest.mark.parametrize(("text", "lang"), [
    ("waar kan ik terecht", "nl"), ("where can I get help", "en"),
    ("omstander", "nl"), ("bystander", "en"), ("ik ben verkracht", "nl"),
    ("tell me more about wensen en grenzen please", "en"),  # a Dutch name, English words
    ("wat doet stop it now precies", "nl"),  # an English name in a Dutch question
])
def test_language_is_detected(text: str, lang: str) -> None:
    assert engine().answer(text, TUESDAY_AFTERNOON).language == lang


def test_language_hint_breaks_a_tie() -> None:
    for text in ("👍", "112233"):
        assert engine().answer(text, TUESDAY_AFTERNOON, hint="en").language == "en", text
    assert engine().answer("👍", TUESDAY_AFTERNOON, hint="nl").language == "nl"


def test_long_story_with_the_need_in_the_middle() -> None:
    story = (
        "Het is een lang verhaal en ik weet niet goed waar ik moet beginnen. Ik woon sinds "
        "september in Leiden en vind het hier best leuk. Maar vorige week op een feestje is er "
        "iets gebeurd. Ik wil eigenlijk weten hoe aangifte doen werkt en of ik dat kan doen "
        "zonder dat mijn ouders het weten. Verder gaat het wel, ik slaap alleen slecht. "
    )
    reply = engine().answer(story, TUESDAY_AFTERNOON)
    assert "report-police" in reply.topics[:3]


def test_concepts_match_only_in_their_own_language() -> None:
    # The English concept word "die" is the Dutch article "die" in a Dutch message.
    reader = engine().pipeline.reader
    analysis = reader.analyzer.analyze("ik wil niet meer naar die sportclub")
    english = reader.analyzer.analyze("i want to die")
    assert "self-end" not in reader.concepts(analysis, "nl")
    assert "self-end" in reader.concepts(english, "en")


def test_typos_are_corrected_within_the_messages_language() -> None:
    analysis = engine().pipeline.reader.analyzer.analyze("mijn buren maken elke nacht lawaai")
    assert "buren" in analysis.tokens  # not the English "burden"


# -- evaluation that cannot leak ----------------------------------------------------------------

def _runs(text: str, n: int = 5) -> set[str]:
    toks = re.findall(r"\w+", normalise(text))
    return {" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def _list_items(node: Any) -> list[str]:
    """Every string in a list anywhere in a YAML document: examples, keywords, phrases."""
    if isinstance(node, dict):
        return [t for value in node.values() for t in _list_items(value)]
    if isinstance(node, list):
        return [t for v in node for t in ([str(v)] if isinstance(v, str) else _list_items(v))]
    return []


def _knowledge_text() -> str:
    """What the models learn from (every list item of every knowledge file), one text per
    line, so that a run of words never spans two examples."""
    items = [t for p in sorted(KNOWLEDGE.rglob("*.yaml"))
             for t in _list_items(yaml.safe_load(p.read_text(encoding="utf-8")))]
    return "\n".join(" " + " ".join(re.findall(r"\w+", normalise(t))) + " " for t in items)


def _leaks(items: list[dict[str, Any]], knowledge: str) -> list[str]:
    return [run for item in items for run in _runs(item["text"]) if f" {run} " in knowledge]


def test_no_heldout_text_has_entered_the_knowledge() -> None:
    sets = sorted(HELDOUT.glob("*.yaml"))
    assert sets, "tests/heldout/ holds the independent evaluation sets"
    knowledge = _knowledge_text()
    leaks = [f"{path.name}: {run!r}" for path in sets
             for run in _leaks(yaml.safe_load(path.read_text(encoding="utf-8")), knowledge)]
    assert not leaks, "held-out text found in knowledge/ (5 words in a row):\n" + "\n".join(leaks)


def test_the_leak_check_finds_a_copied_example() -> None:
    knowledge = _knowledge_text()
    example = next(e for e in engine().kb.topics["bystander"].examples["nl"]
                   if len(e.split()) >= 8)
    assert _leaks([{"text": f"Hoi. {example.upper()}!"}], knowledge)
    assert not _leaks([{"text": "zwaluwstaart koekoeksklok paarse giraf danst vrolijk"}],
                      knowledge)


def test_no_heldout_run_of_words_spans_the_knowledge_files_either() -> None:
    """The same check over each knowledge file's whole text (answers, comments, and runs that
    cross from one list item into the next), as a reviewer reading the files would see it."""
    def grams(text: str) -> set[str]:
        ws = re.findall(r"\w+", text.lower())
        return {" ".join(ws[i:i + 5]) for i in range(len(ws) - 4)}

    held = set().union(*(grams(str(item["text"])) for path in sorted(HELDOUT.glob("*.yaml"))
                         for item in yaml.safe_load(path.read_text(encoding="utf-8"))))
    found = [f"{path.relative_to(KNOWLEDGE)}: {run!r}" for path in sorted(KNOWLEDGE.rglob("*.yaml"))
             for run in sorted(grams(path.read_text(encoding="utf-8")) & held)]
    assert not found, "held-out words in knowledge/ (5 in a row):\n" + "\n".join(found)
