"""History: every entry, filters by type and dates, and keyset "load more" that works as
an HTMX swap and as a plain link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.members.members import get_member
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import HTMX, logged_in_member, text_of, write


@pytest.fixture
def app_config():
    return {"TIMEZONE": "Pacific/Auckland"}


def add_entries(app, user_id, count, start):
    def change(session):
        member = get_member(session, user_id)
        for i in range(count):
            adjustments.adjust(
                session,
                member,
                i + 1,
                reason=f"gift {i + 1}",
                actor=Actor.system("test"),
                now=start + timedelta(minutes=i),
            )

    write(app, change)


def test_history_lists_title_reason_signed_points_and_local_date(app, client, make):
    make.rule("visit", points=50, title="Shop visit", description="Thanks for coming")
    make.offer("coffee", title="Free coffee", cost=30)
    logged_in_member(client, make, user_id="ann")
    at = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)  # 2 Jan, 09:00 in Auckland

    def change(session):
        events.record_event(session, user_id="ann", event_id="visit", now=at, source="t")
        member = get_member(session, "ann")
        redeeming.redeem(
            session, member, "coffee", now=at + timedelta(hours=1), actor=Actor.member("ann")
        )

    write(app, change)
    page = text_of(client.get("/portal/history").get_data(as_text=True))
    assert "Redeemed: Free coffee" in page and "−30" in page
    assert "Shop visit Thanks for coming 2 Jan 2026, 09:00 +50" in page
    assert page.index("Redeemed: Free coffee") < page.index("Shop visit")  # newest first


def test_history_filters_by_type(app, client, make):
    make.rule("visit", points=50, title="Shop visit")
    make.offer("coffee", title="Free coffee", cost=30)
    logged_in_member(client, make, user_id="ann")

    def change(session):
        events.record_event(session, user_id="ann", event_id="visit", now=utcnow(), source="t")
        member = get_member(session, "ann")
        redeeming.redeem(session, member, "coffee", now=utcnow(), actor=Actor.member("ann"))

    write(app, change)
    earned = text_of(client.get("/portal/history?type=earned").get_data(as_text=True))
    assert "Shop visit" in earned and "Redeemed: Free coffee" not in earned
    redeemed = text_of(client.get("/portal/history?type=redeemed").get_data(as_text=True))
    assert "Redeemed: Free coffee" in redeemed and "Shop visit" not in redeemed
    expired = text_of(client.get("/portal/history?type=expired").get_data(as_text=True))
    assert "Nothing matches these filters." in expired


def test_history_filters_by_dates_in_the_program_zone(app, client, make):
    logged_in_member(client, make, user_id="ann")
    # 31 Dec 23:30 UTC is already 1 Jan in Auckland.
    add_entries(app, "ann", 1, datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    add_entries(app, "ann", 1, datetime(2025, 12, 30, 9, 0, tzinfo=UTC))
    page = text_of(
        client.get("/portal/history?start=2026-01-01&end=2026-01-01").get_data(as_text=True)
    )
    assert page.count("gift 1") == 1 and "1 Jan 2026, 12:30" in page
    assert "30 Dec" not in page


def test_history_rejects_an_inverted_date_range(client, make):
    logged_in_member(client, make)
    response = client.get("/portal/history?start=2026-02-01&end=2026-01-01")
    assert response.status_code == 200
    page = text_of(response.get_data(as_text=True))
    assert "The end date is before the start date." in page
    assert "Correct the filter above" in page


def test_history_empty_state(client, make):
    logged_in_member(client, make)
    page = text_of(client.get("/portal/history").get_data(as_text=True))
    assert "No activity yet." in page
    assert "Load more" not in page


def test_load_more_without_javascript_follows_plain_links(app, client, make):
    logged_in_member(client, make, user_id="ann")
    add_entries(app, "ann", 25, utcnow() - timedelta(days=1))
    first = client.get("/portal/history").get_data(as_text=True)
    assert first.count('data-testid="history-entry"') == 20
    assert "gift 25" in first and "gift 6" in first and "gift 5" not in first
    link = re.search(r'href="(/portal/history\?cursor=[^"]+)"', first).group(1)
    second = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('data-testid="history-entry"') == 5
    assert "gift 5" in second and "gift 1" in second and "gift 6" not in second
    assert "Load more" not in second and "Back to the newest" in second


def test_load_more_over_htmx_returns_only_the_next_items(app, client, make):
    logged_in_member(client, make, user_id="ann")
    add_entries(app, "ann", 45, utcnow() - timedelta(days=1))
    first = client.get("/portal/history?type=adjusted").get_data(as_text=True)
    link = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "type=adjusted" in link  # the filter is kept
    response = client.get(link, headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "<ol" not in fragment
    assert fragment.count('data-testid="history-entry"') == 20
    assert "gift 25" in fragment and "gift 6" in fragment
    assert 'data-testid="load-more"' in fragment  # five more to go
    assert "HX-Request" in response.headers["Vary"]


def test_a_broken_cursor_is_a_clear_error(client, make):
    logged_in_member(client, make)
    response = client.get("/portal/history?cursor=nonsense")
    assert response.status_code == 400
    assert "Invalid page cursor." in response.get_data(as_text=True)
