"""Train the three learned models from the knowledge files, with scikit-learn.

- **topics**: which topic a message is about, from every topic's example phrasings (and,
  weighted less, its keywords);
- **domain**: whether a message is about our subject at all: every topic and crisis example
  against the examples in ``knowledge/out-of-domain.yaml``;
- **crisis**: danger now to the writer or to someone else (112), suicidal intent or
  self-harm (113), or calm: the crisis examples against their calm counter-examples, the
  other topics' examples and the out-of-domain ones.

All three share one vectoriser (:mod:`bot.core.features`), so a message is read once.
Nothing here reads or writes files; :mod:`bot.model_cache` keeps trained models on disk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.core.features import features
from bot.core.linear import Classifier, Vectoriser
from bot.core.model import LANGS, KnowledgeBase

IN, OUT = "in", "out"
CALM = "calm"


@dataclass(frozen=True)
class Models:
    vectoriser: Vectoriser
    topics: Classifier
    domain: Classifier
    crisis: Classifier


@dataclass(frozen=True)
class Sample:
    text: str
    label: str
    weight: float = 1.0


def topic_samples(kb: KnowledgeBase) -> list[Sample]:
    out: list[Sample] = []
    weight = kb.matching.keyword_weight
    for topic in kb.topics.values():
        for lang in LANGS:
            out.extend(Sample(t, topic.id) for t in topic.examples.get(lang, ()))
            out.extend(Sample(k, topic.id, weight) for k in topic.keywords.get(lang, ()))
    return out


def crisis_samples(kb: KnowledgeBase) -> list[Sample]:
    """Crisis examples by kind; calm: their counter-examples, the examples of topics that are
    not about a crisis, and the out-of-domain messages."""
    out: list[Sample] = [Sample(text, label) for label, text in kb.crisis.examples]
    for topic in kb.topics.values():
        if topic.crisis == "none":
            out.extend(Sample(t, CALM) for lang in LANGS for t in topic.examples.get(lang, ()))
    out.extend(Sample(t, CALM) for t in kb.out_of_domain)
    return out


def domain_samples(kb: KnowledgeBase) -> list[Sample]:
    inside = [Sample(s.text, IN) for s in topic_samples(kb) if s.weight == 1.0]
    inside.extend(Sample(t, IN) for label, t in kb.crisis.examples if label != CALM)
    return [*inside, *(Sample(t, OUT) for t in kb.out_of_domain)]


def fit_classifier(samples: list[Sample], rows: dict[str, int], x_all: Any, c: float,
                   balanced: bool = False) -> Classifier:
    """A logistic regression on the rows of ``x_all`` that hold the samples' texts."""
    from sklearn.linear_model import LogisticRegression

    x = x_all[[rows[s.text] for s in samples]]
    y = [s.label for s in samples]
    weights = np.array([s.weight for s in samples])
    # saga with a loose tolerance: a second instead of a minute, and the same answers to
    # two decimals. Class weights only where the classes are two and far apart in size.
    model = LogisticRegression(C=c, solver="saga", tol=1e-2, max_iter=1000, random_state=0,
                               class_weight="balanced" if balanced else None)
    model.fit(x, y, sample_weight=weights)
    return Classifier(tuple(str(c) for c in model.classes_), model.coef_.astype(np.float64),
                      model.intercept_.astype(np.float64))


def data_key(kb: KnowledgeBase) -> str:
    """A hash of everything the models learn from: samples and the training settings."""
    digest = hashlib.sha256()
    digest.update(repr((kb.matching.regularisation, kb.matching.keyword_weight)).encode())
    for samples in (topic_samples(kb), crisis_samples(kb), domain_samples(kb)):
        for s in samples:
            digest.update(f"{s.label}\t{s.weight}\t{s.text}\n".encode())
    return digest.hexdigest()


_recent: dict[str, Models] = {}  # data_key -> models: the last few trained in this process


def train(kb: KnowledgeBase) -> Models:
    """The models for ``kb``; trained unless this process trained them for the same data
    just before (tests and reloads build many engines from one knowledge base)."""
    key = data_key(kb)
    if key not in _recent:
        if len(_recent) >= 4:
            del _recent[next(iter(_recent))]
        _recent[key] = fit(kb)
    return _recent[key]


def fit(kb: KnowledgeBase) -> Models:
    """Fit the vectoriser and the three classifiers. Takes a few seconds at Leiden's size."""
    return fit_samples(topic_samples(kb), crisis_samples(kb), domain_samples(kb),
                       kb.matching.regularisation)


def fit_samples(topics: list[Sample], crisis: list[Sample], domain: list[Sample],
                c: float) -> Models:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(dict.fromkeys(s.text for s in (*topics, *crisis, *domain)))
    sk = TfidfVectorizer(analyzer=features, sublinear_tf=True, dtype=np.float64)
    x_all = sk.fit_transform(texts)
    rows = {t: i for i, t in enumerate(texts)}
    vectoriser = Vectoriser(tuple(str(n) for n in sk.get_feature_names_out()),
                            sk.idf_.astype(np.float64))
    return Models(
        vectoriser=vectoriser,
        topics=fit_classifier(topics, rows, x_all, c),
        domain=fit_classifier(domain, rows, x_all, c, balanced=True),
        crisis=fit_classifier(crisis, rows, x_all, c),
    )
