"""A trained text classifier as plain arrays: features in, a probability per class out.

Training is done by scikit-learn (:mod:`bot.core.training`); answering needs only NumPy, so
a bot that starts from a cached model does not pay for importing scikit-learn. The numbers
are the same: TF-IDF with sublinear term frequency and unit length, then a logistic
regression (softmax over classes, or one sigmoid for two). ``tests/test_learned.py`` checks
that these probabilities equal scikit-learn's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bot.core.features import features

Vector = tuple[NDArray[np.intp], NDArray[np.float64]]  # feature columns, their weights


@dataclass(frozen=True)
class Vectoriser:
    """Features to TF-IDF weights, with the vocabulary and IDF learned from the examples."""

    names: tuple[str, ...]  # feature name per column
    idf: NDArray[np.float64]
    columns: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", {n: i for i, n in enumerate(self.names)})

    def vector(self, text: str) -> Vector:
        """The message's TF-IDF vector, as the columns it uses and their weights."""
        counts = Counter(features(text))
        cols = [(self.columns[f], c) for f, c in counts.items() if f in self.columns]
        if not cols:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        idx = np.fromiter((i for i, _ in cols), dtype=np.intp, count=len(cols))
        tf = np.fromiter((c for _, c in cols), dtype=np.float64, count=len(cols))
        values = (1.0 + np.log(tf)) * self.idf[idx]
        norm = float(np.sqrt(values @ values))
        return idx, values / norm if norm else values


def similarity(a: Vector, b: Vector) -> float:
    """Cosine of two vectors (both have unit length)."""
    common, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return float(a[1][ia] @ b[1][ib]) if len(common) else 0.0


@dataclass(frozen=True)
class Classifier:
    """A logistic regression over the vectoriser's columns."""

    classes: tuple[str, ...]
    coef: NDArray[np.float64]  # (classes, features); one row when there are two classes
    intercept: NDArray[np.float64]

    def probabilities(self, vector: Vector) -> dict[str, float]:
        idx, values = vector
        raw = self.coef[:, idx] @ values + self.intercept
        if len(self.classes) == 2:
            p = float(1.0 / (1.0 + np.exp(-raw[0])))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        exp = np.exp(raw - raw.max())
        probs = exp / exp.sum()
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}

    def contributions(self, vector: Vector, cls: str, names: Sequence[str], most: int = 5
                      ) -> list[tuple[str, float]]:
        """The features that pushed the message towards ``cls`` most, strongest first."""
        idx, values = vector
        if len(self.classes) == 2:
            row = self.coef[0] if cls == self.classes[1] else -self.coef[0]
        else:
            row = self.coef[self.classes.index(cls)]
        parts = row[idx] * values
        order = np.argsort(-parts)[:most]
        return [(names[idx[i]], float(parts[i])) for i in order if parts[i] > 0]
