"""The leaderboard of the member's user group, 7 / 30 / 365 days, with their own rank."""

from __future__ import annotations

import re
from datetime import timedelta

from loyalty_portal.services.earning import events
from loyalty_portal.services.members import members
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import HTMX, logged_in_member, text_of, write


def earn(app, user_id, points, days_ago=0):
    def change(session):
        for _ in range(points // 10):
            events.record_event(
                session,
                user_id=user_id,
                event_id="visit",
                now=utcnow() - timedelta(days=days_ago),
                source="t",
            )

    write(app, change)


def join(app, user_id, group_id):
    write(app, lambda s: members.join_groups(s, members.get_member(s, user_id), [group_id]))


def ranks(html):
    return re.findall(r"<td>#(\d+)</td><td>([^<]+)</td>", html)


def test_group_board_with_own_rank_and_private_names(app, client, make):
    make.rule("visit", points=10)
    make.group("staff", "Staff")
    make.member("cust-4711@example.com", display_name="Alice Meyer", groups=["staff"])
    make.member("cust-4712", groups=["staff"])
    make.member("outsider", display_name="Olga Outside")
    logged_in_member(client, make, user_id="ann")
    join(app, "ann", "staff")
    earn(app, "cust-4711@example.com", 50)
    earn(app, "ann", 30)
    earn(app, "cust-4712", 20)
    earn(app, "outsider", 90)
    html = client.get("/portal/leaderboard").get_data(as_text=True)
    page = text_of(html)
    assert "Staff, last 30 days" in page
    assert "You are #2 with 30 points earned." in page
    board = ranks(html)
    assert board[0] == ("1", "Alice M.") and board[1] == ("2", "You")
    assert board[2][0] == "3" and board[2][1].startswith("Member #")
    assert "cust-4711" not in html and "cust-4712" not in html  # userIds stay private
    assert "Olga" not in page  # other groups are not on this board
    everyone = text_of(client.get("/portal/leaderboard?group=default").get_data(as_text=True))
    assert "Everyone, last 30 days" in everyone and "You are #3" in everyone


def test_timeframes(app, client, make):
    make.rule("visit", points=10)
    make.member("bob", display_name="Bob")
    logged_in_member(client, make, user_id="ann")
    earn(app, "ann", 20, days_ago=100)
    earn(app, "bob", 10, days_ago=1)
    week = text_of(client.get("/portal/leaderboard?timeframe=7d").get_data(as_text=True))
    assert "Everyone, last 7 days" in week and "You are #2 with 0 points" in week
    year = text_of(client.get("/portal/leaderboard?timeframe=365d").get_data(as_text=True))
    assert "last 12 months" in year and "You are #1 with 20 points" in year
    odd = text_of(client.get("/portal/leaderboard?timeframe=5y&group=nope").get_data(as_text=True))
    assert "Everyone, last 30 days" in odd  # unknown choices fall back


def test_own_row_is_shown_below_the_top_ten(app, client, make):
    make.rule("visit", points=10)
    for i in range(12):
        make.member(f"m{i:02d}", display_name=f"Member{i:02d} Smith")
        earn(app, f"m{i:02d}", 10)
    logged_in_member(client, make, user_id="zed")
    html = client.get("/portal/leaderboard").get_data(as_text=True)
    assert len(ranks(html)) == 11 and ranks(html)[-1] == ("13", "You")


def test_htmx_switch_returns_the_board_alone(client, make):
    logged_in_member(client, make)
    response = client.get("/portal/leaderboard?timeframe=7d", headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="leaderboard"') and "<html" not in html
    assert 'aria-current="page">7 days' in html
    assert "HX-Request" in response.headers["Vary"]
