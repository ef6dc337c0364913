"""Clock and calendar helpers: UTC in storage, the program's zone for calendar rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_epoch_ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` starts in `tz`."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def period_start(now: datetime, period: str, tz: ZoneInfo) -> datetime | None:
    """Start (UTC) of the calendar day, ISO week, month or year containing `now` in `tz`.

    `ever` has no start (None).
    """
    local = now.astimezone(tz).date()
    if period == "day":
        return local_midnight(local, tz)
    if period == "week":
        return local_midnight(local - timedelta(days=local.weekday()), tz)
    if period == "month":
        return local_midnight(local.replace(day=1), tz)
    if period == "year":
        return local_midnight(local.replace(month=1, day=1), tz)
    if period == "ever":
        return None
    raise ValueError(f"unknown period {period!r}")


def next_period_start(now: datetime, period: str, tz: ZoneInfo) -> datetime:
    """Start (UTC) of the month or year after the one containing `now` in `tz`."""
    local = now.astimezone(tz).date()
    if period == "month":
        first = local.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return local_midnight(following, tz)
    if period == "year":
        return local_midnight(date(local.year + 1, 1, 1), tz)
    raise ValueError(f"unknown period {period!r}")
