"""Portal pages read a member's points as of now without writing (issue 9, "reads don't
write"): what is due (pending points now available, lots past their expiry) is shown as
settled, and the worker books it later, to the same numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loyalty_portal.models import LedgerEntry, Member, PendingAward
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import expiry, pending
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import (
    counting_statements,
    form_key,
    logged_in_member,
    read,
    text_of,
    write,
)

PAGES = ["/portal/", "/portal/rewards", "/portal/tiers", "/portal/earn", "/portal/history"]
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")


def _earn(app, user_id, event_id, days_ago):
    at = utcnow() - timedelta(days=days_ago)
    write(
        app,
        lambda s: events.record_event(
            s, user_id=user_id, event_id=event_id, now=at, source="test", trusted=True
        ),
    )


def _stored(app, member_id):
    def query(session):
        member = session.get_one(Member, member_id)
        entries = session.scalar(select(func.count()).where(LedgerEntry.member_id == member_id))
        waiting = session.scalar(
            select(func.count()).where(
                PendingAward.member_id == member_id, PendingAward.status == "pending"
            )
        )
        return member.balance, member.tier_id, entries, waiting

    return read(app, query)


@pytest.fixture
def due_member(app, client, make):
    """Ann: 30 points from a lot that expired yesterday (Bronze), and 80 pending points
    that became available yesterday (they make her Gold once counted)."""
    make.tier("Bronze", 0)
    make.tier("Gold", 100)
    make.rule("visit", points=30, title="Shop visit", expiry_policy="days", expiry_days=10)
    make.rule("review", points=80, title="Review", pending_days=7)
    account = logged_in_member(client, make, user_id="ann")
    _earn(app, "ann", "visit", days_ago=11)
    _earn(app, "ann", "review", days_ago=8)
    return account


def test_the_dashboard_shows_what_is_due_as_settled_without_writing(app, client, due_member):
    before = _stored(app, due_member.member_id)
    assert before[0] == 30 and before[3] == 1  # nothing booked yet: 30 live-looking, 1 pending

    with counting_statements(app) as statements:
        page = text_of(client.get("/portal/").get_data(as_text=True))

    assert "Your balance 80 points" in page  # 30 expired, 80 released
    assert "No points pending." in page
    assert "Gold" in page and "This program has no tiers." not in page
    assert "No points expire in the next 30 days." in page
    assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] == []
    assert _stored(app, due_member.member_id) == before  # the page booked nothing


@pytest.mark.parametrize("path", PAGES)
def test_every_member_page_reads_without_writing(app, client, due_member, path):
    before = _stored(app, due_member.member_id)
    with counting_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] == []
    assert _stored(app, due_member.member_id) == before
    # the header's balance is the one as of now on every page
    assert '<span data-testid="balance">80</span>' in response.get_data(as_text=True)


def test_the_worker_books_the_numbers_the_page_showed(app, client, due_member):
    shown = text_of(client.get("/portal/").get_data(as_text=True))

    def settle_all(session):
        now = utcnow()
        pending.release_all_due(session, now, load_program(session))
        expiry.expire_all_due(session, now)

    write(app, settle_all)
    balance, tier_id, _entries, waiting = _stored(app, due_member.member_id)
    assert balance == 80 and waiting == 0 and tier_id is not None
    after = text_of(client.get("/portal/").get_data(as_text=True))
    assert "Your balance 80 points" in shown and "Your balance 80 points" in after
    assert ("Gold" in shown) and ("Gold" in after)


def test_a_redemption_still_settles_first(app, client, make, due_member):
    """A write settles under the lock: the 80 released points pay for a 60-point reward,
    though the stored balance was only 30."""
    make.offer("mug", title="Mug", cost=60)
    page = client.get("/portal/rewards").get_data(as_text=True)
    response = client.post(
        "/portal/rewards/mug/redeem", data={"idempotency_key": form_key(page, "mug")}
    )
    assert response.status_code == 303, response.data[:500]
    balance, _tier, _entries, waiting = _stored(app, due_member.member_id)
    assert balance == 20 and waiting == 0
