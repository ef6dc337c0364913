"""A redeem carries the price the member saw: a price changed since is refused with
nothing spent and the card shows the new price. After a redeem every card of the page
reflects the new balance (sent out of band), and the redeemed card can be redeemed again."""

from __future__ import annotations

import re

from loyalty_portal.models import Offer
from tests.web.portal_support import (
    HTMX,
    balance_of,
    form_key,
    logged_in_member,
    redemptions_of,
    text_of,
    write,
)

REWARDS_URL = "http://localhost/portal/rewards"


def _raise_price(app, offer_id, cost):
    write(app, lambda s: setattr(s.get_one(Offer, offer_id), "cost", cost))


def _post(client, offer_id, expected, *, htmx=True, key="key-0123456789", page=REWARDS_URL):
    headers = {**HTMX, "HX-Current-URL": page} if htmx else {}
    return client.post(
        f"/portal/rewards/{offer_id}/redeem",
        data={"idempotency_key": key, "expected_points": str(expected)},
        headers=headers,
    )


def test_the_redeem_form_carries_the_price_shown(client, make):
    make.offer("tote", title="Tote bag", cost=60)
    logged_in_member(client, make, balance=1000)
    html = client.get("/portal/rewards").get_data(as_text=True)
    assert '<input type="hidden" name="expected_points" value="60">' in html


def test_htmx_redeem_at_a_changed_price_is_refused_and_the_card_shows_the_new_price(
    app, client, make
):
    make.offer("tote", title="Tote bag", cost=60)
    account = logged_in_member(client, make, balance=1000)
    client.get("/portal/rewards")
    _raise_price(app, "tote", 300)
    response = _post(client, "tote", 60)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    text = text_of(html)
    assert "Not redeemed. The price changed from 60 to 300 points." in text
    assert re.search(r'data-testid="offer-cost">300<', html)
    assert '<input type="hidden" name="expected_points" value="300">' in html
    assert 'hx-confirm="Redeem Tote bag for 300 points?"' in html
    assert balance_of(app, account.member_id) == 1000
    assert redemptions_of(app, account.member_id) == []
    again = _post(client, "tote", 300, key=form_key(html, "tote"))
    assert 'data-testid="coupon-code"' in again.get_data(as_text=True)
    assert balance_of(app, account.member_id) == 700


def test_without_javascript_a_changed_price_is_refused_on_the_catalog(app, client, make):
    make.offer("tote", title="Tote bag", cost=60)
    account = logged_in_member(client, make, balance=1000)
    _raise_price(app, "tote", 300)
    response = _post(client, "tote", 60, htmx=False)
    assert response.status_code == 303 and response.location == "/portal/rewards#offer-tote"
    page = text_of(client.get(response.location).get_data(as_text=True))
    assert "Could not redeem Tote bag. The price changed from 60 to 300 points." in page
    assert balance_of(app, account.member_id) == 1000
    assert redemptions_of(app, account.member_id) == []


def _oob_card(html, offer_id):
    match = re.search(
        rf'<article [^>]*id="offer-{offer_id}"[^>]*hx-swap-oob="outerHTML">(.*?)</article>',
        html,
        re.S,
    )
    assert match, f"card {offer_id} not sent out of band"
    return text_of(match.group(1))


def test_after_a_redeem_every_card_of_the_page_reflects_the_new_balance(app, client, make):
    make.offer("coffee", title="Coffee", cost=400)
    make.offer("cake", title="Cake", cost=300)
    make.offer("bike", title="Bike", cost=900)
    logged_in_member(client, make, balance=1000)
    html = _post(client, "coffee", 400).get_data(as_text=True)
    assert "Redeem another" in _oob_free(html, "coffee")
    assert "Redeem" in _oob_card(html, "cake")  # 600 left: still affordable
    assert "300 more points" in _oob_card(html, "bike")
    assert "Redeem" not in _oob_card(html, "bike")


def test_within_my_points_the_cards_shown_before_the_redeem_are_refreshed(app, client, make):
    make.offer("coffee", title="Coffee", cost=400)
    make.offer("cake", title="Cake", cost=700)
    logged_in_member(client, make, balance=1000)
    html = _post(client, "coffee", 400, page=REWARDS_URL + "?show=affordable").get_data(
        as_text=True
    )
    assert "100 more points" in _oob_card(html, "cake")


def test_cards_are_not_sent_out_of_band_to_other_pages(client, make):
    make.offer("coffee", title="Coffee", cost=400)
    make.offer("cake", title="Cake", cost=300)
    logged_in_member(client, make, balance=1000)
    html = _post(client, "coffee", 400, page="http://localhost/portal/").get_data(as_text=True)
    assert 'id="offer-cake"' not in html


def _oob_free(html, offer_id):
    """The redeemed card itself (swapped in place, not out of band)."""
    start = html.index(f'id="offer-{offer_id}"')
    return text_of(html[start : html.index("</article>", start)])


def test_a_price_raised_beyond_the_balance_says_both(app, client, make):
    make.offer("tote", title="Tote bag", cost=60)
    account = logged_in_member(client, make, balance=100)
    _raise_price(app, "tote", 300)
    html = _post(client, "tote", 60).get_data(as_text=True)
    text = text_of(html)
    assert "The price changed from 60 to 300 points." in text
    assert "200 more points" in text
    assert 'data-testid="redeem-button"' not in html
    assert balance_of(app, account.member_id) == 100
