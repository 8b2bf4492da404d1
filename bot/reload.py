"""Hot reload: the running bot picks up edits to the knowledge files within a few seconds.

:class:`EngineHolder` holds the Engine in service; channels ask it for the current one on
every message (``engine_source=holder.current``). :class:`KnowledgeWatcher` polls the
knowledge directory (mtime and size of every YAML and schema file, about once a second, no
extra dependency), and on a change loads and validates everything into a new Engine, then
swaps it in with one attribute assignment, so a message is always answered by one whole,
valid knowledge base. A broken edit keeps the last good Engine in service and logs the file
and line of each error, once per change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from bot.core.engine import Engine
from bot.core.model import KnowledgeBase
from bot.knowledge_files import DEFAULT_SCHEMA_DIR, KnowledgeError, load_knowledge
from bot.model_cache import build_engine
from bot.tasks import cancel

logger = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]  # file -> (mtime in ns, size in bytes)


class EngineHolder:
    """The Engine in service. Replaced whole, never changed in place."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current(self) -> Engine:
        """The Engine to answer the next message with (pass as ``engine_source``)."""
        return self.engine


def snapshot(directory: Path) -> Snapshot:
    """mtime and size of every file whose change can change the knowledge."""
    schema_dir = directory / "schema" if (directory / "schema").is_dir() else DEFAULT_SCHEMA_DIR
    paths = [p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml")]
    paths += schema_dir.glob("*.json")
    out: Snapshot = {}
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue  # removed while we looked; the next poll sees the new state
        out[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return out


class KnowledgeWatcher:
    """Polls the knowledge directory and swaps in a new Engine when the files change."""

    def __init__(
        self,
        directory: Path,
        holder: EngineHolder,
        build: Callable[[KnowledgeBase], Engine] = Engine,
        interval: float = 1.0,
        settle: float = 0.2,
        seen: Snapshot | None = None,
    ) -> None:
        self.directory = directory
        self.holder = holder
        self.build = build
        self.interval = interval
        self.settle = settle  # an editor may write a file in several steps: wait till still
        self.reloads = 0  # successful swaps
        self.refusals = 0  # changes that were refused (the old Engine stayed)
        # what the Engine in service was loaded from; take it before loading to miss nothing
        self._seen = snapshot(directory) if seen is None else seen
        self._task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        """Start polling in the running event loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="knowledge-watcher")
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel(task)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check()

    async def check(self) -> bool:
        """Reload if the files changed since the last look; True when a new Engine went in."""
        current = await asyncio.to_thread(snapshot, self.directory)
        if current == self._seen:
            return False
        while True:  # wait until the files stop changing
            await asyncio.sleep(self.settle)
            later = await asyncio.to_thread(snapshot, self.directory)
            if later == current:
                break
            current = later
        self._seen = current
        return await self.reload()

    async def reload(self) -> bool:
        """Load, validate and swap in; on any problem keep the Engine in service."""
        try:
            engine = await asyncio.to_thread(self._load)
        except KnowledgeError as err:
            self.refusals += 1
            errors = [p for p in err.problems if not p.warning] or err.problems
            logger.error(
                "knowledge change not taken into use, the last good version stays in "
                "service; %d error(s): %s",
                len(errors), "; ".join(str(p) for p in errors),
            )
            return False
        except Exception as err:  # the watcher must outlive any surprise in a file
            self.refusals += 1
            logger.error("knowledge change not taken into use (%s: %s); the last good "
                         "version stays in service", type(err).__name__, err)
            return False
        self.holder.engine = engine  # one assignment: the swap is atomic for every reader
        self.reloads += 1
        logger.info("knowledge reloaded: %d topics, %d services",
                    len(engine.kb.topics), len(engine.kb.services))
        return True

    def _load(self) -> Engine:
        return self.build(load_knowledge(self.directory))


def start_watching(
    directory: Path, municipality: str = "leiden", interval: float = 1.0,
    cache_dir: Path | None = None,
) -> tuple[EngineHolder, KnowledgeWatcher]:
    """Load the knowledge once (errors raise KnowledgeError) and return holder and watcher.

    Call ``watcher.start()`` from inside the running event loop (e.g. in PTB's post_init).
    """
    seen = snapshot(directory)
    holder = EngineHolder(build_engine(load_knowledge(directory), municipality, cache_dir))
    # Retraining runs in a worker thread (see reload); the old engine answers meanwhile.
    watcher = KnowledgeWatcher(
        directory, holder, build=lambda kb: build_engine(kb, municipality, cache_dir),
        interval=interval, seen=seen,
    )
    return holder, watcher
