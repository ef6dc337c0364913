"""The referral report: invites, completions, points paid, conversion, top referrers and
a month-by-month series (program time zone) for the admin's chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from loyalty_portal.models import Member, Referral
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import local_midnight

TOP_REFERRERS = 10


@dataclass(frozen=True)
class TopReferrer:
    user_id: str
    name: str
    invited: int
    completed: int
    points: int


@dataclass(frozen=True)
class ReferralReport:
    invites: int
    completions: int
    points_paid: int
    top: list[TopReferrer]
    months: list[str]  # YYYY-MM, oldest first
    invites_by_month: list[int]
    completions_by_month: list[int]

    @property
    def conversion_rate(self) -> float:
        return self.completions / self.invites if self.invites else 0.0


def _months_back(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = [first]
    while len(months) < count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(months))


def referral_report(session: DbSession, now: datetime, months: int = 6) -> ReferralReport:
    totals = session.execute(
        select(
            func.count(),
            func.count(Referral.completed_at),
            func.coalesce(func.sum(Referral.referrer_points + Referral.friend_points), 0),
        )
    ).one()
    completed = func.count(Referral.completed_at)
    top_rows = session.execute(
        select(
            Member.user_id,
            Member.display_name,
            func.count(),
            completed,
            func.coalesce(func.sum(Referral.referrer_points), 0),
        )
        .join(Member, Member.id == Referral.referrer_id)
        .group_by(Member.id, Member.user_id, Member.display_name)
        .order_by(completed.desc(), func.count().desc(), Member.user_id)
        .limit(TOP_REFERRERS)
    ).all()
    tz = load_program(session).timezone
    starts = _months_back(now.astimezone(tz).date(), months)
    since = local_midnight(starts[0], tz)
    labels = [f"{m:%Y-%m}" for m in starts]
    invites, completions = [0] * months, [0] * months
    rows = session.execute(
        select(Referral.created_at, Referral.completed_at).where(
            (Referral.created_at >= since) | (Referral.completed_at >= since)
        )
    ).all()
    for created_at, completed_at in rows:
        for when, series in ((created_at, invites), (completed_at, completions)):
            if when is not None and when >= since:
                label = f"{when.astimezone(tz):%Y-%m}"
                if label in labels:
                    series[labels.index(label)] += 1
    return ReferralReport(
        invites=int(totals[0]),
        completions=int(totals[1]),
        points_paid=int(totals[2]),
        top=[TopReferrer(r[0], r[1] or r[0], int(r[2]), int(r[3]), int(r[4])) for r in top_rows],
        months=labels,
        invites_by_month=invites,
        completions_by_month=completions,
    )
