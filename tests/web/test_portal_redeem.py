"""Redeeming from the catalog: HTMX swaps the card for its coupon and updates the header
balance out of band; refusals say why and change nothing; a double click redeems once;
without JavaScript the form posts and redirects (303) to the coupon."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from loyalty_portal.models import Offer
from loyalty_portal.portal import rewards
from loyalty_portal.services.core import idempotency
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.members.members import get_member
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import (
    HTMX,
    balance_of,
    form_key,
    logged_in_member,
    redemptions_of,
    stock_of,
    text_of,
    write,
)

KEY = "key-0123456789"


def redeem(client, offer_id, key=KEY, htmx=True):
    return client.post(
        f"/portal/rewards/{offer_id}/redeem",
        data={"idempotency_key": key},
        headers=HTMX if htmx else {},
    )


def test_htmx_redeem_swaps_the_card_for_the_coupon(app, client, make):
    make.offer("tote", title="Tote bag", cost=400, stock=5, how_to_use="Collect in store.")
    account = logged_in_member(client, make, balance=1000)
    response = redeem(client, "tote")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<article class="offer-card offer-redeemed" id="offer-tote"')
    code = re.search(r'data-testid="coupon-code"[^>]*>([A-Z0-9-]+)<', html).group(1)
    assert "How to use it: Collect in store." in text_of(html)
    assert (
        '<a href="/portal/" class="balance-chip" id="header-balance" hx-swap-oob="outerHTML">'
        in html
    )
    assert '<span data-testid="balance">600</span>' in html
    assert re.search(
        r'<div id="announcer" hx-swap-oob="innerHTML">Redeemed Tote bag for 400 points\. '
        r"Your balance is now 600 points\.</div>",
        html,
    )
    assert balance_of(app, account.member_id) == 600
    assert redemptions_of(app, account.member_id) == [("tote", "ACTIVE")]
    assert stock_of(app, "tote") == 4
    coupons = client.get("/portal/coupons").get_data(as_text=True)
    assert code in coupons


def test_without_javascript_the_form_redirects_to_the_coupon(app, client, make):
    make.offer("coffee", title="Free coffee", cost=150)
    account = logged_in_member(client, make, balance=200)
    response = redeem(client, "coffee", htmx=False)
    assert response.status_code == 303
    assert re.fullmatch(r"/portal/coupons/cp_[0-9a-f]+", response.location)
    page = client.get(response.location).get_data(as_text=True)
    assert "You redeemed Free coffee. Here is your coupon." in text_of(page)
    assert 'data-testid="coupon-code"' in page
    assert balance_of(app, account.member_id) == 50


def test_the_catalog_form_carries_csrf_and_a_fresh_key_per_render(client, make):
    make.offer("coffee", cost=10)
    logged_in_member(client, make, balance=100)
    first = client.get("/portal/rewards").get_data(as_text=True)
    second = client.get("/portal/rewards").get_data(as_text=True)
    assert 'name="csrf_token"' in first
    assert 'hx-confirm="Redeem Test offer for 10 points?"' in first
    assert 'hx-disabled-elt="find button"' in first
    assert form_key(first, "coffee") != form_key(second, "coffee")


def test_a_double_click_redeems_once(app, client, make):
    make.offer("coffee", cost=100, stock=10)
    account = logged_in_member(client, make, balance=1000)
    first = redeem(client, "coffee").get_data(as_text=True)
    second = redeem(client, "coffee").get_data(as_text=True)
    code = re.search(r'data-testid="coupon-code"[^>]*>([A-Z0-9-]+)<', first).group(1)
    assert code in second  # the retry shows the same coupon
    assert redemptions_of(app, account.member_id) == [("coffee", "ACTIVE")]
    assert balance_of(app, account.member_id) == 900
    assert stock_of(app, "coffee") == 9
    third = redeem(client, "coffee", key="another-key-123").get_data(as_text=True)
    assert code not in third  # a new render's key is a new redemption
    assert len(redemptions_of(app, account.member_id)) == 2


def _refusal_setup(make, reason):
    if reason == "insufficient_points":
        make.offer("x", title="Bike", cost=1120)
        return "You need 120 more points."
    if reason == "out_of_stock":
        make.offer("x", title="Bike", cost=100, stock=0)
        return "Out of stock."
    if reason == "tier_required":
        gold = make.tier("Gold", 5000)
        make.offer("x", title="Bike", cost=100, min_tier_id=gold.id)
        return "Gold members only."
    if reason == "not_yet":
        starts = utcnow() + timedelta(days=6)
        make.offer("x", title="Bike", cost=100, valid_from=starts)
        return f"Available from {starts.day} {starts:%b %Y}."  # one date format
    raise AssertionError(reason)


@pytest.mark.parametrize(
    "reason", ["insufficient_points", "out_of_stock", "tier_required", "not_yet"]
)
def test_each_refusal_shows_its_reason_on_the_card_and_changes_nothing(app, client, make, reason):
    sentence = _refusal_setup(make, reason)
    account = logged_in_member(client, make, balance=1000)
    response = redeem(client, "x")
    html = response.get_data(as_text=True)
    assert response.status_code == 200  # htmx 2 swaps 2xx only
    assert f"Not redeemed. {sentence}" in text_of(html)
    assert 'role="alert"' in html and 'data-testid="redeem-button"' not in html
    assert f"Could not redeem Bike. {sentence}" in html  # announced
    assert balance_of(app, account.member_id) == 1000
    assert redemptions_of(app, account.member_id) == []


def test_limit_reached_is_refused(app, client, make):
    make.offer("cake", title="Cake", cost=100, limit_per_member=1)
    account = logged_in_member(client, make, balance=1000)
    assert redeem(client, "cake", key="first-key-123").status_code == 200
    html = redeem(client, "cake", key="second-key-123").get_data(as_text=True)
    assert "Not redeemed. Limit reached (1 per member)." in text_of(html)
    assert balance_of(app, account.member_id) == 900
    assert len(redemptions_of(app, account.member_id)) == 1


def test_a_lost_race_is_refused_and_the_page_stays_usable(app, client, make):
    make.offer("tote", title="Tote", cost=100, stock=1)
    make.offer("coffee", title="Coffee", cost=100)
    account = logged_in_member(client, make, balance=1000)
    page = client.get("/portal/rewards").get_data(as_text=True)
    key = form_key(page, "tote")
    other = make.member("bob", balance=500)

    def bob_takes_the_last_one(session):
        bob = get_member(session, other.user_id)
        redeeming.redeem(session, bob, "tote", now=utcnow(), actor=Actor.member("bob"))

    write(app, bob_takes_the_last_one)
    html = redeem(client, "tote", key=key).get_data(as_text=True)
    assert "Not redeemed. Out of stock." in text_of(html)
    assert balance_of(app, account.member_id) == 1000
    assert redemptions_of(app, account.member_id) == []
    coffee = redeem(client, "coffee", key=form_key(page, "coffee")).get_data(as_text=True)
    assert 'data-testid="coupon-code"' in coffee


def test_a_retried_refusal_is_replayed_not_redeemed(app, client, make):
    make.offer("bike", title="Bike", cost=500)
    account = logged_in_member(client, make, balance=400)
    assert "You need 100 more points." in text_of(redeem(client, "bike").get_data(as_text=True))

    def top_up(session):
        member = get_member(session, account.member.user_id)
        adjustments.adjust(
            session, member, 200, reason="gift", actor=Actor.system("t"), now=utcnow()
        )

    write(app, top_up)
    replay = redeem(client, "bike").get_data(as_text=True)  # same key: same answer
    assert "Not redeemed." in text_of(replay)
    assert redemptions_of(app, account.member_id) == []
    fresh = redeem(client, "bike", key="fresh-key-1234").get_data(as_text=True)
    assert 'data-testid="coupon-code"' in fresh


def test_refusal_without_javascript_redirects_back_with_the_reason(app, client, make):
    make.offer("bike", title="Bike", cost=500)
    account = logged_in_member(client, make, balance=380)
    response = redeem(client, "bike", htmx=False)
    assert response.status_code == 303
    assert response.location == "/portal/rewards#offer-bike"
    page = text_of(client.get("/portal/rewards").get_data(as_text=True))
    assert "Could not redeem Bike. You need 120 more points." in page
    assert balance_of(app, account.member_id) == 380


def test_manual_fulfilment_shows_a_pending_coupon(app, client, make):
    make.offer("styling", title="Styling session", cost=100, fulfilment="manual")
    account = logged_in_member(client, make, balance=100)
    html = redeem(client, "styling").get_data(as_text=True)
    assert "Pending" in text_of(html) and "We are preparing this reward." in text_of(html)
    assert redemptions_of(app, account.member_id) == [("styling", "PENDING")]


def test_unknown_offer_and_bad_key(app, client, make):
    make.offer("coffee", cost=10)
    account = logged_in_member(client, make, balance=100)
    assert redeem(client, "nope").status_code == 404
    assert redeem(client, "coffee", key="short").status_code == 400
    assert balance_of(app, account.member_id) == 100


def test_an_inactive_offer_is_refused(app, client, make):
    make.offer("old", title="Old", cost=10)
    account = logged_in_member(client, make, balance=100)
    write(app, lambda s: setattr(s.get_one(Offer, "old"), "active", False))
    assert "This reward is no longer offered." in text_of(
        redeem(client, "old").get_data(as_text=True)
    )
    assert balance_of(app, account.member_id) == 100


def test_a_retry_while_the_first_is_still_running_says_so(app, client, make, monkeypatch):
    monkeypatch.setattr(rewards, "IN_PROGRESS_WAIT_SECONDS", 0.3)
    make.offer("coffee", title="Coffee", cost=100)
    account = logged_in_member(client, make, balance=1000, user_id="ann")
    request_hash = idempotency.fingerprint(
        "POST", "/portal/rewards/coffee/redeem", {"offerId": "coffee"}
    )
    write(
        app,
        lambda s: idempotency.claim(
            s, "user:ann", KEY, request_hash, utcnow(), timedelta(minutes=1)
        ),
    )
    html = redeem(client, "coffee").get_data(as_text=True)
    assert "Not redeemed. Already being redeemed: check My rewards in a moment." in text_of(html)
    assert redemptions_of(app, account.member_id) == []
