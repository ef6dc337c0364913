"""Referral races with real connections: the qualifying event twice at the same moment
completes once; many friends completing at once never pass the referrer's monthly cap."""

from __future__ import annotations

from sqlalchemy import func, select

from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry, Member, Referral
from loyalty_portal.services.earning import events, referrals
from loyalty_portal.services.members import members
from loyalty_portal.timeutil import utcnow
from tests.concurrency.test_threads import outcome_codes, race
from tests.factories import growth_settings

SETTINGS = {
    "referrals_enabled": True,
    "qualifying_event_id": "buy",
    "referrer_points": 200,
    "friend_points": 100,
}


def _setup(app, make, friends: list[str], cap: int | None) -> None:
    make.rule("buy", points=5)
    growth_settings(app, **SETTINGS, monthly_cap=cap)
    with app.app_context():
        now = utcnow()
        ann = members.create_member(db.session, "ann", now)
        for friend in friends:
            referrals.refer(db.session, members.create_member(db.session, friend, now), ann, now)
        db.session.commit()


def _buy(app, user_id: str):
    def work():
        outcome = events.record_event(
            db.session, user_id=user_id, event_id="buy", now=utcnow(), source="test", trusted=True
        )
        db.session.commit()
        return outcome.points

    return work


def _balances(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Member.user_id, Member.balance)).all())


def test_the_qualifying_event_twice_at_once_completes_the_referral_once(app, make):
    _setup(app, make, ["bob"], cap=None)
    results = race(app, 6, _buy(app, "bob"))
    assert outcome_codes(results) == {"ok": 6}
    balances = _balances(app)
    assert balances["bob"] == 6 * 5 + 100 and balances["ann"] == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Referral)) == 1
        paid = db.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.delta.in_([100, 200]))
        )
        assert paid == 2


def test_the_monthly_cap_holds_when_friends_complete_at_the_same_moment(app, make):
    friends = [f"friend{i}" for i in range(8)]
    _setup(app, make, friends, cap=3)
    queue = list(friends)

    def work():
        return _buy(app, queue.pop())()

    results = race(app, len(friends), work)
    assert outcome_codes(results) == {"ok": len(friends)}
    balances = _balances(app)
    assert balances["ann"] == 3 * 200
    assert all(balances[f] == 105 for f in friends)
    with app.app_context():
        completed = db.session.scalar(
            select(func.count()).select_from(Referral).where(Referral.completed_at.is_not(None))
        )
        assert completed == len(friends)
