"""The one clock: the time and the calendar in Leiden (Europe/Amsterdam).

Opening hours are read in it, counts are kept per week by it, and "checked 12 months ago"
is counted with it. Everything that needs the time takes a :data:`Clock` (tests give a fixed
one); :func:`now` is the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Amsterdam")
Clock = Callable[[], datetime]


def now() -> datetime:
    """The time in Leiden."""
    return datetime.now(TIMEZONE)


def today(clock: Clock = now) -> date:
    """The date in Leiden for the clock's moment (a naive time is taken as Leiden time)."""
    moment = clock()
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(TIMEZONE).date()


def week_of(day: date) -> date:
    """The Monday of the week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - date.resolution).day
    return date(year, month, min(day.day, last_day))
