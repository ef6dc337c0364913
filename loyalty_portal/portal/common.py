"""Shared by the portal's views."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from loyalty_portal.extensions import db
from loyalty_portal.models import Member
from loyalty_portal.services.ledger import settlement
from loyalty_portal.web.access import current_member


def settled_member(now: datetime) -> Member:
    """The logged-in member with due pending points released and due lots expired, so
    the balance shown is exact at `now`."""
    return settlement.settle(db.session, current_member(), now)


def friendly_name(member: Member, email: str | None) -> str | None:
    """What to call the member: their name, else a name-like start of their email
    ("ann.lee@..." -> "Ann"); never the userId, which is an internal key."""
    if member.display_name and member.display_name.strip():
        return member.display_name.strip()
    local = (email or "").partition("@")[0]
    first = re.split(r"[._+\-]", local)[0]
    if len(first) >= 2 and first.isalpha():
        return first.capitalize()
    return None


def initial(text: str, *, anywhere: bool = False) -> str:
    """The first letter with its combining marks ("É", not half an emoji or a lone
    regional indicator); "" if `text` starts with no letter (unless `anywhere`)."""
    for start, char in enumerate(text):
        if unicodedata.category(char).startswith("L"):
            end = start + 1
            while end < len(text) and unicodedata.category(text[end]).startswith("M"):
                end += 1
            return unicodedata.normalize("NFC", text[start:end]).upper()
        if not anywhere:
            break
    return ""
