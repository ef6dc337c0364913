"""The leaderboard of the member's user group over 7, 30 or 365 days, with their own rank."""

from __future__ import annotations

import hashlib

from flask import request

from loyalty_portal.extensions import db
from loyalty_portal.portal import bp
from loyalty_portal.portal.common import initial, member_now
from loyalty_portal.services.analytics import leaderboard
from loyalty_portal.services.analytics.leaderboard import ALL_MEMBERS, TIMEFRAMES, Standing
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.access import member_required
from loyalty_portal.web.htmx import page_or_fragment
from loyalty_portal.web.templating import program_zone
from loyalty_portal.web.transactions import reads_only

TOP = 10
DEFAULT_TIMEFRAME = "30d"
TIMEFRAME_LABELS = {"7d": "7 days", "30d": "30 days", "365d": "12 months"}
assert set(TIMEFRAME_LABELS) == set(TIMEFRAMES)


def public_name(standing: Standing) -> str:
    """Other members appear by first name and initial, or by an anonymous tag.

    A userId is an integrator's key (often an email or a customer number): never shown.
    """
    if standing.username != standing.user_id:
        words = standing.username.split()
        if len(words) > 1:
            letter = initial(words[-1])  # an emoji or a symbol gives no initial
            return f"{words[0]} {letter}." if letter else words[0]
        return words[0] if words else "Member"
    tag = int(hashlib.sha256(standing.user_id.encode()).hexdigest()[:8], 16) % 10_000
    return f"Member #{tag:04d}"


@bp.get("/portal/leaderboard")
@reads_only
@member_required
def leaderboard_page() -> str:
    now = utcnow()
    member = member_now(now)
    groups = [(g.id, g.display_title()) for g in member.usergroups]
    choices = [*groups, (ALL_MEMBERS, "Everyone")]
    group_id = request.args.get("group") or choices[0][0]
    if group_id not in dict(choices):
        group_id = choices[0][0]
    timeframe = request.args.get("timeframe") or DEFAULT_TIMEFRAME
    if timeframe not in TIMEFRAMES:
        timeframe = DEFAULT_TIMEFRAME
    win = leaderboard.window(now, program_zone(), timeframe=timeframe)
    # Members who earned nothing in the window are no ranking, just a tie of zeros.
    top = [s for s in leaderboard.ranking(db.session, group_id, win, limit=TOP) if s.points > 0]
    me = leaderboard.standing(db.session, member, group_id, win)
    return page_or_fragment(
        "portal/leaderboard.html",
        "portal/_leaderboard.html",
        groups=choices,
        group_id=group_id,
        group_title=dict(choices)[group_id],
        timeframe=timeframe,
        timeframes=TIMEFRAME_LABELS,
        top=top,
        me=me,
        me_in_top=any(s.user_id == me.user_id for s in top),
        public_name=public_name,
    )
