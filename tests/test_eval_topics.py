"""eval's per-topic precision/recall and collisions: the effect of an edit is visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.core.engine import Engine
from bot.evaluation import FALLBACK, Collision, Item, collisions, example_items, score_topics
from bot.knowledge_files import load_knowledge
from tests.helpers import KNOWLEDGE, TUESDAY_AFTERNOON, copy_knowledge, engine


def _won_example(eng: Engine, topic: str) -> tuple[str, str]:
    """An example phrasing that its own topic wins today (found, not assumed)."""
    for lang, texts in eng.kb.topics[topic].examples.items():
        for text in texts:
            reply = eng.answer(text, TUESDAY_AFTERNOON)
            if reply.topics and reply.topics[0] == topic and not reply.crisis:
                return lang, text
    raise AssertionError(f"{topic} wins none of its examples")


def test_precision_and_recall_count_top1_answers() -> None:
    eng = engine()
    lang, text = _won_example(eng, "sport")
    items = [Item(text, lang, ("sport",), False), Item(text, lang, ("privacy",), False),
             Item("qwx zzv plork", "nl", (), False)]
    assert eng.answer("qwx zzv plork", TUESDAY_AFTERNOON).fallback
    scores = score_topics(eng, items, TUESDAY_AFTERNOON)
    sport, privacy = scores["sport"], scores["privacy"]
    assert (sport.items, sport.hit, sport.chosen, sport.right) == (1, 1, 2, 1)
    assert (sport.precision, sport.recall) == (0.5, 1.0)
    assert (privacy.items, privacy.hit, privacy.chosen) == (1, 0, 0)
    assert privacy.recall == 0.0
    assert sum(s.chosen for s in scores.values()) == 2  # the fallback is no topic's answer


def test_a_new_keyword_that_steals_an_example_shows_as_a_collision(tmp_path: Path) -> None:
    before = engine()
    lang, text = _won_example(before, "sport")
    own = [i for i in example_items(before) if i.topics == ("sport",)]

    kb_dir = copy_knowledge(tmp_path)
    privacy = kb_dir / "topics" / "privacy.yaml"
    source = privacy.read_text(encoding="utf-8")
    marker = f"keywords:\n  {lang}: ["
    assert marker in source
    words = [w.strip(".,?!'") for w in text.lower().split()]
    stolen = ", ".join(repr(w) for w in words if len(w) > 3)  # careless: every word of it
    source = source.replace(marker, f"{marker}{stolen}, ", 1)
    # ... and the same phrasing as its own example, as a hasty copy-paste would do
    source = source.replace(f"examples:\n  {lang}:\n", f"examples:\n  {lang}:\n    - {text!r}\n", 1)
    privacy.write_text(source, encoding="utf-8")
    after = Engine(load_knowledge(kb_dir), "leiden")
    assert after.answer(text, TUESDAY_AFTERNOON).topics[0] == "privacy"

    found = collisions(after, TUESDAY_AFTERNOON)
    assert Collision("sport", lang, text, "privacy") in found
    assert all(c.winner != c.topic for c in found)
    assert Collision("sport", lang, text, "privacy") not in collisions(before, TUESDAY_AFTERNOON)
    recall_before = score_topics(before, own, TUESDAY_AFTERNOON)["sport"].recall
    recall_after = score_topics(after, own, TUESDAY_AFTERNOON)["sport"].recall
    assert recall_after < recall_before
    assert FALLBACK not in score_topics(after, own, TUESDAY_AFTERNOON)


def test_the_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(KNOWLEDGE))
    labelled = tmp_path / "dev.yaml"
    labelled.write_text(
        "- {text: 'ik ben aangerand bij mijn sportclub', lang: nl, topics: [sport], "
        "crisis: false}\n"
        "- {text: 'qwx zzv plork', lang: nl, topics: [], crisis: false}\n", encoding="utf-8")
    assert main(["eval", str(labelled)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("items: 2 (1 in domain, 1 out of domain, 0 crisis)")
    assert "per topic (P = precision" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line[:1].isalpha()}
    assert set(engine().kb.topics) <= set(rows)
    assert main(["eval", str(labelled), "--no-topics"]) == 0
    assert "per topic" not in capsys.readouterr().out
    assert main(["eval", "--examples"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("per topic") and "examples P" in out and "dev P" not in out
    assert main(["eval"]) == 2
    assert capsys.readouterr().err == "error: give a labelled FILE, or --examples\n"
