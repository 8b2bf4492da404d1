"""Run the Telegram bot until SIGTERM: long polling or a webhook, one life cycle for both.

Start: the Application's start-up (and the counts store, hot reload and heartbeat that
``telegram_cli`` hangs on it), then updates flow through the :class:`Inbox`. Stop, on SIGTERM
or Ctrl-C: no new updates are taken, those in hand get their answers (for a few seconds), what
was answered is acknowledged, then the Application shuts down and the counts are written;
all within Docker's ten seconds.

Health: the heartbeat file is touched only while the bot makes progress: updates were fetched
lately (polling) and, when there is work, a reply went out lately.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
import time
from dataclasses import dataclass

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_inbox import Inbox, Poller, PollError
from bot.config import ConfigError, Settings

log = logging.getLogger(__name__)
DRAIN_SECONDS = 6.0  # at a stop, the time left to answer what is in hand
STALL_SECONDS = 120.0  # no fetch, or work without a reply, this long: unhealthy
WEBHOOK_PATH = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20


@dataclass
class Progress:
    """What the heartbeat asks: is the bot still taking updates and answering them?"""

    inbox: Inbox | None = None
    poller: Poller | None = None
    stall: float = STALL_SECONDS

    def healthy(self) -> bool:
        now = time.monotonic()
        if self.poller is not None and now - self.poller.last_fetch > self.stall:
            return False
        return not (self.inbox is not None and self.inbox.pending
                    and now - self.inbox.last_progress > self.stall)


async def serve(application: Application, channel: TelegramChannel,  # type: ignore[type-arg]
                settings: Settings, progress: Progress | None = None,
                webhook: tuple[str, str] | None = None,
                stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (by SIGTERM or SIGINT when not given)."""
    stop = stop or _stop_on_signals()
    progress = progress or Progress()
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        inbox = Inbox(application, channel.urgent, channel.unreadable)
        progress.inbox = inbox
        if webhook is None:
            await _poll(application, settings, inbox, progress, stop)
        else:
            await _webhook(application, settings, inbox, webhook, stop)
    finally:
        if application.running:
            await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _poll(application: Application, settings: Settings,  # type: ignore[type-arg]
                inbox: Inbox, progress: Progress, stop: asyncio.Event) -> None:
    await application.bot.delete_webhook()  # getUpdates is refused while a webhook is set
    poller = Poller(settings.telegram_api_url, settings.require_token(), inbox)
    progress.poller = poller
    task = asyncio.create_task(poller.run(stop), name="getUpdates")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if task.done() and task.exception() is not None:
            err = task.exception()
            if isinstance(err, PollError) and err.fatal:
                raise ConfigError("Telegram no longer accepts TELEGRAM_BOT_TOKEN (revoked?); "
                                  "check it with @BotFather") from None
            raise err  # type: ignore[misc]
    finally:
        for each in (task, stopping):
            each.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await each
        await inbox.drain(DRAIN_SECONDS)
        await poller.acknowledge()
        inbox.close()
        await poller.close()


async def _webhook(application: Application, settings: Settings,  # type: ignore[type-arg]
                   inbox: Inbox, hook: tuple[str, str], stop: asyncio.Event) -> None:
    url, secret = hook

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            raw = await request.json()
        except ValueError:
            await inbox.unreadable()
            return web.Response()  # skipped: asking Telegram to send it again cannot help
        done = inbox.add(raw)
        if done is not None:  # Telegram hears "received" only once it has been answered
            await asyncio.shield(done)
        return web.Response()

    server = web.Application(client_max_size=MAX_UPDATE_BYTES)
    server.router.add_post(f"/{WEBHOOK_PATH}", receive)
    runner = web.AppRunner(server, access_log=None)  # an access log holds addresses and times
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
        await site.start()
        await application.bot.set_webhook(url, secret_token=secret,
                                          allowed_updates=Update.ALL_TYPES)
        await stop.wait()
        await inbox.drain(DRAIN_SECONDS)
    finally:
        inbox.close()
        await runner.cleanup()
