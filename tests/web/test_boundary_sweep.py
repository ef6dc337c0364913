"""Every route of app.url_map, GET and POST, both doors and the API, fed boundary values.

Dates outside what the databases or Python can hold, huge and negative numbers, unicode and
NUL bytes go into the path, the query string, every form field a page offers and the JSON
body. Any answer is fine but a 5xx: bad input is the caller's mistake and says so.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule, Member, Tier, WebhookDelivery
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import holds
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.services.webhooks import deliveries, endpoints
from loyalty_portal.timeutil import utcnow
from tests.factories import PASSWORD
from tests.web.sweep_support import RecordingArgs, api_query_names, page_forms, record_query_names

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
#: NUL is refused before any view runs (web/request_guard.py), so one request per route
#: with it in every argument is enough; the one-at-a-time sweeps leave it out.
SINGLE_VALUES = [value for value in BOUNDARY if "\x00" not in value]
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
    campaign = make.campaign("Double", utcnow(), utcnow() + timedelta(days=1), multiplier="2")
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        coupon = redeeming.redeem(
            db.session, ann, "coffee", now=utcnow(), actor=Actor.member("ann")
        )
        hook = endpoints.create(
            db.session,
            "http://127.0.0.1:9/hooks",
            ["*"],
            actor=Actor.system("test"),
            now=utcnow(),
            allow_private=True,
        )
        endpoints.send_test(db.session, hook, actor=Actor.system("test"), now=utcnow())
        deliveries.dispatch(db.session, utcnow())
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
            "campaign_id": campaign.id,
            "order_key": "1017",
            "hold_id": holds.create_hold(db.session, "ann", 10, now=utcnow())[0].id,
            "endpoint_id": hook.id,
            "webhook_id": hook.id,
            "delivery_id": str(db.session.query(WebhookDelivery.id).limit(1).scalar()),
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


_logged_in: dict[str, FlaskClient] = {}


def client_for(app: Flask, endpoint: str, action: str = "") -> FlaskClient:
    """A client logged in as the role the endpoint needs; reused (a login hashes a
    password), except after a request that may have ended its session."""
    email = (
        "root@example.com"
        if endpoint.startswith("admin.")
        else "ann@example.com"
        if endpoint.startswith(("portal.", "auth."))
        else ""
    )
    key = f"{id(app)}:{email}"
    destructive = is_destructive(action)
    if destructive:  # it may end every session of the account: log in afresh after it too
        _logged_in.clear()
    if key not in _logged_in:
        client = app.test_client()
        if email:
            client.post("/auth/login", data={"email": email, "password": PASSWORD})
        if destructive:
            return client
        _logged_in[key] = client
    return _logged_in[key]


def is_destructive(text: str) -> bool:
    return any(word in text for word in DESTRUCTIVE)


class Failures(list[str]):
    def check(self, response: Any, where: Any) -> None:
        if response.status_code >= 500:
            self.append(f"{where}: {response.status_code} {response.data[:200]!r}")


def sweep_pages(app: Flask, program: dict[str, str], failures: Failures) -> list[Any]:
    """GET every page: each query argument it reads alone, then all of them at once."""
    forms = []
    for endpoint, method, rule in routes(app):
        if method != "GET":
            continue
        client = client_for(app, endpoint)
        headers = {"x-api-key": program["api_key"]}
        path = fill(rule, program)
        RecordingArgs.asked.clear()
        page = client.get(path, headers=headers)
        failures.check(page, (endpoint, "plain"))
        names = (RecordingArgs.asked | api_query_names(endpoint)) - {"_"}
        if page.mimetype == "text/html":
            forms += [(endpoint, f) for f in page_forms(page.get_data(as_text=True), path)]
        for value in BOUNDARY:
            for name in names if value in SINGLE_VALUES else ():
                response = client.get(path, query_string={name: value}, headers=headers)
                failures.check(response, (endpoint, "query", name, value))
            query = {name: value for name in QUERY_NAMES}
            failures.check(client.get(path, query_string=query, headers=headers), (endpoint, value))
        for value in PATH_VALUES:
            if rule.arguments:
                response = client.get(fill(rule, program, value), headers=headers)
                failures.check(response, (endpoint, "path", value))
    return forms


def sweep_forms(app: Flask, forms: list[Any], failures: Failures, *, destructive: bool) -> set[str]:
    """Post every form a page offers, one field at a time set to each boundary value."""
    posted: set[str] = set()
    unique = {form.action: (endpoint, form) for endpoint, form in forms if form.method == "post"}
    for endpoint, form in unique.values():
        if is_destructive(form.action) != destructive:
            continue
        posted.add(form.action.split("?")[0])
        fields = [name for name in form.values if name != "csrf_token"]
        for value in BOUNDARY:
            client = client_for(app, endpoint, form.action)
            for name in fields if value in SINGLE_VALUES else fields[:1]:
                data = {**form.values, name: value}
                response = client.post(form.action, data=data)
                failures.check(response, (endpoint, form.action, name, value))
    return posted


def sweep_writes(
    app: Flask, program: dict[str, str], posted: set[str], failures: Failures, *, destructive: bool
) -> None:
    """Every other write: API bodies field by field and all at once; forms with any field."""
    writes = [
        r
        for r in routes(app)
        if r[1] != "GET" and (is_destructive(r[0]) or is_destructive(r[2].rule)) == destructive
    ]
    headers = {"x-api-key": program["api_key"]}
    valid = {"userId": "ann", "eventId": "daily_login", "offerId": "coffee", "points": 5}
    valid |= {"reason": "sweep", "title": "Sweep"}
    for endpoint, method, rule in writes:
        client = client_for(app, endpoint, rule.rule)
        path = fill(rule, program)
        api = rule.rule.startswith("/v1")
        for value in [*BOUNDARY, 10**30, -(10**30), -1, 2**63, 1e308]:
            if api:
                for name in JSON_NAMES:
                    body = {**valid, name: value}
                    response = client.open(path, method=method, json=body, headers=headers)
                    failures.check(response, (endpoint, "json", name, value))
                response = client.open(
                    path, method=method, json={"metadata": {"note": value}}, headers=headers
                )
                failures.check(response, (endpoint, "metadata", value))
            elif path not in posted and isinstance(value, str):
                form = {name: value for name in QUERY_NAMES}
                response = client.open(path, method=method, data=form)
                failures.check(response, (endpoint, "form", value))
        for value in PATH_VALUES:
            if rule.arguments:
                response = client.open(fill(rule, program, value), method=method, headers=headers)
                failures.check(response, (endpoint, "path", value))


@pytest.mark.slow
def test_every_route_answers_boundary_values_without_a_server_error(app, program):
    record_query_names(app)
    failures = Failures()
    assert len(routes(app)) >= 80
    forms = sweep_pages(app, program, failures)
    assert len({f.action for _, f in forms if f.method == "post"}) >= 15  # the sweep reached them
    posted = sweep_forms(app, forms, failures, destructive=False)
    sweep_writes(app, program, posted, failures, destructive=False)
    posted |= sweep_forms(app, forms, failures, destructive=True)
    sweep_writes(app, program, posted, failures, destructive=True)
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
