"""Logging, configured once: a level, a quiet ``httpx``, and no bot token in any record.

The bot token sits in every Bot API URL, and libraries log URLs (httpx at INFO, PTB at DEBUG,
exception texts of network errors). So a filter on the root handlers rewrites each record
before it is written: the token, and anything shaped like a token, becomes ``[token]``.
python-telegram-bot's own DEBUG records (whole updates, request parameters) are never let
through, whatever the level: they hold what people wrote.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from bot.config import ConfigError, Settings

REDACTED = "[token]"
# Like bot.config.TOKEN_PATTERN but unanchored, and also with the colon URL-encoded.
_TOKEN_LIKE = re.compile(r"\d{5,20}(?::|%3[Aa])[A-Za-z0-9_-]{30,100}")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replaces the bot token (and token-shaped strings) in message, arguments and tracebacks."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_LIKE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = f"{record.msg!s} {record.args!r}"
        # The formatted message replaces msg and args, so no argument can carry the token.
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_OWN_HANDLER = "hulpwijzer"
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def configure_logging(
    settings: Settings, stream: TextIO | None = None, level: str | None = None
) -> RedactingFilter:
    """Set up the root logger; calling it again replaces what an earlier call installed."""
    chosen = (level or settings.log_level).upper()
    if chosen not in _LEVELS:
        raise ConfigError(f"BOT_LOG_LEVEL must be one of {', '.join(_LEVELS)}, got {chosen!r}")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _OWN_HANDLER:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_OWN_HANDLER)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(chosen)
    # httpx logs every request URL at INFO, and those URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.INFO)
    # python-telegram-bot's DEBUG records hold whole updates and request parameters: what
    # people wrote, their ids and names. They never pass, whatever the level.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(chosen)))

    redactor = RedactingFilter((settings.telegram_token,) if settings.telegram_token else ())
    for each in root.handlers:  # every handler, also ones others added (pytest's, say)
        for old in [f for f in each.filters if isinstance(f, RedactingFilter)]:
            each.removeFilter(old)
        each.addFilter(redactor)
    return redactor
