"""Collecting validation problems field by field, raised together as one ValidationFailed."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from loyalty_portal.services.core.errors import ValidationFailed

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")


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
