"""Shared by the portal's views."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from loyalty_portal.extensions import db
from loyalty_portal.models import Member
from loyalty_portal.services.earning.rule_snapshots import all_rules
from loyalty_portal.services.members import summary
from loyalty_portal.services.members.summary import Standing
from loyalty_portal.services.program import campaigns, tiers
from loyalty_portal.web.access import current_member


def member_now(now: datetime) -> Member:
    """The logged-in member as of `now`: due pending points counted as released, due lots
    and holds as expired, so the balance shown is exact, read without a lock or a write
    (`summary.as_of`; the worker or the member's next write books what is due)."""
    return standing_now(now).member


def standing_now(now: datetime) -> Standing:
    """`member_now`, with the standing it was read from (the dashboard's summary uses it)."""
    return summary.as_of(db.session, current_member(), now)


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


def campaigns_now(member: Member, now: datetime) -> dict[str, Any]:
    """The campaigns running now that this member can benefit from, with the titles of the
    rules they raise (`_campaigns_now.html`: the dashboard and Ways to earn)."""
    tier = tiers.tier_by_id(db.session, member.tier_id)
    live = campaigns.open_to(db.session, now, tier, {g.id for g in member.usergroups})
    return {
        "campaigns": live,
        "rule_titles": {r.event_id: r.title for r in all_rules(db.session)},
    }
