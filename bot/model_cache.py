"""Trained models on disk, so the bot starts in well under a second.

The cache key is a hash of everything the models learn from (examples, keywords, crisis and
out-of-domain examples, the settings in ``matching.yaml``) and of the code that turns text
into features and trains: an edit to an answer text does not retrain, an added example
does. Files are written to a temporary name and renamed, so a crash never leaves half a
model. The cache holds only what was learned from the knowledge files, nothing of users.
A missing, unreadable or foreign cache is ignored: the models are trained again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from bot.core import features as features_module
from bot.core import training as training_module
from bot.core.engine import Engine
from bot.core.linear import Classifier, Vectoriser
from bot.core.model import KnowledgeBase
from bot.core.training import Models, data_key, train

logger = logging.getLogger(__name__)

_HEADS = ("topics", "domain", "crisis")


def fingerprint(kb: KnowledgeBase) -> str:
    """A hash of the models' training data, settings and training code."""
    digest = hashlib.sha256()
    for source in (features_module, training_module):
        digest.update(Path(source.__file__ or "").read_bytes())
    digest.update(data_key(kb).encode())
    return digest.hexdigest()[:32]


def save(models: Models, path: Path) -> None:
    arrays: dict[str, np.ndarray] = {"idf": models.vectoriser.idf}
    meta: dict[str, object] = {"names": list(models.vectoriser.names)}
    for head in _HEADS:
        clf: Classifier = getattr(models, head)
        arrays[f"{head}_coef"] = clf.coef
        arrays[f"{head}_intercept"] = clf.intercept
        meta[f"{head}_classes"] = list(clf.classes)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".models-", suffix=".npz")
    try:
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load(path: Path) -> Models | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            heads = {
                head: Classifier(tuple(meta[f"{head}_classes"]), data[f"{head}_coef"],
                                 data[f"{head}_intercept"])
                for head in _HEADS
            }
            vectoriser = Vectoriser(tuple(meta["names"]), data["idf"])
    except (OSError, ValueError, KeyError) as err:
        logger.warning("model cache %s not used (%s); training again", path.name,
                       type(err).__name__)
        return None
    return Models(vectoriser, heads["topics"], heads["domain"], heads["crisis"])


def models_for(kb: KnowledgeBase, cache_dir: Path | None) -> Models:
    """The trained models for ``kb``: from the cache when it has them, else trained now
    (and stored, when the cache directory is writable)."""
    if cache_dir is None:
        return train(kb)
    path = cache_dir / f"models-{fingerprint(kb)}.npz"
    if path.is_file() and (models := load(path)) is not None:
        return models
    models = train(kb)
    try:
        save(models, path)
        for old in cache_dir.glob("models-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as err:
        logger.warning("could not store the trained models (%s); they are trained again at "
                       "the next start", type(err).__name__)
    return models


def build_engine(kb: KnowledgeBase, municipality: str, cache_dir: Path | None) -> Engine:
    return Engine(kb, municipality, models_for(kb, cache_dir))
