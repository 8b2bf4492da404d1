"""Logging, configured once: a level, quiet libraries, no token and no personal data.

The bot token sits in every Bot API URL, and libraries log URLs (httpx at INFO, PTB at DEBUG,
exception texts of network errors). So a filter on the root handlers rewrites each record
before it is written: the token, and anything shaped like a token, becomes ``[token]``.

What people wrote, their names, usernames and ids can reach a library's log record: PTB logs
whole updates (at DEBUG, and at CRITICAL when it cannot parse one), aiosqlite logs every
statement with its values at DEBUG. Names of loggers change between versions, so the filter
looks at what a record holds: an argument that is not a plain number or word is left out
(``[...]``), and a record that looks like a Telegram payload (``update_id``, ``first_name``,
``"text":`` and the like) is withheld whole, its logger and level kept so the event is seen.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import TextIO

from bot.config import ConfigError, Settings

REDACTED = "[token]"
# Like bot.config.TOKEN_PATTERN but unanchored, and also with the colon URL-encoded.
_TOKEN_LIKE = re.compile(r"\d{5,20}(?::|%3[Aa])[A-Za-z0-9_-]{30,100}")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Fields of Telegram's JSON (and PTB's objects) that come with a person's data.
_PAYLOAD = re.compile(
    r"update_id|first_name|last_name|username|phone_number|language_code|"
    r"""['"](?:text|caption|chat|from|chat_id|user_id|contact|location)['"]"""
    r"|\b(?:Message|User|Chat|Update|Contact)\(")
WITHHELD = "[a record that may hold personal data was withheld]"
LEFT_OUT = "[...]"
_PLAIN = (int, float, bool, type(None))


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
        record.args = _plain_args(record.args)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = f"{record.msg!s} {LEFT_OUT}"
        # The formatted message replaces msg and args, so no argument can carry the token.
        record.msg = WITHHELD if _PAYLOAD.search(message) else self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = (_withhold_exception(record.exc_text)
                               if _PAYLOAD.search(record.exc_text)
                               else self.redact(record.exc_text))
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _plain_args(args: object) -> tuple[object, ...] | dict[str, object] | None:
    """Arguments with everything but numbers, booleans and short words left out."""
    if args is None:
        return None
    if isinstance(args, Mapping):
        return {str(k): _plain(v) for k, v in args.items()}
    if isinstance(args, tuple):
        return tuple(_plain(v) for v in args)
    return (_plain(args),)


def _plain(value: object) -> object:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, str) and len(value) <= 200:
        return value  # checked as part of the message below
    if isinstance(value, BaseException):
        return type(value).__name__
    return LEFT_OUT


def _withhold_exception(text: str) -> str:
    """A traceback whose text holds a payload: keep where it happened, not what it said."""
    lines = [line for line in text.splitlines()
             if line.startswith("  File ") or line.startswith("Traceback")]
    return "\n".join([*lines, WITHHELD])


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
    # aiosqlite logs each statement with its values at DEBUG: one stats write, one person.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # python-telegram-bot's DEBUG records hold whole updates and request parameters: what
    # people wrote, their ids and names. They never pass, whatever the level.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(chosen)))

    redactor = RedactingFilter((settings.telegram_token,) if settings.telegram_token else ())
    for each in root.handlers:  # every handler, also ones others added (pytest's, say)
        for old in [f for f in each.filters if isinstance(f, RedactingFilter)]:
            each.removeFilter(old)
        each.addFilter(redactor)
    return redactor
