"""Anonymous counts: the store the bot writes (:mod:`.store`) and staff reports (:mod:`.report`)."""

from bot.stats.store import FILENAME, StatsStore

__all__ = ["FILENAME", "StatsStore"]
