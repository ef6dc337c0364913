"""Shared by the portal's views."""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.extensions import db
from loyalty_portal.models import Member
from loyalty_portal.services.ledger import settlement
from loyalty_portal.web.access import current_member


def settled_member(now: datetime) -> Member:
    """The logged-in member with due pending points released and due lots expired, so
    the balance shown is exact at `now`."""
    return settlement.settle(db.session, current_member(), now)
