"""The rewards catalog: what each card says, the filters, and why an offer is unavailable."""

from __future__ import annotations

from datetime import timedelta

from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.members.members import get_member
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import HTMX, logged_in_member, text_of, write


def card_text(html: str, offer_id: str) -> str:
    start = html.index(f'id="offer-{offer_id}"')
    return text_of(html[start : html.index("</article>", start)])


def test_a_card_shows_everything_about_the_offer(client, make):
    gold = make.tier("Gold", 0)
    shop = make.shop("cafe", name="Corner Café")
    until = utcnow() + timedelta(days=40)
    make.offer(
        "mug",
        title="Enamel mug",
        description="Keeps coffee hot.",
        image_url="/static/mug.png",
        cost=1200,
        stock=7,
        limit_per_member=2,
        valid_until=until,
        min_tier_id=gold.id,
        shop_id=shop.id,
    )
    logged_in_member(client, make, balance=5000)
    html = client.get("/portal/rewards").get_data(as_text=True)
    text = card_text(html, "mug")
    assert 'src="/static/mug.png"' in html
    for expected in (
        "Enamel mug",
        "Keeps coffee hot.",
        "Corner Café",
        "1,200 points",
        "7 left",
        "Limit 2 per member",
        f"Until {until.day} {until:%b %Y}",
        "Gold tier",
        "In store",
    ):
        assert expected in text, expected
    assert 'data-testid="offer-card"' in html


def test_unavailable_offers_say_why(client, make):
    gold = make.tier("Gold", 5000)
    starts = utcnow() + timedelta(days=6)
    make.offer("bike", title="Bike", cost=620)
    make.offer("lounge", title="Lounge", cost=100, min_tier_id=gold.id)
    make.offer("tote", title="Tote", cost=100, stock=0)
    make.offer("winter", title="Winter", cost=100, valid_from=starts)
    make.offer("cake", title="Cake", cost=100, limit_per_member=1)
    make.offer("coffee", title="Coffee", cost=100)
    account = logged_in_member(client, make, balance=500)

    def redeem_cake(session):
        member = get_member(session, account.member.user_id)
        redeeming.redeem(session, member, "cake", now=utcnow(), actor=Actor.system("t"))

    write(client.application, redeem_cake)
    html = client.get("/portal/rewards").get_data(as_text=True)
    assert "220 more points" in card_text(html, "bike")
    assert "Gold members only" in card_text(html, "lounge")
    assert "Out of stock" in card_text(html, "tote")
    assert f"Available from {starts.day} {starts:%b}" in card_text(html, "winter")
    assert "Limit reached (1 per member)" in card_text(html, "cake")
    assert "Redeem" in card_text(html, "coffee")
    for offer_id in ("bike", "lounge", "tote", "winter", "cake"):
        assert "Redeem" not in card_text(html, offer_id)
    assert html.count('data-testid="redeem-button"') == 1


def test_hidden_offers_never_show(client, make):
    make.group("staff")
    make.offer("ended", title="Summer voucher", cost=10, valid_until=utcnow() - timedelta(days=1))
    make.offer("retired", title="Retired", cost=10, active=False)
    staff_only = make.offer("staff-lunch", title="Staff lunch", cost=10)

    def restrict(session):
        from loyalty_portal.models import Offer, UserGroup

        session.get_one(Offer, staff_only.id).usergroups = [session.get_one(UserGroup, "staff")]

    write(client.application, restrict)
    logged_in_member(client, make, balance=100)
    page = text_of(client.get("/portal/rewards").get_data(as_text=True))
    assert "There are no rewards in the catalog yet." in page
    for title in ("Summer voucher", "Retired", "Staff lunch"):
        assert title not in page


def test_filters_affordable_shop_and_type(client, make):
    cafe = make.shop("cafe", name="Corner Café")
    store = make.shop("store", name="Northwind")
    make.offer("coffee", title="Coffee", cost=100, shop_id=cafe.id)
    make.offer("cake", title="Cake", cost=900, shop_id=cafe.id)
    make.offer("code", title="Web code", cost=50, shop_id=store.id, type="ONLINE")
    logged_in_member(client, make, balance=150)

    def titles(query):
        html = client.get(f"/portal/rewards{query}").get_data(as_text=True)
        shown = [t for t in ("Coffee", "Cake", "Web code") if f">{t}</h3>" in html]
        return sorted(shown, key=lambda t: html.index(f">{t}</h3>"))

    assert titles("") == ["Web code", "Coffee", "Cake"]  # cheapest first
    assert titles("?show=affordable") == ["Web code", "Coffee"]
    assert titles("?shop=cafe") == ["Coffee", "Cake"]
    assert titles("?type=ONLINE") == ["Web code"]
    assert titles("?show=affordable&shop=cafe&type=LOCAL") == ["Coffee"]
    assert titles("?shop=unknown&type=BOGUS") == ["Web code", "Coffee", "Cake"]  # ignored


def test_filtered_empty_state(client, make):
    make.offer("cake", title="Cake", cost=900)
    logged_in_member(client, make, balance=10)
    page = text_of(client.get("/portal/rewards?show=affordable").get_data(as_text=True))
    assert "No rewards match these filters." in page


def test_htmx_filter_returns_the_catalog_fragment_alone(client, make):
    make.offer("coffee", title="Coffee", cost=100)
    logged_in_member(client, make, balance=150)
    response = client.get("/portal/rewards?show=affordable", headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="catalog"')
    assert "<html" not in html and "Coffee" in html
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/portal/rewards?show=affordable").get_data(as_text=True)
    assert "<html" in full and '<section id="catalog"' in full


def test_catalog_pages(client, make):
    for i in range(30):
        make.offer(f"o{i:02d}", title=f"Offer {i:02d}", cost=100 + i)
    logged_in_member(client, make)
    first = client.get("/portal/rewards").get_data(as_text=True)
    assert first.count('data-testid="offer-card"') == 24
    assert "Next page" in first and "Previous page" not in first
    second = client.get("/portal/rewards?page=2").get_data(as_text=True)
    assert second.count('data-testid="offer-card"') == 6
    assert ">Offer 29</h3>" in second and "Previous page" in second
