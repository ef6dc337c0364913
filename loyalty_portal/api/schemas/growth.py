"""Bodies of the growth routes (**ours**): campaigns and referrals."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from loyalty_portal.api.schemas.responses import EpochMs, ResponseModel
from loyalty_portal.api.schemas.types import (
    RequestModel,
    ShortText,
    Timestamp,
    WholeNumber,
    check_iso_timestamp,
)

Title = Annotated[str, Field(min_length=1, max_length=200)]


class CampaignBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "title": "Double points weekend",
                    "startsAt": "2026-12-05T00:00:00+01:00",
                    "endsAt": "2026-12-07T00:00:00+01:00",
                    "multiplier": 2.0,
                    "eventIds": ["purchase_completed"],
                }
            ]
        },
    )

    title: Title
    startsAt: Timestamp = Field(description="Epoch ms or ISO-8601 (without offset: UTC).")
    endsAt: Timestamp
    multiplier: Annotated[float, Field(ge=1.0, le=10.0, allow_inf_nan=False)] | None = None
    bonusPoints: Annotated[int, Field(ge=0, le=1_000_000), WholeNumber] | None = None
    eventIds: Annotated[list[ShortText], Field(max_length=100)] | None = Field(
        None, description="The rules it applies to (omitted: every rule)."
    )
    usergroups: Annotated[list[ShortText], Field(max_length=100)] | None = None
    minTier: ShortText | None = Field(None, description="A tier's name.")

    _iso = field_validator("startsAt", "endsAt")(check_iso_timestamp)


class CampaignOut(ResponseModel):
    campaignId: str
    title: str
    startsAt: EpochMs
    endsAt: EpochMs = Field(description="The effective end (earlier when ended early).")
    multiplier: float
    bonusPoints: int
    eventIds: list[str] | None
    usergroups: list[str] | None
    minTier: str | None
    status: Literal["SCHEDULED", "ACTIVE", "ENDED"]


class CampaignList(ResponseModel):
    campaigns: list[CampaignOut]


class ReferralOut(ResponseModel):
    code: str
    link: str = Field(description="The portal registration URL with `?ref=`.")
    invited: int
    completed: int
    pointsEarned: int
