"""Request bodies and query strings of /v1, validated before any service is called."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AliasChoices, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from loyalty_portal.api.schemas.types import (
    MAX_NUMBER,
    USER_ID_ALIASES,
    GroupId,
    Metadata,
    QueryModel,
    RequestModel,
    ShortText,
    Timestamp,
    UserId,
    check_iso_timestamp,
)

Text500 = Annotated[str, StringConstraints(max_length=500)]
LangKey = Annotated[str, StringConstraints(min_length=1, max_length=16)]


# -- bodies -----------------------------------------------------------------------------
class EventBody(RequestModel):
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

    _iso = field_validator("timestamp")(check_iso_timestamp)


class CreateUserBody(RequestModel):
    userId: UserId = Field(validation_alias=USER_ID_ALIASES)


class AdjustPointsBody(RequestModel):
    points: Annotated[StrictInt, Field(ge=-10_000_000, le=10_000_000)] = Field(
        description="Points to add (positive) or remove (negative); not zero."
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="Why; shown to the member."
    )
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class RedeemBody(RequestModel):
    metadata: Metadata = Field(default_factory=dict)


class GenericRedeemBody(RequestModel):
    userId: UserId | None = Field(None, validation_alias=USER_ID_ALIASES)
    offerId: ShortText = Field(validation_alias=AliasChoices("offerId", "rewardId"))
    metadata: Metadata = Field(default_factory=dict)


class LegacyRedeemBody(RequestModel):
    """`POST /v1/redeem`: the generic redemption with the old field names."""

    customerId: UserId | None = Field(None, validation_alias=USER_ID_ALIASES)
    rewardId: ShortText = Field(validation_alias=AliasChoices("rewardId", "offerId"))
    metadata: Metadata = Field(default_factory=dict)


class UseCouponBody(RequestModel):
    pass


class CancelCouponBody(RequestModel):
    reason: Text500 = ""


class LocalizedTitle(RequestModel):
    model_config = ConfigDict(extra="allow", strict=True)
    __pydantic_extra__: dict[str, Text500]

    default: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    de: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class UserGroupBody(RequestModel):
    title: LocalizedTitle
    description: Annotated[dict[LangKey, Text500], Field(max_length=20)] = Field(
        default_factory=dict
    )
    userGroupId: (
        Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
        | None
    ) = Field(None, description="Generated as `ug_` + 12 hex digits when omitted.")


# -- query strings --------------------------------------------------------------------
Limit = Annotated[int, Field(ge=1, le=100)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]


class HistoryQuery(QueryModel):
    limit: Limit = 20
    offset: Offset = 0
    from_: date | None = Field(None, alias="from", description="First day (program zone).")
    to: date | None = Field(None, description="Last day, inclusive (program zone).")
    types: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="Comma list of event, redemption, refund, expire, adjust."
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
