"""Configuration: the one place that reads environment variables.

Every setting the bot knows is a field of :class:`Settings`; the README lists them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TOKEN_PATTERN = re.compile(r"^\d{5,20}:[A-Za-z0-9_-]{30,100}$")
USERNAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")  # Telegram: 5-32 characters
DEFAULT_API_URL = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path = Path("knowledge")
    data_dir: Path = Path("data")
    municipality: str = "leiden"
    telegram_token: str | None = None
    telegram_api_url: str = DEFAULT_API_URL
    log_level: str = "INFO"
    stats_retention_months: int = 24
    stats_min_count: int = 5
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    # touched by the running bot; the container health check reads its age (no data in it)
    heartbeat_file: Path = Path("/tmp/hulpwijzer-heartbeat")
    stale_months: int = 12  # validate/review: a `checked:` date older than this needs a re-check
    bot_username: str | None = None  # for deep links and QR codes: t.me/<bot_username>
    # trained models, keyed by a hash of what they learn from; None: train at every start
    model_cache_dir: Path | None = Path("data/models")

    def require_token(self) -> str:
        """Return the bot token, or raise ConfigError with a one-line reason (never the token)."""
        token = self.telegram_token
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
        if not TOKEN_PATTERN.match(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is malformed; expected digits, a colon and a long code "
                "as @BotFather gives it"
            )
        return token


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from the environment (or the given mapping)."""
    env = os.environ if env is None else env
    municipality = env.get("BOT_MUNICIPALITY", "leiden").strip().lower() or "leiden"
    if not re.fullmatch(r"[a-z0-9-]+", municipality):
        raise ConfigError(f"BOT_MUNICIPALITY must be an id like 'leiden', got {municipality!r}")
    return Settings(
        knowledge_dir=Path(env.get("BOT_KNOWLEDGE_DIR", "") or "knowledge"),
        data_dir=Path(env.get("BOT_DATA_DIR", "") or "data"),
        municipality=municipality,
        telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        telegram_api_url=env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL,
        log_level=(env.get("BOT_LOG_LEVEL", "") or "INFO").upper(),
        stats_retention_months=_int(env, "BOT_STATS_RETENTION_MONTHS", 24, minimum=1),
        stats_min_count=_int(env, "BOT_STATS_MIN_COUNT", 5, minimum=5),
        webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None,
        webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None,
        webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or "0.0.0.0",
        webhook_port=_int(env, "TELEGRAM_WEBHOOK_PORT", 8443, minimum=1),
        heartbeat_file=Path(env.get("BOT_HEARTBEAT_FILE", "").strip()
                            or "/tmp/hulpwijzer-heartbeat"),
        stale_months=_int(env, "BOT_STALE_MONTHS", 12, minimum=1),
        bot_username=_username(env.get("BOT_USERNAME", "")),
        model_cache_dir=_cache_dir(env),
    )


def _cache_dir(env: Mapping[str, str]) -> Path | None:
    raw = env.get("BOT_MODEL_CACHE", "").strip()
    if raw.lower() in ("off", "none", "no"):
        return None
    return Path(raw) if raw else Path(env.get("BOT_DATA_DIR", "") or "data") / "models"


def _username(raw: str) -> str | None:
    name = raw.strip().removeprefix("@")
    if not name:
        return None
    if not USERNAME_PATTERN.match(name):
        raise ConfigError(f"BOT_USERNAME must be a Telegram bot username like "
                          f"'HulpwijzerLeidenBot', got {name!r}")
    return name
