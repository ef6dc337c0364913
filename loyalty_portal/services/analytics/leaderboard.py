"""Leaderboards: members ranked by points earned in a window, within a user group.

`default` is every member. Ranks are competition ranks (1, 2, 2, 4): equal points share
a rank; ties are listed by userId so pages are stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from loyalty_portal.models import Member, MemberPointsDay, MemberUserGroup
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import EARLIEST_DAY, LATEST_DAY, day_out_of_range
from loyalty_portal.services.program.tiers import window_days_range

TIMEFRAMES = {"7d": 7, "30d": 30, "365d": 365}
ALL_MEMBERS = "default"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Standing:
    user_id: str
    username: str
    points: int
    rank: int
    created_at: datetime


@dataclass(frozen=True)
class Window:
    """Calendar days of the program's zone, both inclusive."""

    first: date
    last: date


def window(
    now: datetime, tz: ZoneInfo, *, timeframe: str | None = None, month: str | None = None
) -> Window:
    """Exactly one of `timeframe` (7d, 30d, 365d) or `month` (YYYY-MM, program zone)."""
    if bool(timeframe) == bool(month):
        raise ValidationFailed(
            "Give exactly one of month=YYYY-MM or timeframe=7d|30d|365d.",
            details={"timeframe": ["exactly one of month or timeframe"]},
        )
    if timeframe:
        if timeframe not in TIMEFRAMES:
            raise ValidationFailed(
                "timeframe must be 7d, 30d or 365d.",
                details={"timeframe": ["one of 7d, 30d, 365d"]},
            )
        return Window(*window_days_range(now, TIMEFRAMES[timeframe], tz))
    match = _MONTH.match(month or "")
    if not match:
        raise ValidationFailed("month must look like 2026-11.", details={"month": ["YYYY-MM"]})
    first = date(max(int(match[1]), 1), int(match[2]), 1)
    if day_out_of_range(first):
        message = f"Choose a month from {EARLIEST_DAY:%Y-%m} to {LATEST_DAY:%Y-%m}."
        raise ValidationFailed(message, details={"month": [message]})
    following = (first + timedelta(days=32)).replace(day=1)
    return Window(first, following - timedelta(days=1))


def _scores(win: Window) -> Select[int, int]:
    return (
        select(MemberPointsDay.member_id, func.sum(MemberPointsDay.earned).label("points"))
        .where(MemberPointsDay.day >= win.first, MemberPointsDay.day <= win.last)
        .group_by(MemberPointsDay.member_id)
    )


def _board(group_id: str, win: Window) -> Select[str, str, int, int, datetime]:
    scores = _scores(win).subquery()
    points = func.coalesce(scores.c.points, 0)
    stmt = (
        select(
            Member.user_id,
            func.coalesce(Member.display_name, Member.user_id),
            points.label("points"),
            func.rank().over(order_by=points.desc()).label("rank"),
            Member.created_at,
        )
        .outerjoin(scores, scores.c.member_id == Member.id)
        .where(Member.erased_at.is_(None))
    )
    if group_id != ALL_MEMBERS:
        stmt = stmt.join(MemberUserGroup, MemberUserGroup.member_id == Member.id).where(
            MemberUserGroup.usergroup_id == group_id
        )
    return stmt.order_by(points.desc(), Member.user_id)


def ranking(
    session: DbSession, group_id: str, win: Window, *, limit: int = 10, offset: int = 0
) -> list[Standing]:
    rows = session.execute(_board(group_id, win).limit(limit).offset(offset)).all()
    return [Standing(u, n, int(p), int(r), c) for u, n, p, r, c in rows]


def position(session: DbSession, member: Member, group_id: str, win: Window) -> int:
    """0-based place of the member in the board's order."""
    board = _board(group_id, win).subquery()
    mine = select(board.c.points).where(board.c.user_id == member.user_id).scalar_subquery()
    ahead = (
        select(func.count())
        .select_from(board)
        .where(
            (board.c.points > mine)
            | ((board.c.points == mine) & (board.c.user_id < member.user_id))
        )
    )
    return int(session.execute(ahead).scalar_one())


def standing(session: DbSession, member: Member, group_id: str, win: Window) -> Standing:
    place = position(session, member, group_id, win)
    row = ranking(session, group_id, win, limit=1, offset=place)
    if not row or row[0].user_id != member.user_id:
        raise ValidationFailed(
            f"{member.user_id} is not in group {group_id}.",
            details={"groupId": ["member not in group"]},
        )
    return row[0]


@dataclass(frozen=True)
class Neighbourhood:
    top: list[Standing]
    before: list[Standing]
    me: Standing
    after: list[Standing]


def around(
    session: DbSession, member: Member, group_id: str, win: Window, *, span: int = 2
) -> Neighbourhood:
    """The top three, and the members just before and after this one."""
    place = position(session, member, group_id, win)
    start = max(place - span, 0)
    rows = ranking(session, group_id, win, limit=place - start + span + 1, offset=start)
    me_index = place - start
    if me_index >= len(rows) or rows[me_index].user_id != member.user_id:
        raise ValidationFailed(
            f"{member.user_id} is not in group {group_id}.",
            details={"groupId": ["member not in group"]},
        )
    return Neighbourhood(
        top=ranking(session, group_id, win, limit=3),
        before=rows[:me_index],
        me=rows[me_index],
        after=rows[me_index + 1 :],
    )
