"""Offer cards: an offer, whether this member can redeem it, and why not in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty_portal.models import Member, Offer, Redemption
from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.rewards.eligibility import Refusal, check_offers
from loyalty_portal.web.templating import fmt_date, fmt_points

#: The refusal after which the card can be redeemed again, at the price it now shows.
PRICE_CHANGED = "price_changed"


@dataclass(frozen=True)
class OfferCard:
    offer: Offer
    refusal: Refusal | None = None
    #: Set when a redeem attempt was just refused (shown as an alert on the card).
    refused_now: bool = False
    #: Set when the card has just been redeemed: it shows the coupon, and the form again
    #: if the member can redeem another.
    coupon: Redemption | None = None
    #: The refusal just met, when it differs from `refusal` (a changed price).
    alert: Refusal | None = None

    @property
    def redeemable(self) -> bool:
        return self.refusal is None

    @property
    def alert_sentence(self) -> str:
        shown = self.alert or self.refusal
        return reason_sentence(shown) if shown else ""

    @property
    def reason(self) -> str:
        return reason_label(self.refusal) if self.refusal else ""

    @property
    def reason_sentence(self) -> str:
        return reason_sentence(self.refusal) if self.refusal else ""


def cards_for(
    session: DbSession, member: Member, offers: list[Offer], now: datetime
) -> list[OfferCard]:
    refusals = check_offers(session, member, offers, now)
    return [OfferCard(offer, refusals[offer.id]) for offer in offers]


def reason_label(refusal: Refusal) -> str:
    """A short reason a member understands at a glance ("120 more points")."""
    data: dict[str, Any] = refusal.data or {}
    if refusal.code == "insufficient_points" and refusal.missing_points:
        return f"{fmt_points(refusal.missing_points)} more points"
    if refusal.code == "tier_required" and data.get("tier"):
        return f"{data['tier']} members only"
    if refusal.code == "out_of_stock":
        return "Out of stock"
    if refusal.code == "limit_reached" and data.get("limit"):
        return f"Limit reached ({data['limit']} per member)"
    if refusal.code == "offer_not_available":
        if data.get("valid_from"):
            return f"Available from {fmt_date(data['valid_from'])}"
        if data.get("valid_until"):
            return "This reward has ended"
    if refusal.code == "request_in_progress":
        return "Already being redeemed: check My rewards in a moment"
    return refusal.message


def reason_sentence(refusal: Refusal) -> str:
    """The reason as a sentence, for alerts and announcements."""
    if refusal.code == "insufficient_points" and refusal.missing_points:
        return f"You need {fmt_points(refusal.missing_points)} more points."
    return reason_label(refusal).rstrip(".") + "."


def refusal_from_error(exc: DomainError) -> Refusal:
    return Refusal(exc.code, exc.message, int(exc.extra.get("missing_points") or 0))


def refusal_from_body(body: dict[str, Any]) -> Refusal:
    """A refusal replayed from a stored idempotent response."""
    error = body.get("error", {})
    return Refusal(
        error.get("code", "conflict"),
        error.get("message", "That didn’t work."),
        int(error.get("missingPoints") or 0),
    )


def best_refusal(stored: Refusal, fresh: Refusal | None) -> Refusal:
    """Prefer the fresh check's richer facts (dates, tier) when it agrees on the reason."""
    return fresh if fresh is not None and fresh.code == stored.code else stored
