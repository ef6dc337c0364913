"""Schemathesis against /v1/openapi.json on the real app (SQLite, a valid API key):
no 5xx, responses conform to the document, bad input is rejected, and schema-valid
input is accepted unless a documented rule the schema cannot express refuses it.

One test per operation and generation mode. (schemathesis' own pytest loader reads a
pytest-internal attribute that pytest 9 removed, so the strategies are driven directly.)
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from loyalty_portal.api.routing import ROUTES
from tests.factories import Factories

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
OPERATIONS = [("GET", "/v1/openapi.json", POSITIVE)] + [
    (spec.method, "/v1" + spec.path, mode) for spec in ROUTES for mode in (POSITIVE, NEGATIVE)
]
#: Deterministic by default (the same cases every run); API_FUZZ_EXAMPLES=500 with
#: API_FUZZ_RANDOM=1 explores further.
EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))
DERANDOMIZE = not os.environ.get("API_FUZZ_RANDOM")

#: 400s for schema-valid input that API.md documents, by operation: the error fields (or
#: codes) a rule outside the schema may name. Anything else must be accepted.
DOCUMENTED_REFUSALS: dict[tuple[str, str], set[str]] = {
    # an API key must name the user (a member token defaults to its own sub)
    ("POST", "/v1/event"): {"userId"},
    ("POST", "/v1/events"): {"userId"},
    ("POST", "/v1/event/preview"): {"userId"},
    # end after start, a multiplier above 1 or a bonus, a known tier
    ("POST", "/v1/campaign"): {"endsAt", "multiplier", "minTier", "startsAt"},
    ("POST", "/v1/offer/redeem"): {"userId"},
    ("POST", "/v1/redeem"): {"userId"},
    # the public API answers 400 user_exists for a taken userId
    ("POST", "/v1/user"): {"user_exists", "userId", "referral_invalid", "referralCode"},
    # a taken userGroupId
    ("POST", "/v1/usergroup"): {"userGroupId"},
    # exactly one of month or timeframe
    ("GET", "/v1/project/{projectId}/leaderboard"): {"timeframe", "month"},
    ("GET", "/v1/user/{userId}/leaderboard"): {"timeframe", "groupId", "month"},
    ("GET", "/v1/user/{userId}/rank"): {"groupId"},
    # 'from' after 'to', or a day outside 1900-01-01 .. 2999-12-31 (months likewise)
    ("GET", "/v1/user/{userId}/history"): {"from", "to"},
    # an API key must name the order's user; the path's orderId has the orderId rule
    ("GET", "/v1/order/{orderId}"): {"userId"},
    ("POST", "/v1/order/{orderId}/refund"): {"orderId"},
    # capture 1..held points
    ("POST", "/v1/hold/{holdId}/capture"): {"points"},
    # the rule's value is missing, the user group is unknown, metadata.orderId is malformed
}
EVENT_RULES = {"metadata.amount", "metadata.usergroup", "metadata.orderId"}
#: Refused on every route, as API.md says (the schema cannot express "no NUL in any text").
NUL_REFUSAL = "Text may not contain NUL characters (\\u0000)."

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"API_RATE_LIMIT": "1000000 per minute", "PROJECT_ID": "default"}


@pytest.fixture
def api_key(make: Factories) -> str:
    """A full-scope key, and the program the document's examples name."""
    make.rule("purchase_completed", type="TRANSACTION", points=None, points_per_unit=1)
    make.rule("daily_login", points=10)
    make.shop("cafe", name="Café")
    make.offer("coffee", cost=10, shop_id="cafe")
    make.member("alice", balance=1_000)
    _, plain = make.api_key()
    return plain


def assert_accepted(method: str, path: str, response: Any) -> None:
    """A schema-valid request: 2xx, or a documented refusal (never a 400 for its shape)."""
    if response.status_code != 400:
        return
    error = response.json()["error"]
    if error["message"] == NUL_REFUSAL:
        return
    allowed = DOCUMENTED_REFUSALS.get((method, path), set())
    if path in ("/v1/event", "/v1/events", "/v1/event/preview"):
        allowed = allowed | EVENT_RULES
    named = {error["code"]} | set(error.get("details") or {})
    assert named & allowed, f"schema-valid {method} {path} rejected: {error}"


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS, ids=str)
def test_operation_conforms_to_the_document(app, api_key, method, path, mode):
    operation = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=DERANDOMIZE,
    )
    def check(case: Any) -> None:
        if mode is POSITIVE and case.headers and "Idempotency-Key" in case.headers:
            # Keys are stateful (a reused key with another body is 422 by design, tested
            # in test_idempotency); give each generated request its own.
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
        response = case.call_and_validate(
            headers={"x-api-key": api_key}, excluded_checks=[positive_data_acceptance]
        )
        if mode is POSITIVE:
            assert_accepted(method, path, response)

    check()
