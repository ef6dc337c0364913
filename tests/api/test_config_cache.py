"""Configuration is cached per process, and a change made through any process is in force
for the next request in every other one (issue 9). Two app instances on one database act
as two workers: each has its own cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from loyalty_portal import create_app
from loyalty_portal.extensions import db
from loyalty_portal.models import ApiKey, EarningRule, EventLog, Offer
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.members import api_keys
from loyalty_portal.timeutil import utcnow
from tests.api.conftest import error_code
from tests.conftest import make_config
from tests.factories import Factories


@pytest.fixture
def other(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A second app instance (a second worker) on the same database."""
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes sharing one database: PostgreSQL")
    second = create_app(make_config(database_url, tmp_path / "other"))
    yield second
    with second.app_context():
        db.session.remove()
        db.engine.dispose()


def _warm(app: Flask, headers: dict[str, str]) -> None:
    """Fill the instance's cache: keys, rules, offers, settings."""
    client = app.test_client()
    assert client.get("/v1/user/ann/points", headers=headers).status_code == 200
    event = {"eventId": "login", "userId": "ann"}
    assert client.post("/v1/event", headers=headers, json=event).status_code == 200
    assert client.get("/v1/user/ann/offer/coffee/redeemable", headers=headers).status_code == 200


@pytest.fixture
def world(make: Factories) -> dict[str, str]:
    make.rule("login", points=10)
    make.offer("coffee", cost=5, stock=10)
    make.member("ann", balance=100)
    _, plain = make.api_key()
    return {"x-api-key": plain}


def test_a_key_revoked_through_one_instance_is_refused_at_once_by_the_other(
    app: Flask, other: Flask, world: dict[str, str]
):
    _warm(app, world)
    _warm(other, world)
    with app.app_context():  # instance A revokes the key (as the admin area would)
        key = api_keys.find(db.session, world["x-api-key"][:10])
        api_keys.revoke(db.session, key, Actor.system("test"), utcnow())
        db.session.commit()
    refused = other.test_client().get("/v1/user/ann/points", headers=world)
    assert refused.status_code == 401 and error_code(refused) == "unauthorized"


def test_an_edited_rule_pays_its_new_points_in_the_other_instance(
    app: Flask, other: Flask, world: dict[str, str]
):
    _warm(app, world)
    _warm(other, world)
    with app.app_context():
        rule = db.session.query(EarningRule).filter_by(event_id="login").one()
        rule.points = 40
        db.session.commit()
    body = {"eventId": "login", "userId": "ann"}
    answer = other.test_client().post("/v1/event", headers=world, json=body).get_json()
    assert answer["data"]["points"] == 40


def test_a_deactivated_offer_is_refused_by_the_other_instance(
    app: Flask, other: Flask, world: dict[str, str]
):
    _warm(app, world)
    _warm(other, world)
    with app.app_context():
        db.session.get_one(Offer, "coffee").active = False
        db.session.commit()
    refused = other.test_client().post("/v1/user/ann/offer/coffee/redeem", headers=world, json={})
    assert refused.status_code == 409 and error_code(refused) == "offer_not_available"


def test_unchanged_configuration_is_not_read_again(
    app: Flask, other: Flask, world: dict[str, str]
):
    """The cache does its job: a warm instance reads the version, not the key table."""
    from tests.api.test_statement_budgets import executed

    _warm(other, world)
    with executed(other) as statements:
        assert other.test_client().get("/v1/user/ann/points", headers=world).status_code == 200
    assert not [s for s in statements if "FROM api_key" in s], statements
    assert any("config_version" in s for s in statements)


# A read checks the cache after its work (config_cache.defer_check): these hold on both
# databases, with one instance whose cache has not yet seen a change another request
# committed (as a worker that has not served a request since).


def _commit_elsewhere(app: Flask, change: Callable[[], None]) -> None:
    with app.app_context():
        change()
        db.session.commit()


def _revoke_elsewhere(app: Flask, headers: dict[str, str]) -> None:
    def revoke() -> None:
        key = api_keys.find(db.session, headers["x-api-key"][:10])
        api_keys.revoke(db.session, key, Actor.system("test"), utcnow())

    _commit_elsewhere(app, revoke)


def test_a_read_from_a_stale_cache_refuses_a_key_revoked_since(
    app: Flask, world: dict[str, str]
):
    _warm(app, world)
    _revoke_elsewhere(app, world)
    client = app.test_client()
    for path in ("/v1/user/ann/points", "/v1/user/ann"):  # one reads the version along
        refused = client.get(path, headers=world)
        assert refused.status_code == 401 and error_code(refused) == "unauthorized", path


def test_a_read_from_a_stale_cache_accepts_a_key_created_since(
    app: Flask, make: Factories, world: dict[str, str]
):
    _warm(app, world)
    _, plain = make.api_key(["read"])
    answer = app.test_client().get("/v1/user/ann/points", headers={"x-api-key": plain})
    assert answer.status_code == 200
    assert answer.get_json()["points"] == 110  # 100, and 10 for the warm-up's login


def test_a_read_from_a_stale_cache_honours_a_scope_granted_since(
    app: Flask, make: Factories, world: dict[str, str]
):
    """A refusal computed from the stale cache is checked as well as an answer."""
    key, plain = make.api_key(["events"])
    headers = {"x-api-key": plain}
    client = app.test_client()
    refused = client.get("/v1/user/ann/points", headers=headers)
    assert refused.status_code == 403 and error_code(refused) == "forbidden"

    def grant() -> None:
        db.session.get_one(ApiKey, key.id).scopes = ["events", "read"]

    _commit_elsewhere(app, grant)
    assert client.get("/v1/user/ann/points", headers=headers).status_code == 200


def test_a_write_from_a_stale_cache_pays_by_a_rule_edited_since(
    app: Flask, world: dict[str, str]
):
    _warm(app, world)

    def edit() -> None:
        db.session.query(EarningRule).filter_by(event_id="login").one().points = 40

    _commit_elsewhere(app, edit)
    body = {"eventId": "login", "userId": "ann"}
    answer = app.test_client().post("/v1/event", headers=world, json=body).get_json()
    assert answer["data"]["points"] == 40


def test_a_write_from_a_stale_cache_refuses_a_key_revoked_since(
    app: Flask, world: dict[str, str]
):
    _warm(app, world)
    _revoke_elsewhere(app, world)
    body = {"eventId": "login", "userId": "ann"}
    refused = app.test_client().post("/v1/event", headers=world, json=body)
    assert refused.status_code == 401 and error_code(refused) == "unauthorized"
    with app.app_context():  # nothing of the attempt stayed
        assert db.session.query(EventLog).count() == 1  # the warm-up's


def test_a_refusal_from_a_stale_cache_is_neither_sent_nor_stored(
    app: Flask, world: dict[str, str]
):
    """The cache said the offer was off; it was switched on since: the redemption goes
    through, and a retry with the same key replays that, not a refusal."""
    _commit_elsewhere(app, lambda: setattr(db.session.get_one(Offer, "coffee"), "active", False))
    _warm_without_redeemable(app, world)
    _commit_elsewhere(app, lambda: setattr(db.session.get_one(Offer, "coffee"), "active", True))
    client = app.test_client()
    headers = {**world, "Idempotency-Key": "stale-then-fresh"}
    path = "/v1/user/ann/offer/coffee/redeem"
    first = client.post(path, headers=headers, json={})
    assert first.status_code == 201, first.get_json()
    again = client.post(path, headers=headers, json={})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["coupon"]["couponId"] == first.get_json()["coupon"]["couponId"]


def _warm_without_redeemable(app: Flask, headers: dict[str, str]) -> None:
    """`_warm`, with the offer refused (it is off): its terms are cached as off."""
    client = app.test_client()
    assert client.get("/v1/user/ann/points", headers=headers).status_code == 200
    refused = client.post("/v1/user/ann/offer/coffee/redeem", headers=headers, json={})
    assert refused.status_code == 409 and error_code(refused) == "offer_not_available"
