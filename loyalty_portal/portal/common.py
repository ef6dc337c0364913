"""Shared by the portal's views."""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.access import current_member
from loyalty_portal.extensions import db
from loyalty_portal.models import Member
from loyalty_portal.services import members


def settled_member(now: datetime) -> Member:
    """The logged-in member with due pending points released and due lots expired.

    Commits (the request's one write) so the balance shown is exact at `now`.
    """
    members.settle(db.session, current_member(), now)
    db.session.commit()
    return current_member()
