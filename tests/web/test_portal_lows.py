"""Small portal defects: leaderboard names keep emoji and accents whole, members who
earned nothing don't fill the board as a tie, a placeholder initial is a whole letter,
and a rate-limited page speaks plainly."""

from __future__ import annotations

import pytest

from loyalty_portal.portal.common import initial
from tests.web.portal_support import logged_in_member, text_of
from tests.web.test_portal_leaderboard import earn, ranks


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Émile", "É"), ("E\u0301mile", "É"), ("🇩🇪", ""), ("👩‍🚀", ""), ("zoë", "Z")],
)
def test_initial_is_a_whole_letter_or_nothing(text, expected):
    assert initial(text) == expected


def test_leaderboard_names_never_cut_an_emoji_or_an_accent(app, client, make):
    make.rule("visit", points=10)
    make.member("m1", display_name="Ann 🇩🇪")
    make.member("m2", display_name="Bo E\u0301mile")
    make.member("m3", display_name="🚀 Rocket")
    logged_in_member(client, make, user_id="me")
    earn(app, "m1", 30)
    earn(app, "m2", 20)
    earn(app, "m3", 10)
    html = client.get("/portal/leaderboard?group=default").get_data(as_text=True)
    names = [name for _, name in ranks(html)]
    assert names[:3] == ["Ann", "Bo É.", "🚀 R."]
    assert "\U0001f1e9." not in html  # no half flag


def test_members_who_earned_nothing_do_not_fill_the_board(app, client, make):
    make.rule("visit", points=10)
    for n in range(12):
        make.member(f"idle{n}", display_name=f"Idle Member{n}")
    make.member("busy", display_name="Busy Bee")
    logged_in_member(client, make, user_id="me")
    earn(app, "busy", 40)
    html = client.get("/portal/leaderboard?group=default").get_data(as_text=True)
    assert ranks(html) == [("1", "Busy B."), ("2", "You")]
    assert "Idle" not in html


def test_nobody_earned_yet_says_so(client, make):
    logged_in_member(client, make)
    page = text_of(client.get("/portal/leaderboard?group=default").get_data(as_text=True))
    assert "Nobody has earned points in this period yet." in page
    assert "…" not in page


def test_an_offer_placeholder_is_a_whole_letter(client, make):
    make.offer("gift", title="🎁 Gift box", cost=10)
    logged_in_member(client, make, balance=100)
    html = client.get("/portal/rewards").get_data(as_text=True)
    assert '<span class="offer-initial offer-initial-local">G</span>' in html


class TestRateLimitedPage:
    @pytest.fixture
    def app_config(self):
        return {"LOGIN_RATE_LIMIT": "2 per minute"}

    def test_the_limit_is_explained_not_quoted(self, client, make):
        make.member_login("ann@example.com")
        data = {"email": "ann@example.com", "password": "wrong-password"}
        responses = [client.post("/auth/login", data=data) for _ in range(3)]
        assert responses[-1].status_code == 429
        page = text_of(responses[-1].get_data(as_text=True))
        assert "Too many attempts in a short time. Please wait a minute and try again." in page
        assert "per 1 minute" not in page and "2 per" not in page
