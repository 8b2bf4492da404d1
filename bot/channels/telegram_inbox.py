"""Updates in: fetched by us, answered before they are acknowledged, crisis first.

python-telegram-bot's own Updater acknowledges a batch as soon as it has fetched it (a kill -9
then loses every message in flight), stops on one update it cannot parse (and logs the whole
batch, with other people's texts and names, at CRITICAL), and backs off to 30 s between polls
after an outage. So the bot fetches updates itself and hands each one to the Application:

- **Nothing is acknowledged before it is answered.** Telegram forgets an update only when a
  later ``getUpdates`` asks for an ``offset`` above it; the offset sent is the lowest update
  still being handled. After a crash Telegram hands out again what was not answered. Nothing
  of a message is written anywhere for this: Telegram keeps it. One exception: getUpdates
  shows at most 100 updates from the offset on, so when it returns a full 100 (a peak:
  replies go out at Telegram's 30 a second), the bot acknowledges those it holds to see the
  newer ones at once, because a crisis message may be among them. A crash in that moment
  loses the replies to the updates held then; the README says so.
- **An update that cannot be read is skipped** (counted as an anonymous event kind), never
  logged; the others of its batch are handled.
- **One chat's updates run in order, chats side by side**, and a crisis message jumps the
  queue of its chat (never over a command or a button press, so "/wis" keeps its place).
  Crisis replies also skip the rate limiter's queue (see ``RetryingRateLimiter``).
- Polling backs off at most a few seconds after an error, with jitter.

The webhook server (``serve_webhook``) uses the same inbox: it answers Telegram's request only
once the update has been handled, so a crash there too leaves it to Telegram to send again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)
POLL_TIMEOUT = 10  # seconds a getUpdates call waits for news
MAX_POLL_BACKOFF = 3.0  # seconds at most between polls after an error
# Longer than every retry of a reply together (see telegram.py); an update whose handling
# takes longer is given up, so one stuck update cannot hold back the acknowledgements.
HANDLE_TIMEOUT = 330.0
BUSY_POLL = 0.2  # seconds between short polls while updates are being answered
LIMIT = 100  # updates one getUpdates call returns at most (Telegram's maximum)
# Updates handled at once, crisis messages not counted: replies leave at Telegram's pace (30 a
# second) anyway, and the event loop stays free to fetch what comes next, a crisis among it.
MAX_BUSY = 64


@dataclass
class _Chat:
    queue: deque[tuple[int, Update, bool]] = field(default_factory=deque)
    worker: asyncio.Task[None] | None = None


class Inbox:
    """Updates being handled, per chat, and the offset that acknowledges the answered ones."""

    def __init__(self, application: Application,  # type: ignore[type-arg]
                 urgent: Callable[[Update], bool],
                 unreadable: Callable[[], Coroutine[Any, Any, None]],
                 handle_timeout: float = HANDLE_TIMEOUT) -> None:
        self.application = application
        self.urgent = urgent
        self.unreadable = unreadable
        self.handle_timeout = handle_timeout
        self._open: dict[int, asyncio.Future[None]] = {}  # update id -> done when answered
        self._answered: set[int] = set()  # answered, but not yet acknowledged to Telegram
        self._highest = -1
        self._seen_to = 0  # acknowledged up to here although not all answered (a full window)
        self._chats: dict[int, _Chat] = {}
        self._loose: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._busy = asyncio.Semaphore(MAX_BUSY)
        self.last_progress = time.monotonic()

    # -- what the fetchers use --------------------------------------------------------------

    def offset(self) -> int | None:
        """The getUpdates offset that acknowledges every answered update and no other
        (unless :meth:`window_full` had to)."""
        if self._open:
            return max(min(self._open), self._seen_to)
        return self._highest + 1 if self._highest >= 0 else None

    def window_full(self) -> None:
        """getUpdates showed only updates in hand, as many as it shows: acknowledge them all,
        so that the next call shows what came after."""
        self._seen_to = self._highest + 1

    def close(self) -> None:
        """Stop working on what is left (at a stop, after the time to finish ran out)."""
        for state in list(self._chats.values()):
            if state.worker is not None:
                state.worker.cancel()
        for task in list(self._loose):
            task.cancel()

    @property
    def pending(self) -> int:
        return len(self._open)

    def add(self, raw: object) -> asyncio.Future[None] | None:
        """Take one update as Telegram sent it; None if it is already in hand or answered."""
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            self._skip_unreadable()
            return None
        update_id: int = raw["update_id"]
        floor = self.offset()
        if update_id in self._open or update_id in self._answered or (
                floor is not None and update_id < floor):
            return None
        self._highest = max(self._highest, update_id)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._open[update_id] = done
        try:
            update = Update.de_json(raw, self.application.bot)
        except Exception:  # what it holds is other people's words: not one byte of it logged
            self._skip_unreadable()
            self._finish(update_id)
            return done
        chat = update.effective_chat
        if chat is None:
            task = asyncio.create_task(self._handle(update_id, update))
            self._loose.add(task)
            task.add_done_callback(self._loose.discard)
            return done
        state = self._chats.setdefault(chat.id, _Chat())
        state.queue.append((update_id, update, self._is_urgent(update)))
        if state.worker is None:
            state.worker = asyncio.create_task(self._work(chat.id, state))
        return done

    async def wait_for_change(self, timeout: float) -> None:
        """Until an update is answered, or ``timeout`` seconds."""
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    async def drain(self, timeout: float) -> bool:
        """Wait until every update in hand is answered; False if time ran out."""
        deadline = time.monotonic() + timeout
        while self._open and time.monotonic() < deadline:
            await self.wait_for_change(deadline - time.monotonic())
        return not self._open

    # -- inside ----------------------------------------------------------------------------

    def _skip_unreadable(self) -> None:
        task = asyncio.create_task(self.unreadable())
        self._loose.add(task)
        task.add_done_callback(self._loose.discard)

    def _is_urgent(self, update: Update) -> bool:
        try:
            return self.urgent(update)
        except Exception:  # deciding urgency must never keep a message from its answer
            log.warning("could not check an update for urgency")
            return False

    async def _work(self, chat_id: int, state: _Chat) -> None:
        try:
            while state.queue:
                update_id, update, urgent = _take(state.queue)
                if urgent:
                    await self._handle(update_id, update)
                else:
                    async with self._busy:
                        await self._handle(update_id, update)
        finally:
            self._chats.pop(chat_id, None)

    async def _handle(self, update_id: int, update: Update) -> None:
        try:
            await asyncio.wait_for(self.application.process_update(update),
                                   self.handle_timeout)
        except TimeoutError:
            log.error("an update took longer than %.0f s and was given up", self.handle_timeout)
        except Exception as err:  # the error handlers have seen it; never its content here
            log.error("an update failed: %s", type(err).__name__)
        finally:
            self._finish(update_id)

    def _finish(self, update_id: int) -> None:
        done = self._open.pop(update_id, None)
        if done is not None and not done.done():
            done.set_result(None)
        self._answered.add(update_id)
        floor = self.offset()
        self._answered = {i for i in self._answered if floor is None or i >= floor}
        self.last_progress = time.monotonic()
        self._changed.set()


def _take(queue: deque[tuple[int, Update, bool]]) -> tuple[int, Update, bool]:
    """The next update of a chat: the first urgent text message that no command or button
    press comes before, else the oldest."""
    for i, item in enumerate(queue):
        _, update, urgent = item
        if urgent:
            del queue[i]
            return item
        message = update.effective_message
        plain = (update.callback_query is None and message is not None
                 and message.text is not None and not message.text.startswith("/"))
        if not plain:
            break
    return queue.popleft()


class PollError(Exception):
    """getUpdates failed; ``retry_after`` is Telegram's wish, if it said one."""

    def __init__(self, what: str, retry_after: float | None = None,
                 fatal: bool = False) -> None:
        super().__init__(what)
        self.retry_after = retry_after
        self.fatal = fatal


class Poller:
    """Long polling with our own HTTP client: the raw JSON goes to the inbox, unparsed."""

    def __init__(self, api_url: str, token: str, inbox: Inbox,
                 timeout: int = POLL_TIMEOUT, max_backoff: float = MAX_POLL_BACKOFF) -> None:
        self.url = f"{api_url.rstrip('/')}{token}/getUpdates"
        self.inbox = inbox
        self.timeout = timeout
        self.max_backoff = max_backoff
        self.last_fetch = time.monotonic()
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout + 10.0, connect=5.0))

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            wait = self.timeout if not self.inbox.pending else 0
            try:
                batch = await self.fetch(self.inbox.offset(), wait)
            except PollError as err:
                if err.fatal:
                    raise
                failures += 1
                delay = err.retry_after or min(self.max_backoff,
                                               0.25 * 2 ** min(failures, 6))
                log.warning("getUpdates failed (%s); again in %.1f s", err, delay)
                await _sleep_or_stop(stop, delay * random.uniform(0.8, 1.2))
                continue
            failures = 0
            self.last_fetch = time.monotonic()
            fresh = [self.inbox.add(raw) for raw in batch]
            if len(batch) >= LIMIT:  # more may wait behind these: see them at once
                self.inbox.window_full()
            elif wait == 0 and not any(f is not None for f in fresh):
                # A short poll (updates are in hand) brought nothing new: wait a moment
                # before asking again (and acknowledging what was answered meanwhile).
                await _sleep_or_stop(stop, BUSY_POLL)

    async def fetch(self, offset: int | None, wait: int, limit: int = LIMIT) -> list[Any]:
        body: dict[str, Any] = {"timeout": wait, "limit": limit,
                                "allowed_updates": Update.ALL_TYPES}
        if offset is not None:
            body["offset"] = offset
        try:
            response = await self._client.post(self.url, json=body)
            data = response.json()
        except (httpx.HTTPError, ValueError) as err:
            raise PollError(type(err).__name__) from None
        if not isinstance(data, dict) or not data.get("ok"):
            data = data if isinstance(data, dict) else {}
            code = data.get("error_code", response.status_code)
            retry = (data.get("parameters") or {}).get("retry_after")
            raise PollError(f"error {code}", float(retry) if retry else None,
                            fatal=code in (401, 404))
        result = data.get("result")
        return result if isinstance(result, list) else []

    async def acknowledge(self) -> None:
        """Confirm what was answered before stopping (a short poll that takes nothing)."""
        offset = self.inbox.offset()
        if offset is not None:
            with contextlib.suppress(PollError):
                await self.fetch(offset, 0, limit=1)

    async def close(self) -> None:
        await self._client.aclose()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
