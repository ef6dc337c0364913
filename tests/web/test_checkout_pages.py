"""Orders, refunds and holds on the pages: the member's history and dashboard show returned
orders, points owed, reserved points and payments; the admin's member page refunds an
order and releases a hold through the same services as the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loyalty_portal.models import AuditLog, Member, PointsHold
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events, refunds
from loyalty_portal.services.ledger import holds
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import logged_in_member, read, text_of, write


def buy(app, user_id: str, order: str, amount: int) -> None:
    write(
        app,
        lambda s: events.record_event(
            s,
            user_id=user_id,
            event_id="purchase",
            now=utcnow(),
            source="test",
            amount=amount,
            trusted=True,
            order_key=order,
        ),
    )


@pytest.fixture
def shop(make):
    make.rule("purchase", type="TRANSACTION", points=None, points_per_unit="0.49", title="Purchase")
    make.offer("mug", title="Mug", cost=40)


def test_member_sees_returned_orders_points_owed_reserved_points_and_payments(
    app, client, make, shop
):
    logged_in_member(client, make, user_id="ann")
    buy(app, "ann", "1017", 100)  # 49 points
    buy(app, "ann", "1018", 100)  # 49 more
    now = utcnow()
    write(app, lambda s: redeeming.redeem(s, "ann", "mug", now=now, actor=Actor.member("ann")))
    write(
        app,
        lambda s: refunds.refund_order(
            s, "ann", "1017", amount=None, reason="Parcel came back", now=utcnow()
        ),
    )
    history = text_of(client.get("/portal/history").get_data(as_text=True))
    assert "Returned: order 1017" in history and "Parcel came back" in history
    assert "-49" in history or "−49" in history
    dashboard = text_of(client.get("/portal/").get_data(as_text=True))
    assert "Your balance 9 points" in dashboard  # 98 - 40 - 49
    assert "owed from returned orders" not in dashboard
    write(
        app, lambda s: refunds.refund_order(s, "ann", "1018", amount=None, reason="", now=utcnow())
    )
    dashboard = text_of(client.get("/portal/").get_data(as_text=True))
    assert "40 points owed from returned orders" in dashboard

    buy(app, "ann", "1019", 200)  # 98 points: 40 repay the debt
    write(app, lambda s: holds.create_hold(s, "ann", 30, now=utcnow(), order_key="1020"))
    dashboard = text_of(client.get("/portal/").get_data(as_text=True))
    assert "30 points reserved for a checkout" in dashboard
    assert "Your balance 28 points" in dashboard
    assert "owed from returned orders" not in dashboard
    hold_id = read(app, lambda s: s.scalar(select(PointsHold.id)))
    write(app, lambda s: holds.capture(s, hold_id, 25, now=utcnow()))
    paid = text_of(client.get("/portal/history?type=paid").get_data(as_text=True))
    assert "Paid: order 1020" in paid and "Purchase" not in paid
    assert read(app, verify) == []


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def audited(action):
    """The (target type, target id) of the audit log's entries for `action`."""

    def query(session):
        rows = session.execute(
            select(AuditLog.target_type, AuditLog.target_id)
            .where(AuditLog.action == action)
            .order_by(AuditLog.id)
        )
        return [tuple(row) for row in rows]

    return query


def test_admin_refunds_an_order_from_the_member_page(app, client, admin, make, shop):
    buy(app, "bob", "2001", 100)
    page = client.get("/admin/members/bob").get_data(as_text=True)
    assert "2001" in page and 'data-testid="refund-2001"' in page
    response = client.post(
        "/admin/members/bob/orders/2001/refund", data={"amount": "50", "reason": "Damaged"}
    )
    assert response.status_code == 303
    page = text_of(client.get("/admin/members/bob").get_data(as_text=True))
    assert "Order 2001 refunded: 24 points reversed." in page
    assert (
        read(app, lambda s: s.scalar(select(Member.balance).where(Member.user_id == "bob"))) == 25
    )
    too_much = client.post("/admin/members/bob/orders/2001/refund", data={"amount": "51"})
    assert too_much.status_code == 303
    page = text_of(client.get("/admin/members/bob").get_data(as_text=True))
    assert "left to refund" in page
    client.post("/admin/members/bob/orders/2001/refund", data={"reason": "All back"})
    page = client.get("/admin/members/bob").get_data(as_text=True)
    assert "Refunded" in page and 'data-testid="refund-2001"' not in page
    assert read(app, verify) == []
    assert read(app, audited("order.refund")) == [("order", "2001")] * 2  # the refused one: none


def test_admin_sees_and_releases_active_holds(app, client, admin, make, shop):
    buy(app, "bob", "2001", 100)
    write(app, lambda s: holds.create_hold(s, "bob", 20, now=utcnow(), order_key="2002"))
    hold_id = read(app, lambda s: s.scalar(select(PointsHold.id)))
    page = text_of(client.get("/admin/members/bob").get_data(as_text=True))
    assert hold_id in page and "20 reserved by holds" in page
    response = client.post(f"/admin/members/bob/holds/{hold_id}/release")
    assert response.status_code == 303
    page = text_of(client.get("/admin/members/bob").get_data(as_text=True))
    assert f"The hold {hold_id} was released." in page and "No active holds." in page
    assert read(app, lambda s: s.get_one(PointsHold, hold_id).status) == "RELEASED"
    assert read(app, lambda s: s.scalar(select(Member.held_points))) == 0
    assert read(app, audited("hold.release")) == [("hold", hold_id)]
