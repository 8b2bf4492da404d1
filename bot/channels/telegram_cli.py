"""`python -m bot telegram [--webhook]`: run the Telegram bot until SIGTERM or Ctrl-C.

Long polling by default. With ``--webhook`` a small web server receives updates at
``/telegram`` (never a path with the token in it) and refuses every request without the
secret header Telegram sends (``TELEGRAM_WEBHOOK_SECRET``) with 403. Both run in
:mod:`bot.channels.telegram_run`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.channels.telegram import TelegramChannel, build_application
from bot.channels.telegram_run import WEBHOOK_PATH, Progress, serve
from bot.clock import now
from bot.config import ConfigError, Settings, load_settings
from bot.core.model import KnowledgeBase
from bot.heartbeat import Heartbeat
from bot.logging_setup import configure_logging
from bot.reload import start_watching
from bot.stats.store import FILENAME, StatsStore

log = logging.getLogger(__name__)
STATS_WRITE_SECONDS = 5.0  # counts reach the file within this; one write serves a burst
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--webhook", action="store_true",
        help="receive updates on a web server (TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET) "
        "instead of long polling",
    )


def run(args: argparse.Namespace, name: str) -> int:
    settings = load_settings()
    if args.webhook:
        return run_webhook(settings)
    return run_polling(settings)


def create_sink(settings: Settings, kb: KnowledgeBase) -> StatsStore:
    """Where anonymous events go: the counts store under BOT_DATA_DIR.

    Only the knowledge base's own topic ids and campaign codes are counted by name, so no
    free text can ever reach the file.
    """
    return StatsStore(
        Path(settings.data_dir) / FILENAME,
        retention_months=settings.stats_retention_months,
        allowed_topics=kb.topics,
        allowed_sources=kb.campaigns,
        write_seconds=STATS_WRITE_SECONDS,
        flush_seconds=STATS_WRITE_SECONDS,
    )


def _prepare(settings: Settings) -> tuple[Application, TelegramChannel, Progress]:  # type: ignore[type-arg]
    """Check the token, set up logging, load the knowledge, build the application."""
    settings.require_token()  # a clean one-line error before anything else happens
    configure_logging(settings)
    _check_token(settings)
    holder, watcher = start_watching(settings.knowledge_dir, settings.municipality,
                                     cache_dir=settings.model_cache_dir)
    store = create_sink(settings, holder.current().kb)
    progress = Progress()
    beat = Heartbeat(settings.heartbeat_file, healthy=progress.healthy)
    channel = TelegramChannel(holder.current, store, now,
                              retention_months=settings.stats_retention_months)
    application = build_application(settings, holder.current, store, now, channel=channel)

    async def start_watcher() -> None:
        watcher.start()

    # Started after the application's own start-up, stopped before its shutdown ends:
    # hot reload of the knowledge files, the counts store, the health-check heartbeat.
    _alongside(application, start_watcher, watcher.stop)
    _alongside(application, store.start, store.close)
    _alongside(application, beat.start, beat.stop)
    return application, channel, progress


def _alongside(
    application: Application,  # type: ignore[type-arg]
    start: Callable[[], Awaitable[None]],
    stop: Callable[[], Awaitable[None]],
) -> None:
    """Run ``start`` after the application's start-up and ``stop`` at its shutdown."""
    after_init, before_shutdown = application.post_init, application.post_shutdown

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        if after_init is not None:
            await after_init(app)
        await start()

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        await stop()
        if before_shutdown is not None:
            await before_shutdown(app)

    application.post_init = post_init
    application.post_shutdown = post_shutdown


def run_polling(settings: Settings) -> int:
    """Long polling until SIGTERM/SIGINT; 0 on a clean stop."""
    application, channel, progress = _prepare(settings)
    log.info("Hulpwijzer is running on Telegram (long polling); stop with Ctrl-C")
    with _start_errors(settings):
        asyncio.run(serve(application, channel, settings, progress))
    log.info("Hulpwijzer stopped")
    return 0


@contextmanager
def _start_errors(settings: Settings) -> Iterator[None]:
    """Turn Telegram refusing the token, or not answering, into a one-line error."""
    try:
        yield
    except InvalidToken:
        raise ConfigError("Telegram refused TELEGRAM_BOT_TOKEN (revoked or mistyped?); "
                          "check it with @BotFather") from None
    except NetworkError as err:
        raise ConfigError(
            f"cannot reach the Bot API at {settings.telegram_api_url} ({type(err).__name__}); "
            "check the network or TELEGRAM_API_URL"
        ) from None


def _check_token(settings: Settings) -> None:
    """Ask Telegram once whether it knows the token, so a refusal is one line, not a
    traceback logged from inside python-telegram-bot's start-up."""

    async def get_me() -> None:
        async with Bot(settings.require_token(), base_url=settings.telegram_api_url):
            pass  # entering calls getMe

    with _start_errors(settings):
        asyncio.run(get_me())


def webhook_config(settings: Settings) -> tuple[str, str]:
    """The public URL and the secret, or ConfigError saying what is missing."""
    token = settings.require_token()
    if not settings.webhook_url:
        raise ConfigError("TELEGRAM_WEBHOOK_URL is not set; it is the public https address "
                          f"that reaches this server's /{WEBHOOK_PATH} path")
    if token in settings.webhook_url:
        raise ConfigError("TELEGRAM_WEBHOOK_URL must not contain the bot token")
    secret = settings.webhook_secret
    if not secret:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is not set; choose a long random code")
    if not _SECRET.fullmatch(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET may only hold letters, digits, _ and - "
                          "(at most 256)")
    return settings.webhook_url, secret


def run_webhook(settings: Settings) -> int:
    """Serve the webhook until SIGTERM/SIGINT; every request must carry the secret."""
    url, secret = webhook_config(settings)
    application, channel, progress = _prepare(settings)
    log.info("Hulpwijzer is running on Telegram (webhook on %s:%d/%s)",
             settings.webhook_listen, settings.webhook_port, WEBHOOK_PATH)
    with _start_errors(settings):
        asyncio.run(serve(application, channel, settings, progress, webhook=(url, secret)))
    log.info("Hulpwijzer stopped")
    return 0
