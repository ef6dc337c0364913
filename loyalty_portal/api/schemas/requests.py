"""Request bodies and query strings of /v1, validated before any service is called."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    field_validator,
)

from loyalty_portal.api.schemas.types import (
    MAX_NUMBER,
    USER_ID_ALIASES,
    GroupId,
    Metadata,
    OrderId,
    QueryModel,
    RequestModel,
    ShortText,
    Timestamp,
    UserId,
    WholeNumber,
    check_iso_timestamp,
)
from loyalty_portal.services.program import groups

Text500 = Annotated[str, StringConstraints(max_length=500)]


# -- bodies -----------------------------------------------------------------------------
class EventBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={
            "examples": [{"eventId": "purchase_completed", "userId": "alice", "amount": 42.5}]
        },
    )

    eventId: ShortText = Field(description="The earning rule's key, e.g. `purchase_completed`.")
    userId: UserId | None = Field(
        None,
        validation_alias=USER_ID_ALIASES,
        description="Required with an API key; a member token acts for its own `sub`.",
    )
    metadata: Metadata = Field(default_factory=dict)
    amount: Annotated[float, Field(allow_inf_nan=False, ge=0, le=MAX_NUMBER)] | None = Field(
        None, description="The value for CONDITIONAL and TRANSACTION rules."
    )
    timestamp: Timestamp | None = Field(None, description="When it happened: epoch ms or ISO.")
    orderId: OrderId | None = Field(
        None,
        description="The shop's order (or `metadata.orderId`): points are booked to it, "
        "once per rule (a resent event earns nothing: `duplicate_order`).",
    )

    _iso = field_validator("timestamp")(check_iso_timestamp)


class EventBatchBody(RequestModel):
    """Items are validated one by one (a bad item fails alone), so they are loose here."""

    model_config = ConfigDict(extra="ignore", strict=True)

    events: list[Any] = Field(
        min_length=1,
        max_length=1000,
        description="1 to 1000 `POST /v1/event` bodies, each with an optional "
        "`idempotencyKey` (the same key namespace as the Idempotency-Key header).",
    )


class CreateUserBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore", strict=True, json_schema_extra={"examples": [{"userId": "new-user-1"}]}
    )

    userId: UserId | None = Field(
        None,
        validation_alias=USER_ID_ALIASES,
        description="Required with an API key; a member token creates its own `sub`.",
    )
    referralCode: ShortText | None = Field(
        None, description="**ours**: the inviting member's code (unknown or own: 400)."
    )


class AdjustPointsBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={"examples": [{"points": 50, "reason": "Goodwill"}]},
    )

    points: Annotated[int, Field(ge=-10_000_000, le=10_000_000), WholeNumber] = Field(
        description="Points to add (positive) or remove (negative); not zero.",
        json_schema_extra={"not": {"const": 0}},
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"\S")] = Field(
        description="Why; shown to the member."
    )
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    @field_validator("points")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be zero")
        return value


class RedeemBody(RequestModel):
    metadata: Metadata = Field(default_factory=dict)
    expectedPoints: Annotated[int, Field(ge=0, le=MAX_NUMBER), WholeNumber] | None = Field(
        None,
        description="The price the member was shown; if the offer now costs anything "
        "else the answer is 409 `price_changed` and nothing is spent.",
    )


class GenericRedeemBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={"examples": [{"userId": "alice", "offerId": "coffee"}]},
    )

    userId: UserId | None = Field(None, validation_alias=USER_ID_ALIASES)
    offerId: ShortText = Field(validation_alias=AliasChoices("offerId", "rewardId"))
    metadata: Metadata = Field(default_factory=dict)
    expectedPoints: Annotated[int, Field(ge=0, le=MAX_NUMBER), WholeNumber] | None = Field(
        None,
        description="The price the member was shown; if the offer now costs anything "
        "else the answer is 409 `price_changed` and nothing is spent.",
    )


class LegacyRedeemBody(RequestModel):
    """`POST /v1/redeem`: the generic redemption with the old field names."""

    customerId: UserId | None = Field(None, validation_alias=USER_ID_ALIASES)
    rewardId: ShortText = Field(validation_alias=AliasChoices("rewardId", "offerId"))
    metadata: Metadata = Field(default_factory=dict)
    expectedPoints: Annotated[int, Field(ge=0, le=MAX_NUMBER), WholeNumber] | None = Field(
        None,
        description="The price the member was shown; if the offer now costs anything "
        "else the answer is 409 `price_changed` and nothing is spent.",
    )


class UseCouponBody(RequestModel):
    pass


class CancelCouponBody(RequestModel):
    reason: Text500 = ""


def _texts_schema(required: list[str], max_len: int) -> dict[str, JsonValue]:
    """How a texts-by-language object is documented; `program.groups` enforces it, with
    the same sentences for every door, so the model here checks only the JSON types."""
    schema: dict[str, JsonValue] = {
        "propertyNames": {"pattern": groups.LANGUAGE_KEY.pattern},
        "additionalProperties": {"type": "string", "maxLength": max_len},  # blanks dropped
        "maxProperties": 20,
    }
    if required:
        schema["required"] = [*required]
        schema["properties"] = {
            lang: {"type": "string", "minLength": 1, "maxLength": max_len, "pattern": r"\S"}
            for lang in required
        }
    return schema


class UserGroupBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={"examples": [{"title": {"default": "Gold club", "de": "Goldklub"}}]},
    )

    title: dict[str, str] = Field(
        description="The group's name by language; `default` and `de` are required.",
        json_schema_extra=_texts_schema(list(groups.REQUIRED_TITLES), groups.MAX_TITLE),
    )
    description: dict[str, str] = Field(
        default_factory=dict,
        json_schema_extra=_texts_schema([], groups.MAX_DESCRIPTION),
    )
    userGroupId: str | None = Field(
        None,
        description="Letters, digits, `_` or `-`, at most 128. Generated as `ug_` + 12 hex "
        "digits when omitted.",
        json_schema_extra={"pattern": groups.GROUP_ID.pattern},
    )


# -- query strings --------------------------------------------------------------------
Limit = Annotated[int, Field(ge=1, le=100)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]


_TYPE = r"\s*(event|redemption|refund|expire|adjust|reverse|payment)\s*"
TYPES_PATTERN = rf"^({_TYPE}(,{_TYPE})*)?$"


class HistoryQuery(QueryModel):
    limit: Limit = 20
    offset: Offset = 0
    from_: date | None = Field(None, alias="from", description="First day (program zone).")
    to: date | None = Field(None, description="Last day, inclusive (program zone).")
    types: Annotated[str, StringConstraints(max_length=100, pattern=TYPES_PATTERN)] | None = Field(
        None,
        description="Comma list of event, redemption, refund, expire, adjust, reverse, payment.",
    )
    lang: Annotated[str, StringConstraints(max_length=16)] | None = None


class PageQuery(QueryModel):
    limit: Limit = 20
    offset: Offset = 0


class OfferQuery(QueryModel):
    includeStatistics: bool = False
    includeShop: bool = False


Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Timeframe = Literal["7d", "30d", "365d"]


class LeaderboardQuery(QueryModel):
    groupId: GroupId = Field(description="`default` ranks every user.")
    month: Month | None = Field(None, description="YYYY-MM; give this or timeframe.")
    timeframe: Timeframe | None = Field(None, description="Give this or month.")


class ProjectLeaderboardQuery(LeaderboardQuery):
    limit: Limit = 10
    offset: Offset = 0


class RankQuery(QueryModel):
    groupId: GroupId = "default"
