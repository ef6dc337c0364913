"""Field types shared by the request models (limits from API.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)


def _whole_number(value: Any) -> Any:
    """JSON Schema counts 5.0 as an integer; so do we (5.5 stays an error)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: With `Annotated[int, Field(ge=..., le=...), WholeNumber]`: a strict integer in that range
#: that also takes whole floats such as 5.0.
WholeNumber = BeforeValidator(_whole_number)


MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
MAX_NUMBER = 1_000_000_000  # event amounts and metadata numbers, either sign for metadata

UserId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@:+\-]+$")
]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=128)]
OrderId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-.:#]+$")
]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_NUMBER, le=MAX_NUMBER)]
MetaText = Annotated[str, StringConstraints(max_length=500)]
MetaKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
GroupId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
MetaValue = (
    StrictBool
    | Annotated[StrictInt, Field(ge=-MAX_NUMBER, le=MAX_NUMBER)]
    | Number
    | MetaText
    | Annotated[list[GroupId], Field(max_length=20)]
)
Metadata = Annotated[
    dict[MetaKey, MetaValue],
    Field(
        max_length=10,
        description="At most 10 fields: numbers, strings, booleans; `usergroup` is a list "
        "of user-group ids.",
    ),
]

_ISO_SCHEMA = {"type": "string", "format": "date-time", "maxLength": 64}
IsoTimestamp = Annotated[
    str, StringConstraints(min_length=1, max_length=64), WithJsonSchema(_ISO_SCHEMA)
]
EpochMs = Annotated[int, Field(ge=0, le=MAX_EPOCH_MS), WholeNumber]
Timestamp = EpochMs | IsoTimestamp

#: `customerId` and `user_id` are accepted wherever `userId` is (legacy clients).
USER_ID_ALIASES = AliasChoices("userId", "customerId", "user_id")


class RequestModel(BaseModel):
    """Unknown fields are ignored; types are not coerced (a string is not a number)."""

    model_config = ConfigDict(extra="ignore", strict=True)


class QueryModel(BaseModel):
    """Query strings are text: numbers and booleans are parsed from it."""

    model_config = ConfigDict(extra="ignore")


def parse_timestamp(value: int | str | None) -> datetime | None:
    """Epoch milliseconds or ISO-8601 (without an offset: UTC)."""
    if value is None:
        return None
    if isinstance(value, int):
        return datetime.fromtimestamp(value / 1000, UTC)
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def check_iso_timestamp(value: Any) -> Any:
    """Field validator body: an ISO string must parse and carry a time."""
    if isinstance(value, str):
        if "T" not in value.upper():
            raise ValueError("an ISO-8601 date-time such as 2026-11-05T14:30:00Z")
        try:
            parse_timestamp(value)
        except (ValueError, OverflowError):
            raise ValueError("an ISO-8601 date-time such as 2026-11-05T14:30:00Z") from None
    return value
