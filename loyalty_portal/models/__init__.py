"""Typed SQLAlchemy models, one module per aggregate."""

from loyalty_portal.models.access import ApiKey, AuditLog, IdempotencyKey, UsedHandoffToken
from loyalty_portal.models.base import Base
from loyalty_portal.models.catalog import CouponCode, Offer, OfferUserGroup, Shop
from loyalty_portal.models.checkout import OrderRefund, PointsHold, ShopOrder
from loyalty_portal.models.earning import EarningRule, EventLog, PendingAward, RuleGroupOverride
from loyalty_portal.models.growth import BirthdayAward, Campaign, GrowthSettings, Referral
from loyalty_portal.models.ledger import LedgerEntry
from loyalty_portal.models.mail import OutgoingMail
from loyalty_portal.models.member import Account, Member
from loyalty_portal.models.program import (
    ConfigVersion,
    MemberUserGroup,
    ProgramSettings,
    Tier,
    UserGroup,
)
from loyalty_portal.models.redemption import Redemption
from loyalty_portal.models.rollup import MemberPointsDay
from loyalty_portal.models.stats import StatsDay, StatsOfferDay, StatsState
from loyalty_portal.models.webhook import (
    OutboxMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WorkerHeartbeat,
)

__all__ = [
    "Account",
    "ApiKey",
    "AuditLog",
    "Base",
    "BirthdayAward",
    "Campaign",
    "ConfigVersion",
    "CouponCode",
    "EarningRule",
    "EventLog",
    "GrowthSettings",
    "IdempotencyKey",
    "LedgerEntry",
    "Member",
    "MemberPointsDay",
    "MemberUserGroup",
    "Offer",
    "OfferUserGroup",
    "OutboxMessage",
    "OrderRefund",
    "OutgoingMail",
    "PendingAward",
    "PointsHold",
    "ProgramSettings",
    "Redemption",
    "Referral",
    "RuleGroupOverride",
    "Shop",
    "ShopOrder",
    "StatsDay",
    "StatsOfferDay",
    "StatsState",
    "Tier",
    "UsedHandoffToken",
    "UserGroup",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkerHeartbeat",
]
