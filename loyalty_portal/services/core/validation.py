"""Collecting validation problems field by field, raised together as one ValidationFailed."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from loyalty_portal.services.core.errors import ValidationFailed

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")

#: The calendar days a filter may name. Both databases and Python's datetime break near
#: year 1 and year 9999 (a day's end or a time-zone shift overflows), and no loyalty
#: program has entries outside these.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
DAY_RANGE_MESSAGE = f"Choose a date from {EARLIEST_DAY:%Y-%m-%d} to {LATEST_DAY:%Y-%m-%d}."
NUL_MESSAGE = "Text may not contain NUL characters (\\u0000)."
#: JSON nested deeper than this is refused before anything reads it.
MAX_JSON_DEPTH = 32


def day_out_of_range(value: date | None) -> bool:
    return value is not None and not EARLIEST_DAY <= value <= LATEST_DAY


def check_days(**days: date | None) -> None:
    """Refuse (400, field by field) any named day outside EARLIEST_DAY..LATEST_DAY."""
    problems = Problems()
    for field, value in days.items():
        if day_out_of_range(value):
            problems.add(field.rstrip("_"), DAY_RANGE_MESSAGE)
    problems.raise_any()


def has_nul(value: Any) -> bool:
    """Whether a NUL character is anywhere in a text, or in a JSON value's keys or texts.

    PostgreSQL cannot store NUL in text (the query fails), and SQLite stores it and then
    truncates or mismatches on it: so it never gets past the door.
    """
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


def refuse_nul(value: Any, field: str) -> None:
    """400 when `value` (a text or a JSON value) holds a NUL character anywhere."""
    if has_nul(value):
        raise ValidationFailed(NUL_MESSAGE, details={field: [NUL_MESSAGE]})


def refuse_deep_json(raw: bytes) -> None:
    """400 when raw JSON nests deeper than MAX_JSON_DEPTH."""
    if json_depth_exceeds(raw):
        message = f"The JSON body may nest at most {MAX_JSON_DEPTH} levels deep."
        raise ValidationFailed(message, details={"body": [message]})


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether raw JSON nests arrays/objects deeper than `limit` (strings skipped).

    Checked on the bytes before parsing: the parser itself gives up near 1,000 levels
    with a RecursionError, and every later walk of the value recurses too.
    """
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class Problems:
    """Messages per field; `raise_any()` raises them all at once (the form shows each)."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.details.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_any(self) -> None:
        if self.details:
            first = next(iter(self.details.values()))[0]
            raise ValidationFailed(first, details=self.details)

    # -- common checks ------------------------------------------------------
    def text(self, field: str, value: str | None, *, max_len: int, required: bool = False) -> str:
        value = (value or "").strip()
        if required and not value:
            self.add(field, "Required.")
        elif len(value) > max_len:
            self.add(field, f"At most {max_len} characters.")
        return value

    def slug(self, field: str, value: str | None) -> str:
        value = (value or "").strip()
        if value.lower() == "new":
            self.add(field, "“new” is reserved; choose another id.")
        elif not SLUG.fullmatch(value):
            self.add(
                field,
                "1 to 64 letters, digits or _ . : - (starting with a letter or digit).",
            )
        return value

    def int_range(
        self, field: str, value: int | None, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field, "A whole number.")
        elif low is not None and value < low:
            self.add(field, f"At least {low:,}.")
        elif high is not None and value > high:
            self.add(field, f"At most {high:,}.")
        return value

    def decimal_range(
        self, field: str, value: Decimal | None, *, low: Decimal, strict: bool = False
    ) -> Decimal | None:
        if value is None:
            return None
        if not value.is_finite() or value < low or (strict and value == low):
            self.add(field, f"Must be {'more than' if strict else 'at least'} {low}.")
        elif abs(value) >= Decimal(10) ** 9:
            self.add(field, "Too large.")
        elif value != value.quantize(Decimal("0.0001")):
            self.add(field, "At most 4 decimal places.")
        return value

    def choice(self, field: str, value: str | None, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.add(field, f"Choose one of: {', '.join(choices)}.")
        return value or ""

    def url(self, field: str, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.add(field, "A full http:// or https:// address.")
        elif len(value) > 500:
            self.add(field, "At most 500 characters.")
        return value

    def day(self, field: str, value: date | None) -> date | None:
        if day_out_of_range(value):
            self.add(field, DAY_RANGE_MESSAGE)
        return value

    def window(
        self, start_field: str, start: datetime | None, end_field: str, end: datetime | None
    ) -> None:
        if start is not None and end is not None and end <= start:
            self.add(end_field, "Must be after the start.")

    def expiry(self, policy: str | None, days: int | None, policies: tuple[str, ...]) -> int | None:
        """An expiry policy and its days; returns the days to keep (None unless 'days')."""
        self.choice("expiry_policy", policy, policies)
        if policy != "days":
            return None
        if days is None:
            self.add("expiry_days", "Required when points expire after a number of days.")
        return self.int_range("expiry_days", days, low=1, high=36500)


def plain(value: Any) -> Any:
    """A value as JSON for the audit log (datetimes ISO, decimals as text)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def plain_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """`plain` of a record's fields (what `plain` does to a dict, typed as one)."""
    return {k: plain(v) for k, v in fields.items()}


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after) for an audit entry."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
