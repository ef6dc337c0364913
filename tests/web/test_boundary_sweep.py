"""Every route of app.url_map, GET and POST, both doors and the API, fed boundary values.

Dates outside what the databases or Python can hold, huge and negative numbers, unicode and
NUL bytes go into the path, the query string, every form field a page offers and the JSON
body. Any answer is fine but a 5xx: bad input is the caller's mistake and says so.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule, Member, Tier
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.factories import PASSWORD

BOUNDARY = [
    "0001-01-01",
    "9999-12-31",
    "0000-01",
    "9999-12",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "ünïcødé 😀 ✓",
    "a\x00b",
]
#: Every query argument the doors read, plus a few they might.
QUERY_NAMES = [
    "from", "to", "start", "end", "month", "days", "q", "page", "cursor", "limit", "offset",
    "status", "sort", "timeframe", "groupId", "group", "types", "kind", "lang", "actor",
    "action", "target_type", "target_id", "offer", "shop", "next", "includeStatistics",
    "includeShop", "token", "type",
]  # fmt: skip
JSON_NAMES = [
    "eventId", "userId", "customerId", "offerId", "rewardId", "metadata", "amount",
    "timestamp", "points", "reason", "title", "description", "userGroupId", "token",
    "displayName", "groups", "expectedPoints",
]  # fmt: skip
PATH_VALUES = ["0", "-1", "99999999999999999999999999", "ünï😀", "a\x00b"]
DESTRUCTIVE = ("logout", "erase", "delete", "end_sessions", "end-sessions")


@pytest.fixture
def program(app: Flask, make: Any) -> dict[str, str]:
    make.shop("cafe", name="Corner Café")
    make.tier("Silver", 100)
    make.group("staff", "Staff")
    make.rule("daily_login", points=10)
    make.offer("coffee", cost=50, shop_id="cafe", fulfilment="manual")
    make.member_login("ann@example.com", user_id="ann", balance=500)
    make.admin("root@example.com")
    key, plain = make.api_key(["events", "users", "redeem", "read"])
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        coupon = redeeming.redeem(db.session, ann, "coffee", now=utcnow(), actor=Actor.member("ann"))
        values = {
            "offer_id": "coffee",
            "shop_id": "cafe",
            "group_id": "staff",
            "user_id": "ann",
            "coupon_id": coupon.id,
            "key_id": str(key.id),
            "rule_id": str(db.session.query(EarningRule.id).scalar()),
            "tier_id": str(db.session.query(Tier.id).scalar()),
            "project_id": "test-project",
            "token": "not-a-token",
            "api_key": plain,
        }
        db.session.commit()
    return values


def routes(app: Flask) -> list[tuple[str, str, Any]]:
    """(endpoint, method, rule) for every route but static files and the /v0,2,3 aliases."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or re.match(r"^/v[023]/", rule.rule):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule))
    return found


def fill(rule: Any, values: dict[str, str], override: str | None = None) -> str:
    path = rule.rule
    for name in rule.arguments:
        value = values[name] if override is None else override
        if f"<int:{name}>" in path and override is not None and not override.lstrip("-").isdigit():
            value = values[name]
        path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
    return path


def client_for(app: Flask, endpoint: str) -> FlaskClient:
    client = app.test_client()
    if endpoint.startswith("admin."):
        client.post("/auth/login", data={"email": "root@example.com", "password": PASSWORD})
    elif endpoint.startswith(("portal.", "auth.")):
        client.post("/auth/login", data={"email": "ann@example.com", "password": PASSWORD})
    return client


def form_fields(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))


class Failures(list[str]):
    def check(self, response: Any, where: Any) -> None:
        if response.status_code >= 500:
            self.append(f"{where}: {response.status_code} {response.data[:200]!r}")


def test_every_route_answers_boundary_values_without_a_server_error(app, program):
    no_5xx = Failures().check
    seen_fields: set[str] = set()
    all_routes = routes(app)
    assert len(all_routes) >= 80
    # GET pages first, as the right role: every query argument at once, one value at a time.
    for endpoint, method, rule in all_routes:
        if method != "GET":
            continue
        client = client_for(app, endpoint)
        headers = {"x-api-key": program["api_key"]}
        page = client.get(fill(rule, program), headers=headers)
        no_5xx(page, (endpoint, "plain"))
        if page.mimetype == "text/html":
            seen_fields |= form_fields(page.get_data(as_text=True))
        for value in BOUNDARY:
            query = {name: value for name in QUERY_NAMES}
            response = client.get(fill(rule, program), query_string=query, headers=headers)
            no_5xx(response, (endpoint, "query", value))
        for value in PATH_VALUES:
            if rule.arguments:
                response = client.get(fill(rule, program, value), headers=headers)
                no_5xx(response, (endpoint, "path", value))
    # Then every write, destructive ones last, with every field any form has.
    writes = [r for r in all_routes if r[1] != "GET"]
    writes.sort(key=lambda r: any(word in r[0] or word in r[2].rule for word in DESTRUCTIVE))
    for endpoint, method, rule in writes:
        client = client_for(app, endpoint)
        headers = {"x-api-key": program["api_key"]}
        for value in BOUNDARY:
            path = fill(rule, program)
            if rule.rule.startswith("/v1"):
                body: dict[str, Any] = {name: value for name in JSON_NAMES}
                body["metadata"] = {"note": value}
                response = client.open(path, method=method, json=body, headers=headers)
                no_5xx(response, (endpoint, "json", value))
                for number in (10**30, -(10**30), -1, 0, 2**63):
                    numbers = {name: number for name in JSON_NAMES}
                    response = client.open(path, method=method, json=numbers, headers=headers)
                    no_5xx(response, (endpoint, "json", number))
            else:
                form = {name: value for name in seen_fields | set(QUERY_NAMES)}
                response = client.open(path, method=method, data=form, headers=headers)
                no_5xx(response, (endpoint, "form", value))
        for value in PATH_VALUES:
            if rule.arguments:
                response = client.open(fill(rule, program, value), method=method, headers=headers)
                no_5xx(response, (endpoint, "path", value))
    failures = no_5xx.__self__  # type: ignore[attr-defined]
    assert not failures, "\n".join(failures)


def test_a_json_body_nested_3000_deep_is_refused_clearly(app, client, program):
    deep = "[" * 3000 + "]" * 3000
    response = client.post(
        "/v1/event",
        data=deep,
        content_type="application/json",
        headers={"x-api-key": program["api_key"]},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "validation_error"
