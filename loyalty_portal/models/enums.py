"""Every status, kind and type the schema knows, as `StrEnum`s.

The CHECK constraints are built from these (`one_of`), the services and doors compare
against them, and templates label them (`LABELS`), so a value is spelled in one place.
"""

from __future__ import annotations

from enum import StrEnum


class EntryKind(StrEnum):
    EARN = "earn"
    REDEEM = "redeem"
    REFUND = "refund"
    EXPIRE = "expire"
    ADJUST = "adjust"
    REVERSE = "reverse"
    PAYMENT = "payment"


#: Entries that add points as a lot (spending consumes them).
LOT_KINDS = (EntryKind.EARN, EntryKind.REFUND, EntryKind.ADJUST)


class CouponStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    USED = "USED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


#: Redemptions that count against a per-member limit and as "redeemed" in statistics
#: (a cancelled one was refunded).
COUNTED_COUPON_STATUSES = (
    CouponStatus.PENDING,
    CouponStatus.ACTIVE,
    CouponStatus.USED,
    CouponStatus.EXPIRED,
)
#: Redemptions that can still be cancelled (and are cancelled when a member is erased).
OPEN_COUPON_STATUSES = (CouponStatus.PENDING, CouponStatus.ACTIVE)


class PendingStatus(StrEnum):
    PENDING = "pending"
    RELEASED = "released"
    CANCELLED = "cancelled"


class HoldStatus(StrEnum):
    HELD = "HELD"
    CAPTURED = "CAPTURED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


class OfferType(StrEnum):
    LOCAL = "LOCAL"
    ONLINE = "ONLINE"


class Fulfilment(StrEnum):
    AUTO = "auto"
    POOL = "pool"
    MANUAL = "manual"


class RuleType(StrEnum):
    FIX = "FIX"
    CONDITIONAL = "CONDITIONAL"
    TRANSACTION = "TRANSACTION"


class CapPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    EVER = "ever"


class ExpiryPolicy(StrEnum):
    NEVER = "never"
    DAYS = "days"
    END_OF_MONTH = "end_of_month"
    END_OF_YEAR = "end_of_year"


class RuleExpiryPolicy(StrEnum):
    """A rule's policy: the program's default, or one of `ExpiryPolicy`."""

    PROGRAM = "program"
    NEVER = "never"
    DAYS = "days"
    END_OF_MONTH = "end_of_month"
    END_OF_YEAR = "end_of_year"


class Role(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class GroupStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class ShopStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class ApiScope(StrEnum):
    EVENTS = "events"
    USERS = "users"
    REDEEM = "redeem"
    READ = "read"
    WEBHOOKS = "webhooks"
    PROGRAM = "program"


class MessageType(StrEnum):
    """The webhook message types (API.md "Webhooks"); each is written by the outbox."""

    MEMBER_CREATED = "member.created"
    POINTS_EARNED = "points.earned"
    POINTS_ADJUSTED = "points.adjusted"
    POINTS_REVERSED = "points.reversed"
    POINTS_EXPIRED = "points.expired"
    REDEMPTION_CREATED = "redemption.created"
    REDEMPTION_FULFILLED = "redemption.fulfilled"
    REDEMPTION_USED = "redemption.used"
    REDEMPTION_CANCELLED = "redemption.cancelled"
    HOLD_CAPTURED = "hold.captured"
    TIER_CHANGED = "tier.changed"
    REFERRAL_COMPLETED = "referral.completed"


#: The type of the message an admin sends to try an endpoint (never written by a change).
TEST_MESSAGE_TYPE = "webhook.test"


class EndpointStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


#: What people read for each value (templates use the `label` filter).
LABELS: dict[str, str] = {
    CouponStatus.PENDING: "Pending",
    CouponStatus.ACTIVE: "Active",
    CouponStatus.USED: "Used",
    CouponStatus.CANCELLED: "Cancelled",
    CouponStatus.EXPIRED: "Expired",
    OfferType.LOCAL: "In store",
    OfferType.ONLINE: "Online",
    RuleType.FIX: "Fixed points",
    RuleType.CONDITIONAL: "Points when a value is reached",
    RuleType.TRANSACTION: "Points per unit spent",
    Fulfilment.AUTO: "Code generated at once",
    Fulfilment.POOL: "Code from an uploaded pool",
    Fulfilment.MANUAL: "Fulfilled by staff",
    EndpointStatus.DISABLED: "Disabled",
    DeliveryStatus.PENDING: "Pending",
    DeliveryStatus.DELIVERED: "Delivered",
    DeliveryStatus.FAILED: "Failed",
    HoldStatus.HELD: "Reserved",
    HoldStatus.CAPTURED: "Paid",
    HoldStatus.RELEASED: "Released",
}


def one_of(column: str, values: type[StrEnum], *, nullable: bool = False) -> str:
    """The SQL of a CHECK that `column` holds one of the enum's values."""
    listed = ", ".join(f"'{v.value}'" for v in values)
    check = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {check}" if nullable else check
