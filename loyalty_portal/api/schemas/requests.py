"""Request bodies and query strings of /v1, validated before any service is called."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

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
    whole_int,
)

Text500 = Annotated[str, StringConstraints(max_length=500)]
LangKey = Annotated[str, StringConstraints(min_length=1, max_length=16)]


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

    _iso = field_validator("timestamp")(check_iso_timestamp)


class CreateUserBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore", strict=True, json_schema_extra={"examples": [{"userId": "new-user-1"}]}
    )

    userId: UserId | None = Field(
        None,
        validation_alias=USER_ID_ALIASES,
        description="Required with an API key; a member token creates its own `sub`.",
    )


class AdjustPointsBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={"examples": [{"points": 50, "reason": "Goodwill"}]},
    )

    points: whole_int(-10_000_000, 10_000_000) = Field(  # type: ignore[valid-type]
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


class GenericRedeemBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={"examples": [{"userId": "alice", "offerId": "coffee"}]},
    )

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


NonBlank = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"\S")]
LANG_KEYS = {"minLength": 1, "maxLength": 16}


class LocalizedTitle(RequestModel):
    """`default` and `de` are required; other languages (keys up to 16 characters) may follow."""

    model_config = ConfigDict(
        extra="allow", strict=True, json_schema_extra={"propertyNames": LANG_KEYS}
    )
    __pydantic_extra__: dict[str, Text500]

    default: NonBlank
    de: NonBlank

    @model_validator(mode="after")
    def _language_keys(self) -> LocalizedTitle:
        for key in self.__pydantic_extra__ or {}:
            if not 1 <= len(key) <= LANG_KEYS["maxLength"]:
                raise ValueError("language keys are 1 to 16 characters")
        return self


class UserGroupBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={"examples": [{"title": {"default": "Gold club", "de": "Goldklub"}}]},
    )

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


_TYPE = r"\s*(event|redemption|refund|expire|adjust)\s*"
TYPES_PATTERN = rf"^({_TYPE}(,{_TYPE})*)?$"


class HistoryQuery(QueryModel):
    limit: Limit = 20
    offset: Offset = 0
    from_: date | None = Field(None, alias="from", description="First day (program zone).")
    to: date | None = Field(None, description="Last day, inclusive (program zone).")
    types: Annotated[str, StringConstraints(max_length=100, pattern=TYPES_PATTERN)] | None = Field(
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
