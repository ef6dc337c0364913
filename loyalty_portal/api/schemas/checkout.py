"""Bodies and answers of the checkout routes: orders, refunds and points holds."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from loyalty_portal.api.schemas.responses import EpochMs, ResponseModel
from loyalty_portal.api.schemas.types import (
    MAX_NUMBER,
    USER_ID_ALIASES,
    Metadata,
    OrderId,
    QueryModel,
    RequestModel,
    UserId,
    WholeNumber,
)

Points = Annotated[int, Field(ge=1, le=2_147_483_647), WholeNumber]


class RefundBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={"examples": [{"userId": "alice", "amount": 30, "reason": "Returned"}]},
    )

    userId: UserId = Field(validation_alias=USER_ID_ALIASES, description="The order's user.")
    amount: Annotated[float, Field(allow_inf_nan=False, gt=0, le=MAX_NUMBER)] | None = Field(
        None, description="Value refunded by this call; omitted: the rest of the order."
    )
    reason: Annotated[str, StringConstraints(max_length=500)] = Field(
        "", description="Why; shown to the member with the reversal."
    )


class OrderQuery(QueryModel):
    userId: UserId | None = Field(
        None, description="Required with an API key; a member token reads its own orders."
    )


class RefundResponse(ResponseModel):
    orderId: str
    userId: str
    orderAmount: float
    refundedAmount: float = Field(description="Cumulative.")
    pointsEarned: int
    pointsReversed: int = Field(description="By this call.")
    pointsReversedTotal: int
    pendingCancelled: int = Field(description="Pending points cancelled by this call.")
    pointsOwed: int = Field(description="The member's outstanding debt after this call.")
    points: int = Field(description="The member's new spendable balance.")


class OrderEventOut(ResponseModel):
    eventId: str
    points: int
    pendingPoints: int
    createdAt: EpochMs


class OrderResponse(ResponseModel):
    orderId: str
    userId: str
    orderAmount: float
    refundedAmount: float
    pointsEarned: int
    pointsReversed: int
    createdAt: EpochMs
    events: list[OrderEventOut]


class HoldBody(RequestModel):
    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={"examples": [{"points": 200, "orderId": "1018", "expiresIn": 900}]},
    )

    points: Points = Field(description="Points to reserve.")
    orderId: OrderId | None = Field(None, description="The order they will pay for.")
    expiresIn: Annotated[int, Field(ge=60, le=604_800), WholeNumber] = Field(
        900, description="Seconds until the hold expires unless captured."
    )
    metadata: Metadata = Field(default_factory=dict)


class CaptureBody(RequestModel):
    points: Points | None = Field(None, description="Points to spend, 1..held (default all).")


class ReleaseBody(RequestModel):
    pass


HoldStatusOut = Literal["HELD", "CAPTURED", "RELEASED", "EXPIRED"]


class HoldOut(ResponseModel):
    holdId: str
    userId: str
    points: int
    status: HoldStatusOut
    orderId: str | None
    createdAt: EpochMs
    expiresAt: EpochMs
    capturedPoints: int


class HoldResponse(ResponseModel):
    hold: HoldOut


class HoldChangeResponse(ResponseModel):
    hold: HoldOut
    points: int = Field(description="The spendable balance.")
    heldPoints: int = Field(description="All points the member has on hold.")
