"""The learned models: the same numbers as scikit-learn, cached on disk, explained in words."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.core.explain import explain
from bot.core.features import features
from bot.core.linear import Classifier, Vectoriser
from bot.knowledge_files import load_knowledge
from bot.model_cache import fingerprint, load, models_for, save
from tests.helpers import copy_knowledge, engine

TEXTS = [
    ("ik ben gisteren verkracht", "a"), ("he raped me last night", "a"),
    ("waar doe ik aangifte", "b"), ("how do i report to the police", "b"),
    ("mijn baas zit aan me", "c"), ("my boss keeps touching me", "c"),
    ("hoi", "c"), ("verkrachting aangifte baas", "b"),
]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_probabilities_equal_scikit_learns(n_classes: int) -> None:
    data = [(t, y) for t, y in TEXTS if y in "abc"[:n_classes]]
    sk = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    x = sk.fit_transform([t for t, _ in data])
    model = LogisticRegression(C=10, max_iter=1000).fit(x, [y for _, y in data])
    vectoriser = Vectoriser(tuple(sk.get_feature_names_out()), sk.idf_)
    clf = Classifier(tuple(model.classes_), model.coef_, model.intercept_)
    for text in ("verkracht gisteravond", "police report??", "unknown zzz words", ""):
        ours = clf.probabilities(vectoriser.vector(text))
        theirs = model.predict_proba(sk.transform([text]))[0]
        assert np.allclose([ours[c] for c in model.classes_], theirs, atol=1e-9), text


def test_letter_groups_carry_a_typo_to_its_word() -> None:
    feats = set(features("verkracth"))
    assert "c: ver" in feats and "c:verk" in feats and "w:verkracth" in feats
    assert "c:ï" not in set(features("suïcidaal"))  # accents folded
    assert features("heeeeelp") == features("heelp")


def test_cached_models_give_the_same_answers(tmp_path: Path) -> None:
    kb = engine().kb
    path = tmp_path / "models.npz"
    save(engine().models, path)
    cached = load(path)
    assert cached is not None
    for text in ("ik ben verkracht", "hij staat voor mijn deur", "pizza"):
        a = engine().models.topics.probabilities(engine().models.vectoriser.vector(text))
        b = cached.topics.probabilities(cached.vectoriser.vector(text))
        assert a == pytest.approx(b, abs=1e-12)
    assert models_for(kb, tmp_path / "cache") is not None
    assert len(list((tmp_path / "cache").glob("models-*.npz"))) == 1


def test_a_broken_cache_is_ignored(tmp_path: Path) -> None:
    kb = engine().kb
    broken = tmp_path / f"models-{fingerprint(kb)}.npz"
    broken.write_bytes(b"not a model")
    assert load(broken) is None
    models = models_for(kb, tmp_path)  # trained again and stored over the broken file
    assert load(broken) is not None and models.topics.classes == engine().models.topics.classes


def test_the_cache_key_follows_examples_not_answer_texts(tmp_path: Path) -> None:
    base = fingerprint(engine().kb)
    knowledge = copy_knowledge(tmp_path)
    topic = knowledge / "topics" / "privacy.yaml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(text.replace("answer:\n  nl: |\n", "answer:\n  nl: |\n    Hallo.\n", 1),
                     encoding="utf-8")
    assert fingerprint(load_knowledge(knowledge)) == base
    lines = topic.read_text(encoding="utf-8").splitlines()
    lines.insert(lines.index("examples:") + 2, '    - "wat bewaar je van mij"')
    topic.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert fingerprint(load_knowledge(knowledge)) != base


def test_explain_names_what_fired_and_the_evidence() -> None:
    e = engine()
    text = "ik wil dood"
    out = explain(e.pipeline, text, e.decide(text))
    assert "decision: crisis" in out and "113 first" in out
    assert "learned model" in out or "phrase" in out
    assert "reads like" in out and "words:" in out


def test_explain_says_why_a_message_fell_back() -> None:
    e = engine()
    text = "when do they collect the bins in my street"
    out = explain(e.pipeline, text, e.decide(text))
    assert "decision: menu" in out and "not about our subject" in out


def test_matching_settings_come_from_the_knowledge_file(tmp_path: Path) -> None:
    knowledge = copy_knowledge(tmp_path)
    path = knowledge / "matching.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  threshold: 0.5", "  threshold: 0.99"), encoding="utf-8")
    kb = load_knowledge(knowledge)
    assert kb.matching.domain_threshold == 0.99
    assert dataclasses.replace(kb.matching, domain_threshold=0.5) == engine().kb.matching
