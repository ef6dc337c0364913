"""Response bodies of /v1, camelCase exactly as API.md; timestamps are epoch milliseconds."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from loyalty_portal.models.enums import CouponStatus, GroupStatus, OfferType, RuleType, ShopStatus

EpochMs = int
Refusal = Literal[
    "insufficient_points",
    "out_of_stock",
    "limit_reached",
    "offer_not_available",
    "tier_required",
]


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


# -- errors -----------------------------------------------------------------------------
class ErrorDetail(ResponseModel):
    code: str = Field(description="snake_case, e.g. `insufficient_points`.")
    message: str
    details: dict[str, list[str]] | None = Field(
        None, description="Validation errors: field -> messages."
    )
    missingPoints: int | None = None


class ErrorResponse(ResponseModel):
    error: ErrorDetail


# -- events and users -------------------------------------------------------------------
class EventData(ResponseModel):
    userId: str
    eventId: str
    points: int = Field(description="Awarded by this call (0 when none).")
    type: RuleType
    title: str
    limit: int | None = Field(description="Completions allowed per cap period (null: no cap).")
    maximumReward: int | None
    metadata: dict[str, Any]
    conditionReached: bool
    limitReached: bool
    balance: int
    reason: str | None = Field(
        description="Why no points: limit_reached, condition_not_met, rule_inactive, pending..."
    )
    campaign: CampaignRef | None = Field(None, description="The campaign that applied.")


class CampaignRef(ResponseModel):
    campaignId: str
    title: str


class EventResponse(ResponseModel):
    statusCode: int
    message: str
    data: EventData


class BatchItemResult(ResponseModel):
    index: int
    status: int = Field(description="200, or the status the single event would answer.")
    data: EventData | None = None
    error: ErrorDetail | None = None


class EventBatchResponse(ResponseModel):
    results: list[BatchItemResult]
    accepted: int = Field(description="Items answered 200, with points or not.")
    failed: int


class UserCreated(ResponseModel):
    message: str
    userId: str
    createdAt: EpochMs


class TierRef(ResponseModel):
    name: str
    multiplier: float


class NextTier(ResponseModel):
    name: str
    pointsNeeded: int


class UserProfile(ResponseModel):
    userId: str
    points: int
    lifetimePoints: int
    tier: TierRef | None
    nextTier: NextTier | None
    usergroups: list[str]
    createdAt: EpochMs


class Deleted(ResponseModel):
    success: bool
    message: str


class ExpiringLot(ResponseModel):
    points: int
    expiresAt: EpochMs


class PointsResponse(ResponseModel):
    points: int = Field(description="What can be spent now (held points excluded).")
    pendingPoints: int
    expiringPoints: list[ExpiringLot]
    heldPoints: int = Field(description="Points reserved by holds that are HELD.")
    pointsOwed: int = Field(description="Reversed points to be repaid from the next earnings.")


class HistoryItem(ResponseModel):
    id: str
    title: str
    description: str
    points: int = Field(description="Signed change of the balance.")
    type: Literal["event", "redemption", "refund", "expire", "adjust", "reverse", "payment"]
    timestamp: EpochMs
    image: str | None


class HistoryResponse(ResponseModel):
    data: list[HistoryItem]
    hasMore: bool


class AdjustResponse(ResponseModel):
    points: int = Field(description="The new balance.")
    entry: HistoryItem


# -- offers, shops, coupons ---------------------------------------------------------------
class OfferOut(ResponseModel):
    offerId: str
    title: str
    description: str
    image: str | None
    type: OfferType
    points: int = Field(description="Cost in points.")
    shopId: str | None
    validFrom: EpochMs | None
    validUntil: EpochMs | None
    stock: int | None = Field(description="null: unlimited.")
    limitPerUser: int | None
    minTier: str | None


class Redeemability(ResponseModel):
    redeemable: bool
    reason: Refusal | None
    missingPoints: int


class FeedItem(OfferOut, Redeemability):
    pass


class FeedResponse(ResponseModel):
    offers: list[FeedItem]


class MonthlyRedemptions(ResponseModel):
    month: str
    redemptions: int


class OfferStatisticsOut(ResponseModel):
    redemptions: int
    pointsSpent: int
    monthly: list[MonthlyRedemptions]


class ShopOut(ResponseModel):
    shopId: str
    name: str
    status: ShopStatus
    logo: str | None
    image: str | None
    description: dict[str, str]


class OfferResponse(ResponseModel):
    offer: OfferOut
    statistics: OfferStatisticsOut | None = Field(None, description="With includeStatistics.")
    shop: ShopOut | None = Field(None, description="With includeShop (null: no shop).")


class ShopResponse(ResponseModel):
    shop: ShopOut


class CouponOut(ResponseModel):
    couponId: str
    offerId: str
    code: str | None
    status: CouponStatus
    points: int
    metadata: dict[str, Any]
    createdAt: EpochMs
    usedAt: EpochMs | None
    expiresAt: EpochMs | None


class CouponResponse(ResponseModel):
    coupon: CouponOut


class RedeemResponse(ResponseModel):
    coupon: CouponOut
    points: int = Field(description="The new balance.")


class CouponsResponse(ResponseModel):
    coupons: list[CouponOut]
    hasMore: bool


class UserGroupOut(ResponseModel):
    userGroupId: str
    title: dict[str, str]
    description: dict[str, str]
    status: GroupStatus


# -- leaderboards ---------------------------------------------------------------------------
class StandingOut(ResponseModel):
    userId: str
    username: str
    points: int
    rank: int


class ProjectLeaderboard(ResponseModel):
    users: list[StandingOut]


class UserLeaderboard(ResponseModel):
    topUsers: list[StandingOut]
    usersBefore: list[StandingOut]
    user: StandingOut
    usersAfter: list[StandingOut]


class RankResponse(ResponseModel):
    userId: str
    username: str
    points7d: int
    points30d: int
    points365d: int
    rank7d: int
    rank30d: int
    rank365d: int
    createdAt: EpochMs
