"""Birthdays: members set month and day (year optional); the birthday reward is paid once
per member per year on the day in the program's time zone. A 29 February birthday is
celebrated on 28 February in other years. The `birthday_award` primary key (member,
year) makes the award once only, also when the job runs twice or on two machines."""

from __future__ import annotations

import calendar
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from loyalty_portal.models import BirthdayAward, Member
from loyalty_portal.models.enums import MessageType
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems
from loyalty_portal.services.ledger import locks, lots
from loyalty_portal.services.program.growth_settings import load_growth
from loyalty_portal.services.program.settings import load_program

BIRTHDAY_TITLE = "Happy birthday!"


def set_birthday(
    session: DbSession, member: Member, month: int | None, day: int | None, year: int | None
) -> None:
    """Store (or clear, with no month and day) the member's birthday. Raises ValidationFailed."""
    problems = Problems()
    if (month is None) != (day is None):
        problems.add("birth_day", "Give both month and day, or neither.")
    elif month is not None and day is not None:
        problems.int_range("birth_month", month, low=1, high=12)
        if year is not None:
            problems.int_range("birth_year", year, low=1900, high=date.today().year)
        too_late = not problems and day > calendar.monthrange(year or 2000, month)[1]
        if day < 1 or too_late:  # 29 Feb is allowed without a year (2000 was a leap year)
            problems.add("birth_day", "That month has no such day.")
    problems.raise_any()
    member.birth_month, member.birth_day = month, day
    member.birth_year = year if month is not None else None
    session.flush()


def celebrated_on(today: date) -> list[tuple[int, int]]:
    """The (month, day) birthdays celebrated on `today`: 29 Feb joins 28 Feb in other years."""
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append((2, 29))
    return days


def award_birthdays(session: DbSession, now: datetime) -> tuple[int, int]:
    """Pay today's birthday reward to every member celebrating; (members, points)."""
    points = load_growth(session).birthday_points
    if points <= 0:
        return 0, 0
    today = now.astimezone(load_program(session).timezone).date()
    days = celebrated_on(today)
    ids = session.scalars(
        select(Member.id)
        .where(
            Member.erased_at.is_(None),
            or_(*(and_(Member.birth_month == m, Member.birth_day == d) for m, d in days)),
        )
        .order_by(Member.id)
    ).all()
    paid = 0
    for member_id in ids:
        claimed = session.execute(
            select(BirthdayAward.member_id).where(
                BirthdayAward.member_id == member_id, BirthdayAward.year == today.year
            )
        ).first()
        if claimed is not None:
            continue
        member = locks.lock_member(session, member_id)
        if not _claim(session, member_id, today.year, points, now):
            continue  # another run paid it first
        lots.add_lot(
            session,
            member,
            points,
            kind="earn",
            title=BIRTHDAY_TITLE,
            now=now,
            expires_at=None,
            source_note=f"birthday {today.year}",
        )
        data = outbox.points(member, points, title=BIRTHDAY_TITLE)
        outbox.publish(session, MessageType.POINTS_EARNED, data, now, flush=False)
        paid += 1
    return paid, paid * points


def _claim(session: DbSession, member_id: int, year: int, points: int, now: datetime) -> bool:
    table = BirthdayAward.__table__
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .values(member_id=member_id, year=year, points=points, created_at=now)
        .on_conflict_do_nothing(index_elements=["member_id", "year"])
        .returning(table.c.member_id)
    )
    return session.execute(stmt).scalar() is not None
