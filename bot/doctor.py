"""`python -m bot doctor`: is this installation ready to run? One line per check.

Checks, in order: configuration (token present and well-formed), knowledge files valid,
data directory writable, Bot API reachable (getMe). Exit 1 when any check fails.

The token is part of the Bot API URL, so neither the token nor the URL is ever printed or
logged: messages are built here from status codes and exception types, and scrubbed of the
token as a second line of defence.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from dataclasses import dataclass

import httpx

from bot.config import ConfigError, Settings, load_settings
from bot.knowledge_files import KnowledgeError, check_knowledge

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: skipped because an earlier check failed
    detail: str

    def line(self) -> str:
        status = {True: "ok  ", False: "FAIL", None: "skip"}[self.ok]
        return f"{status}  {self.name}: {self.detail}"


def check_configuration(settings: Settings) -> tuple[Check, str | None]:
    """The token check; returns the token for the API check (never for printing)."""
    try:
        token = settings.require_token()
    except ConfigError as err:
        return Check("configuration", False, str(err)), None
    return Check("configuration", True,
                 f"token present and well-formed; municipality {settings.municipality}"), token


def check_knowledge_files(settings: Settings) -> Check:
    directory = settings.knowledge_dir
    try:
        kb, problems = check_knowledge(directory)
    except (OSError, ValueError, KnowledgeError) as err:
        return Check("knowledge", False, f"{directory}: cannot be read ({type(err).__name__})")
    errors = [p for p in problems if not p.warning]
    if errors or kb is None:
        found = errors or problems
        more = ""
        if len(found) > 1:
            more = f" (and {len(found) - 1} more; run `python -m bot validate`)"
        return Check("knowledge", False, f"{found[0]}{more}")
    warnings = len(problems)
    note = f"; {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
    services = len(kb.services_for(settings.municipality))
    return Check("knowledge", True, f"{len(kb.topics)} topics, {services} services for "
                                    f"{settings.municipality} in {directory}{note}")


def check_data_dir(settings: Settings) -> Check:
    """Create the directory if needed, then write and remove a temporary file in it."""
    directory = settings.data_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        return Check("data directory", False, f"{directory} is not writable ({reason})")
    return Check("data directory", True, f"{directory} is writable")


def check_bot_api(settings: Settings, token: str | None,
                  timeout: float = DEFAULT_TIMEOUT) -> Check:
    """GET getMe. Only the host of the API is ever named, never the URL (it holds the token)."""
    if token is None:
        return Check("Bot API", None, "needs a valid token")
    base = httpx.URL(settings.telegram_api_url)
    host = f"{base.host}:{base.port}" if base.port else base.host
    try:
        with httpx.Client(timeout=timeout) as client:
            response = client.get(f"{settings.telegram_api_url}{token}/getMe")
    except httpx.TimeoutException:
        return Check("Bot API", False, f"{host} gave no answer within {timeout:g} s")
    except httpx.ConnectError:
        return Check("Bot API", False, f"cannot connect to {host}")
    except httpx.HTTPError as err:
        return Check("Bot API", False, f"request to {host} failed ({type(err).__name__})")
    if response.status_code in (401, 404):
        return Check("Bot API", False,
                     f"{host} rejected the token (HTTP {response.status_code}); "
                     "check TELEGRAM_BOT_TOKEN with @BotFather")
    if response.status_code != 200:
        return Check("Bot API", False, f"{host} answered HTTP {response.status_code}")
    try:
        body = response.json()
        result = body["result"] if body.get("ok") else None
        username = result.get("username") if isinstance(result, dict) else None
    except (ValueError, AttributeError, KeyError, TypeError):
        return Check("Bot API", False, f"{host} did not answer like the Bot API")
    if not isinstance(username, str):
        return Check("Bot API", False, f"{host} did not answer like the Bot API")
    return Check("Bot API", True, f"{host} reachable; this is bot @{username}")


def run_checks(settings: Settings, timeout: float = DEFAULT_TIMEOUT) -> list[Check]:
    config, token = check_configuration(settings)
    checks = [config, check_knowledge_files(settings), check_data_dir(settings),
              check_bot_api(settings, token, timeout)]
    if token:  # second line of defence: no detail may ever carry the token
        checks = [Check(c.name, c.ok, c.detail.replace(token, "<token>")) for c in checks]
    return checks


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"Bot API timeout (default {DEFAULT_TIMEOUT:g})")


def run(args: argparse.Namespace, name: str) -> int:
    # httpx logs each request URL at INFO level, and that URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    checks = run_checks(load_settings(), args.timeout)
    for check in checks:
        print(check.line(), flush=True)
    return 1 if any(c.ok is False for c in checks) else 0

