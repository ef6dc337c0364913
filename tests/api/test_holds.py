"""Points holds (API.md "Points holds"): hold, capture (full or part), release, expiry,
and who may do which."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry, Member, PointsHold
from loyalty_portal.timeutil import utcnow
from tests.api.conftest import Api, error_code


@pytest.fixture
def key(api: Api) -> dict[str, str]:
    return api.key("events", "redeem", "read", "users")


def _hold(api: Api, headers: dict[str, str], points: int, user: str = "ann", **body: object):
    return api.post(f"/v1/user/{user}/points/hold", headers, {"points": points, **body})


def _points(api: Api, key: dict[str, str], user: str = "ann") -> dict:
    return api.get(f"/v1/user/{user}/points", key).get_json()


def _expire(app, hold_id: str) -> None:
    """Move the hold's expiry into the past, as if its time had run out."""
    with app.app_context():
        db.session.execute(
            update(PointsHold)
            .where(PointsHold.id == hold_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def _verify(app) -> None:
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_held_points_leave_the_spendable_balance_at_once(api, key, app):
    api.make.member("ann", balance=500)
    response = _hold(api, key, 200, orderId="1018")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    hold = body["hold"]
    assert (hold["status"], hold["points"], hold["orderId"], hold["capturedPoints"]) == (
        "HELD",
        200,
        "1018",
        0,
    )
    assert hold["expiresAt"] - hold["createdAt"] == 900_000
    assert (body["points"], body["heldPoints"]) == (300, 200)
    points = _points(api, key)
    assert (points["points"], points["heldPoints"], points["pointsOwed"]) == (300, 200, 0)
    refused = _hold(api, key, 301)
    assert refused.status_code == 409 and error_code(refused) == "insufficient_points"
    assert refused.get_json()["error"]["missingPoints"] == 1
    _verify(app)


def test_a_redemption_cannot_spend_held_points(api, key, app):
    api.make.offer("mug", cost=100)
    api.make.member("ann", balance=150)
    _hold(api, key, 100)
    redeem = api.post("/v1/user/ann/offer/mug/redeem", key, {})
    assert redeem.status_code == 409 and error_code(redeem) == "insufficient_points"
    _verify(app)


def test_capture_in_part_spends_the_lots_that_expire_first_and_frees_the_rest(api, key, app):
    api.make.member("ann", balance=500)
    hold_id = _hold(api, key, 200, orderId="1018").get_json()["hold"]["holdId"]
    captured = api.post(f"/v1/hold/{hold_id}/capture", key, {"points": 150})
    assert captured.status_code == 200, captured.get_json()
    body = captured.get_json()
    assert (body["hold"]["status"], body["hold"]["capturedPoints"]) == ("CAPTURED", 150)
    assert (body["points"], body["heldPoints"]) == (350, 0)
    history = api.get("/v1/user/ann/history?types=payment", key).get_json()["data"]
    assert [(h["title"], h["points"], h["type"]) for h in history] == [
        ("Paid: order 1018", -150, "payment")
    ]
    again = api.post(f"/v1/hold/{hold_id}/capture", key, {})
    assert again.status_code == 409 and error_code(again) == "hold_not_active"
    assert error_code(api.post(f"/v1/hold/{hold_id}/release", key, {})) == "hold_not_active"
    _verify(app)


def test_capture_more_than_held_is_a_validation_error(api, key):
    api.make.member("ann", balance=500)
    hold_id = _hold(api, key, 200).get_json()["hold"]["holdId"]
    response = api.post(f"/v1/hold/{hold_id}/capture", key, {"points": 201})
    assert error_code(response) == "validation_error"
    assert api.get(f"/v1/hold/{hold_id}", key).get_json()["hold"]["status"] == "HELD"


def test_release_frees_the_points_without_a_ledger_entry(api, key, app):
    api.make.member("ann", balance=500)
    hold_id = _hold(api, key, 200).get_json()["hold"]["holdId"]
    before = api.get("/v1/user/ann/history", key).get_json()["data"]
    released = api.post(f"/v1/hold/{hold_id}/release", key, {}).get_json()
    assert (released["hold"]["status"], released["points"], released["heldPoints"]) == (
        "RELEASED",
        500,
        0,
    )
    assert api.get("/v1/user/ann/history", key).get_json()["data"] == before
    _verify(app)


def test_an_expired_hold_is_spendable_at_once_and_settled_by_points_expire(api, key, app):
    api.make.member("ann", balance=500)
    hold_id = _hold(api, key, 200, expiresIn=60).get_json()["hold"]["holdId"]
    _expire(app, hold_id)
    assert api.get(f"/v1/hold/{hold_id}", key).get_json()["hold"]["status"] == "EXPIRED"
    points = _points(api, key)
    assert (points["points"], points["heldPoints"]) == (500, 0)
    late = api.post(f"/v1/hold/{hold_id}/capture", key, {})
    assert late.status_code == 409 and error_code(late) == "hold_expired"
    result = app.test_cli_runner().invoke(args=["points", "expire"])
    assert result.exit_code == 0 and "expired holds of 1 member." in result.output
    _verify(app)
    assert api.get(f"/v1/hold/{hold_id}", key).get_json()["hold"]["status"] == "EXPIRED"


def test_expiry_of_a_hold_is_validated(api, key):
    api.make.member("ann", balance=500)
    assert error_code(_hold(api, key, 10, expiresIn=59)) == "validation_error"
    assert error_code(_hold(api, key, 10, expiresIn=604_801)) == "validation_error"
    assert error_code(_hold(api, key, 0)) == "validation_error"


def test_a_member_token_holds_reads_and_releases_its_own_holds_but_never_captures(api, key):
    api.make.member("ann", balance=500)
    api.make.member("bob", balance=500)
    ann = api.member("ann")
    hold_id = _hold(api, ann, 100).get_json()["hold"]["holdId"]
    assert api.get(f"/v1/hold/{hold_id}", ann).status_code == 200
    assert api.post(f"/v1/hold/{hold_id}/capture", ann, {}).status_code == 403
    bob = api.member("bob")
    assert _hold(api, bob, 100, user="ann").status_code == 403
    assert error_code(api.get(f"/v1/hold/{hold_id}", bob)) == "hold_not_found"
    assert error_code(api.post(f"/v1/hold/{hold_id}/release", bob, {})) == "hold_not_found"
    assert api.post(f"/v1/hold/{hold_id}/release", ann, {}).get_json()["hold"]["status"] == (
        "RELEASED"
    )
    assert error_code(api.get("/v1/hold/hd_nope", key)) == "hold_not_found"


def test_holds_need_the_redeem_scope_and_reads_the_read_scope(api):
    read_only, redeem_only = api.key("read"), api.key("redeem")
    api.make.member("ann", balance=500)
    assert _hold(api, read_only, 10).status_code == 403
    hold_id = _hold(api, redeem_only, 10).get_json()["hold"]["holdId"]
    assert api.get(f"/v1/hold/{hold_id}", redeem_only).status_code == 403
    assert api.get(f"/v1/hold/{hold_id}", read_only).status_code == 200
    assert api.post(f"/v1/hold/{hold_id}/capture", read_only, {}).status_code == 403


def test_when_lots_under_a_hold_expire_the_hold_keeps_what_the_balance_covers(api, key, app):
    api.make.member("ann", balance=100)
    first = _hold(api, key, 30, expiresIn=3600).get_json()["hold"]["holdId"]
    last = _hold(api, key, 50, expiresIn=7200).get_json()["hold"]["holdId"]
    with app.app_context():  # the 100 points become a lot of 60 expiring now and one of 40
        db.session.execute(
            update(LedgerEntry).values(
                delta=60, remaining=60, expires_at=utcnow() - timedelta(seconds=1)
            )
        )
        db.session.add(
            LedgerEntry(
                member_id=db.session.scalar(select(Member.id)),
                kind="adjust",
                delta=40,
                remaining=40,
                title="rest",
                source_note="test",
            )
        )
        db.session.commit()
    points = _points(api, key)
    assert (points["points"], points["heldPoints"]) == (0, 40)  # read before settling
    refused = api.post(f"/v1/hold/{last}/capture", key, {"points": 50})
    assert error_code(refused) == "validation_error"  # the last hold kept 10 of its 50
    assert api.post(f"/v1/hold/{last}/capture", key, {"points": 10}).status_code == 200
    captured = api.post(f"/v1/hold/{first}/capture", key, {}).get_json()
    assert (captured["hold"]["capturedPoints"], captured["points"]) == (30, 0)
    _verify(app)
