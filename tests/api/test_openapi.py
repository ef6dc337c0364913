"""/v1/openapi.json: OpenAPI 3.1, every route of API.md, built from the validating models."""

from __future__ import annotations

from pydantic.json_schema import models_json_schema

from loyalty_portal.api.routing import ROUTES
from loyalty_portal.api.schemas.requests import EventBody, GenericRedeemBody, UserGroupBody
from loyalty_portal.api.schemas.responses import EventResponse, RedeemResponse

#: The route table of API.md, legacy aliases included.
API_MD_ROUTES = {
    ("post", "/v1/event"),
    ("post", "/v1/event/batch"),
    ("post", "/v1/user"),
    ("get", "/v1/user/{userId}"),
    ("delete", "/v1/user/{userId}"),
    ("get", "/v1/user/{userId}/points"),
    ("get", "/v1/user/{userId}/history"),
    ("get", "/v1/user/{userId}/offer/feed"),
    ("get", "/v1/user/{userId}/offer/{offerId}/redeemable"),
    ("post", "/v1/user/{userId}/offer/{offerId}/redeem"),
    ("post", "/v1/offer/redeem"),
    ("get", "/v1/user/{userId}/coupon"),
    ("put", "/v1/user/{userId}/coupon/{couponId}"),
    ("get", "/v1/offer/{offerId}"),
    ("get", "/v1/offer/shop/{shopId}"),
    ("post", "/v1/usergroup"),
    ("get", "/v1/project/{projectId}/leaderboard"),
    ("get", "/v1/user/{userId}/leaderboard"),
    ("get", "/v1/user/{userId}/rank"),
    ("post", "/v1/user/{userId}/points"),
    ("post", "/v1/coupon/{couponId}/cancel"),
    # webhooks and the shop's fulfilment (API.md "Webhooks")
    ("post", "/v1/webhook"),
    ("get", "/v1/webhook"),
    ("delete", "/v1/webhook/{webhookId}"),
    ("post", "/v1/coupon/{couponId}/fulfil"),
    # orders and holds ("Beyond the public API")
    ("post", "/v1/order/{orderId}/refund"),
    ("get", "/v1/order/{orderId}"),
    ("post", "/v1/user/{userId}/points/hold"),
    ("post", "/v1/hold/{holdId}/capture"),
    ("post", "/v1/hold/{holdId}/release"),
    ("get", "/v1/hold/{holdId}"),
    # growth (API.md "Referrals" and "Campaigns")
    ("post", "/v1/event/preview"),
    ("post", "/v1/campaign"),
    ("get", "/v1/campaign"),
    ("delete", "/v1/campaign/{campaignId}"),
    ("get", "/v1/user/{userId}/referral"),
    # legacy aliases
    ("post", "/v1/events"),
    ("post", "/v1/redeem"),
    ("get", "/v1/customer/{customerId}/points"),
    # the document itself
    ("get", "/v1/openapi.json"),
}


def _operations(doc):
    return {
        (method, path): op for path, item in doc["paths"].items() for method, op in item.items()
    }


def test_document_is_public_openapi_3_1_covering_every_route(client):
    r = client.get("/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"] == "3.1.0"
    assert set(_operations(doc)) == API_MD_ROUTES
    assert client.get("/v2/openapi.json").get_json() == doc


def test_schemas_are_the_validating_models(client):
    doc = client.get("/v1/openapi.json").get_json()
    _, expected = models_json_schema(
        [
            (EventBody, "validation"),
            (GenericRedeemBody, "validation"),
            (UserGroupBody, "validation"),
            (EventResponse, "serialization"),
            (RedeemResponse, "serialization"),
        ],
        ref_template="#/components/schemas/{model}",
    )
    for name, schema in expected["$defs"].items():
        assert doc["components"]["schemas"][name] == schema, name
    event = doc["paths"]["/v1/event"]["post"]
    assert event["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EventBody"
    }
    body = doc["components"]["schemas"]["EventBody"]
    assert body["required"] == ["eventId"]
    assert body["properties"]["metadata"]["maxProperties"] == 10


def test_every_operation_documents_credentials_and_errors(client):
    doc = client.get("/v1/openapi.json").get_json()
    for (method, path), op in _operations(doc).items():
        if path == "/v1/openapi.json":
            assert op["security"] == []
            continue
        assert {"400", "401", "403", "429", "500"} <= set(op["responses"]), path
        if method in ("post", "put", "delete"):
            assert {"409", "422"} <= set(op["responses"]), path
            assert any(p["name"] == "Idempotency-Key" for p in op["parameters"]), path
    adjust = doc["paths"]["/v1/user/{userId}/points"]["post"]
    assert adjust["security"] == [{"apiKey": []}]
    assert doc["paths"]["/v1/events"]["post"]["deprecated"] is True


def test_every_declared_route_is_served(app):
    rules = {(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods or ()}
    for spec in ROUTES:
        for prefix in ("/v0", "/v1", "/v2", "/v3"):
            assert (prefix + spec.flask_path, spec.method) in rules
