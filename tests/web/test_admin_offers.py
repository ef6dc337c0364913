"""Offers and shops: list, create with every field, validation, edit, (de)activate, delete,
code-pool uploads; every change in the audit log."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, CouponCode, Member, Offer, ProgramSettings, Shop
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def audit_entries(app, action: str) -> list[AuditLog]:
    with app.app_context():
        return db.session.query(AuditLog).filter_by(action=action).order_by(AuditLog.id).all()


def offer_form(**changes):
    data = {
        "id": "tote",
        "title": "Tote bag",
        "description": "Sturdy cotton.",
        "image_url": "https://example.com/tote.png",
        "type": "ONLINE",
        "shop_id": "",
        "cost": "300",
        "stock": "25",
        "limit_per_member": "2",
        "valid_from": "2027-03-01T09:00",
        "valid_until": "2027-04-01T00:00",
        "min_tier_id": "",
        "usergroup_ids": [],
        "fulfilment": "pool",
        "coupon_valid_days": "30",
        "how_to_use": "Show the code at the till.",
        "active": "y",
    }
    data.update(changes)
    return data


def test_create_an_offer_with_every_field(app, client, admin, make):
    with app.app_context():
        db.session.add(ProgramSettings(id=1, timezone="Europe/Berlin"))
        db.session.commit()
    make.shop("cafe", name="Corner Café")
    gold = make.tier("Gold", 1000)
    make.group("staff", "Staff")
    make.group("vip", "VIP")
    response = client.post(
        "/admin/offers/new",
        data=offer_form(shop_id="cafe", min_tier_id=str(gold.id), usergroup_ids=["staff", "vip"]),
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/offers/tote"
    with app.app_context():
        offer = db.session.get(Offer, "tote")
        assert (offer.title, offer.type, offer.cost, offer.stock) == ("Tote bag", "ONLINE", 300, 25)
        assert offer.limit_per_member == 2 and offer.coupon_valid_days == 30
        assert offer.shop_id == "cafe" and offer.min_tier_id == gold.id
        assert [g.id for g in offer.usergroups] == ["staff", "vip"]
        assert offer.fulfilment == "pool" and offer.how_to_use == "Show the code at the till."
        assert offer.image_url == "https://example.com/tote.png" and offer.active
        # Typed in the program's zone (Berlin, UTC+1 in March before the switch): stored in UTC.
        assert offer.valid_from == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
        assert offer.valid_until == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)
    (entry,) = audit_entries(app, "offer.create")
    assert entry.actor == "admin:root@example.com" and entry.target_id == "tote"
    assert entry.after["cost"] == 300 and entry.after["usergroups"] == ["staff", "vip"]
    page = client.get("/admin/offers/tote")
    assert b"Tote bag" in page.data and b"Corner Caf" in page.data
    # The edit form shows the times back in the program's zone.
    assert b'value="2027-03-01T09:00"' in client.get("/admin/offers/tote/edit").data


def test_invalid_offer_shows_messages_next_to_fields_and_keeps_input(app, client, admin, make):
    make.offer("tote", title="Existing")
    response = client.post(
        "/admin/offers/new",
        data=offer_form(
            cost="0",
            image_url="ftp://nope",
            valid_until="2027-02-01T00:00",
            stock="-1",
            title="My typed title",
        ),
    )
    assert response.status_code == 200
    html = response.data.decode()
    assert 'value="My typed title"' in html
    for message in (
        "At least 1.",  # cost
        "A full http:// or https:// address.",
        "Must be after the start.",
        "At least 0.",  # stock
        "An offer with this id already exists.",
    ):
        assert message in html, message
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert db.session.query(Offer).count() == 1
    assert audit_entries(app, "offer.create") == []


def test_required_fields_are_reported(app, client, admin):
    response = client.post("/admin/offers/new", data=offer_form(title="", cost="", id=""))
    assert response.status_code == 200
    assert response.data.count(b"This field is required.") >= 3
    with app.app_context():
        assert db.session.query(Offer).count() == 0


def test_edit_records_what_changed(app, client, admin, make):
    make.offer("mug", title="Mug", cost=100, stock=5)
    page = client.get("/admin/offers/mug/edit")
    assert b'name="id"' not in page.data  # the id cannot change
    response = client.post(
        "/admin/offers/mug/edit",
        data=offer_form(
            title="Big mug",
            cost="120",
            stock="5",
            fulfilment="auto",
            valid_from="",
            valid_until="",
            limit_per_member="",
            coupon_valid_days="",
            image_url="",
            description="",
            how_to_use="",
            type="LOCAL",
        ),
    )
    assert response.status_code == 303
    with app.app_context():
        offer = db.session.get(Offer, "mug")
        assert (offer.title, offer.cost) == ("Big mug", 120)
    (entry,) = audit_entries(app, "offer.update")
    assert entry.before == {"title": "Mug", "cost": 100}
    assert entry.after == {"title": "Big mug", "cost": 120}


def test_deactivate_and_activate(app, client, admin, make):
    make.offer("mug")
    assert client.post("/admin/offers/mug/active", data={"active": "0"}).status_code == 303
    with app.app_context():
        assert db.session.get(Offer, "mug").active is False
    client.post("/admin/offers/mug/active", data={"active": "1"})
    with app.app_context():
        assert db.session.get(Offer, "mug").active is True
    assert [
        e.action
        for e in audit_entries(app, "offer.deactivate") + audit_entries(app, "offer.activate")
    ] == ["offer.deactivate", "offer.activate"]
    assert b"Active" in client.get("/admin/offers?status=all").data


def redeem(app, user_id: str, offer_id: str) -> None:
    with app.app_context():
        member = db.session.query(Member).filter_by(user_id=user_id).one()
        redeeming.redeem(db.session, member, offer_id, now=utcnow(), actor=Actor.member(user_id))
        db.session.commit()


def test_an_offer_with_redemptions_is_never_deleted(app, client, admin, make):
    make.offer("mug", cost=10)
    make.member("ann", balance=10)
    redeem(app, "ann", "mug")
    assert b"Delete" not in client.get("/admin/offers/mug").data
    response = client.post("/admin/offers/mug/delete")
    assert response.status_code == 409
    assert b"Deactivate it instead" in response.data
    with app.app_context():
        assert db.session.get(Offer, "mug") is not None
    assert audit_entries(app, "offer.delete") == []


def test_an_unused_offer_can_be_deleted(app, client, admin, make):
    make.offer("typo", title="Tpyo")
    response = client.post("/admin/offers/typo/delete", follow_redirects=True)
    assert b"deleted" in response.data
    with app.app_context():
        assert db.session.get(Offer, "typo") is None
    (entry,) = audit_entries(app, "offer.delete")
    assert entry.before["title"] == "Tpyo"


def test_list_filters_sorts_and_shows_stock_and_redemptions(app, client, admin, make):
    make.offer("a-mug", title="Mug", cost=300, stock=4)
    make.offer("b-pen", title="Pen", cost=100)
    make.offer("c-old", title="Old", cost=200, active=False)
    make.member("ann", balance=300)
    redeem(app, "ann", "a-mug")
    html = client.get("/admin/offers?sort=-cost").data.decode()
    assert html.index("Mug") < html.index("Pen") and "Old" not in html
    cheap_first = client.get("/admin/offers?sort=cost").data.decode()
    assert cheap_first.index("Pen") < cheap_first.index("Mug")
    assert "unlimited" in html
    assert b"Old" in client.get("/admin/offers?status=inactive").data
    assert b"Pen" in client.get("/admin/offers?q=pe").data
    assert b"Mug" not in client.get("/admin/offers?q=pe").data
    detail = client.get("/admin/offers/a-mug").data.decode()
    assert 'data-testid="stock">3<' in detail and 'data-testid="redemptions">1<' in detail


def test_upload_pool_codes_reports_duplicates_and_bad_lines(app, client, admin, make):
    make.offer("voucher", fulfilment="pool")
    with app.app_context():
        db.session.add(CouponCode(offer_id="voucher", code="KNOWN-1"))
        db.session.commit()
    csv_text = "code\nAAA-1\nBBB-2\nAAA-1\nKNOWN-1\n\n" + "X" * 129 + "\nCCC-3\n"
    response = client.post(
        "/admin/offers/voucher/codes",
        data={"file": (io.BytesIO(csv_text.encode()), "codes.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.data.decode()
    assert "3 codes added" in html
    assert "Line 4: AAA-1: repeated in the file" in html
    assert "Line 5: KNOWN-1: already in the pool" in html
    assert "longer than 128 characters" in html
    assert 'data-testid="free-codes">4<' in html
    with app.app_context():
        codes = sorted(db.session.scalars(select(CouponCode.code).filter_by(offer_id="voucher")))
    assert codes == ["AAA-1", "BBB-2", "CCC-3", "KNOWN-1"]
    (entry,) = audit_entries(app, "offer.codes_upload")
    assert entry.after == {"added": 3, "skipped": 3}


def test_codes_only_for_pool_offers_and_only_text(app, client, admin, make):
    make.offer("mug", fulfilment="auto")
    response = client.post(
        "/admin/offers/mug/codes",
        data={"file": (io.BytesIO(b"A\nB\n"), "codes.csv")},
        content_type="multipart/form-data",
    )
    assert b"Codes can only be uploaded for an offer fulfilled from a code pool." in response.data
    make.offer("voucher", fulfilment="pool")
    response = client.post(
        "/admin/offers/voucher/codes",
        data={"file": (io.BytesIO(b"\xff\xfe\x00bad"), "codes.csv")},
        content_type="multipart/form-data",
    )
    assert b"not UTF-8 text" in response.data
    with app.app_context():
        assert db.session.query(CouponCode).count() == 0


def test_shops_create_edit_and_validate(app, client, admin):
    response = client.post(
        "/admin/shops/new", data={"id": "cafe", "name": "Café", "status": "ACTIVE", "logo": "x"}
    )
    assert b"A full http:// or https:// address." in response.data
    assert 'value="Café"' in response.data.decode()
    client.post(
        "/admin/shops/new",
        data={"id": "cafe", "name": "Café", "status": "ACTIVE", "description": "Coffee and cake"},
    )
    with app.app_context():
        assert db.session.get(Shop, "cafe").description == {"default": "Coffee and cake"}
    client.post("/admin/shops/cafe/edit", data={"name": "Corner Café", "status": "INACTIVE"})
    with app.app_context():
        shop = db.session.get(Shop, "cafe")
        assert (shop.name, shop.status, shop.description) == ("Corner Café", "INACTIVE", {})
    assert [
        e.action for e in audit_entries(app, "shop.create") + audit_entries(app, "shop.update")
    ] == [
        "shop.create",
        "shop.update",
    ]
    assert b"Corner Caf" in client.get("/admin/shops?sort=-name").data


def upload_codes(client, offer_id: str, text: str):
    return client.post(
        f"/admin/offers/{offer_id}/codes",
        data={"file": (io.BytesIO(text.encode()), "codes.csv")},
        content_type="multipart/form-data",
    )


def test_code_upload_says_why_it_refused(app, client, admin, make):
    make.offer("voucher", fulfilment="pool")
    too_many = "\n".join(f"C{n:06d}" for n in range(100_001))
    html = upload_codes(client, "voucher", too_many).data.decode()
    assert "At most 100,000 codes per file." in html
    assert "codes added" not in html and "too many codes" not in html
    for empty in ("", "code\n", "\n\n"):
        html = upload_codes(client, "voucher", empty).data.decode()
        assert "The file has no codes" in html, empty
        assert "added to the pool" not in html
    with app.app_context():
        assert db.session.query(CouponCode).count() == 0
        assert db.session.query(AuditLog).filter_by(action="offer.codes_upload").count() == 0


def test_code_upload_counts_in_words(app, client, admin, make):
    make.offer("voucher", fulfilment="pool")
    html = upload_codes(client, "voucher", "ONLY-1\n").data.decode()
    assert "1 code added to the pool." in html and "1 codes" not in html
    assert 'data-testid="free-codes">1<' in html and "of 1 code free" in html
