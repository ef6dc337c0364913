"""Every portal page reads a bounded number of rows in a fixed number of statements:
a member with 100,000 ledger entries and hundreds of coupons costs the same queries as
a member with ten (no N+1, no unbounded reads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry, Member, Redemption
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import as_new_request, counting_statements, logged_in_member, write

PAGES = [
    "/portal/",
    "/portal/history",
    "/portal/history?type=earned",
    "/portal/rewards",
    "/portal/rewards?show=affordable",
    "/portal/coupons",
    "/portal/leaderboard",
]
BIG = 100_000
COUPONS = 300
MAX_STATEMENTS = 20


def give_history(app, member_id: int, entries: int, coupons: int) -> None:
    """Entries and coupons written in bulk (the shape matters here, not the story)."""
    now = utcnow()

    def change(session):
        rows = [
            {
                "member_id": member_id,
                "kind": "earn",
                "delta": 2,
                "remaining": 1 if i % 2 else 2,
                "title": f"Visit {i}",
                "description": "bulk",
                "created_at": now - timedelta(minutes=entries - i),
                "expires_at": now + timedelta(days=1 + i % 60),
                "source_note": "bulk",
            }
            for i in range(entries)
        ]
        for start in range(0, len(rows), 10_000):
            session.execute(insert(LedgerEntry), rows[start : start + 10_000])
        session.execute(
            insert(Redemption),
            [
                {
                    "id": f"cp_{member_id:04d}{i:012d}",
                    "member_id": member_id,
                    "offer_id": "o1",
                    "points": 1,
                    "status": ("ACTIVE", "USED", "CANCELLED")[i % 3],
                    "code": f"CODE-{i}",
                    "created_at": now - timedelta(hours=i),
                }
                for i in range(coupons)
            ],
        )
        session.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(balance=Member.balance + sum(r["remaining"] for r in rows))
        )

    write(app, change)


@pytest.fixture
def bulk_rows_removed(app):
    """Remove the bulk rows fast after the test.

    On SQLite every deleted ledger row is checked against `ledger_entry.lot_id` (not
    indexed), so the suite's generic reset would take minutes for 100,000 rows; with
    foreign keys off (outside a transaction, so the PRAGMA applies) it takes a moment.
    """
    yield
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL: the reset's TRUNCATE is fast
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("DELETE FROM redemption")
        cursor.execute("DELETE FROM ledger_entry")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


def statements_per_page(app, client) -> dict[str, int]:
    for path in PAGES:  # warm up: first connections and caches are not the page's cost
        as_new_request()
        assert client.get(path).status_code == 200
    counts = {}
    for path in PAGES:
        as_new_request()
        with counting_statements(app) as statements:
            assert client.get(path).status_code == 200
        counts[path] = len(statements)
    return counts


@pytest.mark.slow
def test_pages_cost_the_same_for_ten_entries_and_for_a_hundred_thousand(
    app, make, bulk_rows_removed
):
    make.tier("Bronze", 0)
    make.tier("Gold", 10_000_000)
    for i in range(1, 6):
        make.offer(f"o{i}", title=f"Offer {i}", cost=100 * i, limit_per_member=3)
    small_client, big_client = app.test_client(), app.test_client()
    small = logged_in_member(small_client, make, "small@example.com", balance=0)
    big = logged_in_member(big_client, make, "big@example.com", balance=0)

    def ten_entries(session):
        member = session.get_one(Member, small.member_id)
        for i in range(10):
            adjustments.adjust(
                session, member, 50, reason=f"gift {i}", actor=Actor.system("t"), now=utcnow()
            )

    write(app, ten_entries)
    give_history(app, small.member_id, 0, 3)
    give_history(app, big.member_id, BIG, COUPONS)

    small_counts = statements_per_page(app, small_client)
    big_counts = statements_per_page(app, big_client)

    assert big_counts == small_counts
    assert max(small_counts.values()) <= MAX_STATEMENTS, small_counts
    as_new_request()
    history = big_client.get("/portal/history").get_data(as_text=True)
    assert history.count('data-testid="history-entry"') == 20  # one page, not 100,000
    as_new_request()
    coupons = big_client.get("/portal/coupons").get_data(as_text=True)
    assert coupons.count('data-testid="coupon-card"') == 20
