"""/v1/openapi.json: an OpenAPI 3.1 document built from the route table and the very
pydantic models that validate requests and shape responses (never written by hand)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from loyalty_portal.api.routing import ROUTES, WRITE_METHODS, RouteSpec
from loyalty_portal.api.schemas.responses import ErrorResponse
from loyalty_portal.models.enums import ApiScope

PREFIX = "/v1"
REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "validation_error (with details), user_exists",
    401: "unauthorized: missing, invalid, expired or revoked credential",
    403: "forbidden: out of scope, another user's data, or an API-key-only call",
    404: "not_found, user_not_found, offer_not_found, event_not_found, coupon_not_found, "
    "webhook_not_found",
    409: "a refusal (insufficient_points, out_of_stock, limit_reached, offer_not_available, "
    "tier_required, coupon_not_active) or request_in_progress",
    413: "payload_too_large",
    422: "idempotency_key_reused: the key was used with another request",
    429: "rate_limited (see Retry-After)",
    500: "internal_error",
}
COMMON_ERRORS = (400, 401, 403, 429, 500)
WRITE_ERRORS = (409, 413, 422)
ID_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 128}
PATH_EXAMPLES = {
    "userId": "alice",
    "customerId": "alice",
    "offerId": "coffee",
    "shopId": "cafe",
    "couponId": "cp_0123456789abcdef",
    "projectId": "default",
    "webhookId": "wh_0123456789abcdef",
    "orderId": "1017",
    "holdId": "hd_0123456789abcdef",
    "campaignId": "cmp_0123456789ab",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the first answer is replayed (header "
    "`Idempotent-Replayed: true`); another body with the same key is 422; a retry while "
    "the first is running is 409. Scoped per credential, kept 24 hours or more.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "serialization" if _is_response(m) else "validation") for m in _models()
    ]
    refs, schemas = models_json_schema(models, ref_template=REF)
    ref = {model: refs[(model, mode)] for (model, mode) in models}
    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        paths.setdefault(PREFIX + spec.path, {})[spec.method.lower()] = _operation(spec, ref)
    paths[PREFIX + "/openapi.json"] = {"get": _self_operation()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Loyalty Portal API",
            "version": "1",
            "description": "Lynes-compatible loyalty API. `/v0`, `/v2` and `/v3` answer like "
            '`/v1`. Errors are always `{"error": {"code", "message"}}`. Timestamps '
            "in responses are epoch milliseconds.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "x-api-key",
                    "description": "Scopes (each operation's `x-scope`): "
                    + ", ".join(ApiScope),
                },
                "memberJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
        "security": [{"apiKey": []}, {"memberJwt": []}],
        "tags": [{"name": t} for t in dict.fromkeys(s.tag for s in ROUTES)],
    }


def _is_response(model: type[BaseModel]) -> bool:
    return model is ErrorResponse or any(model is s.response for s in ROUTES)


def _models() -> list[type[BaseModel]]:
    found: dict[type[BaseModel], None] = {ErrorResponse: None}
    for spec in ROUTES:
        for model in (spec.body, spec.response):
            if model is not None:
                found[model] = None
    return list(found)


def _operation(spec: RouteSpec, ref: dict[type[BaseModel], dict[str, Any]]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.endpoint,
        "summary": spec.summary,
        "tags": [spec.tag],
        "x-scope": spec.scope,
        "parameters": _parameters(spec),
        "responses": _responses(spec, ref),
    }
    if spec.description:
        op["description"] = spec.description
    if spec.deprecated:
        op["deprecated"] = True
    if spec.api_key_only:
        op["security"] = [{"apiKey": []}]
    if spec.body is not None:
        op["requestBody"] = {
            "required": any(f.is_required() for f in spec.body.model_fields.values()),
            "content": {"application/json": {"schema": ref[spec.body]}},
        }
    return op


def _parameters(spec: RouteSpec) -> list[dict[str, Any]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": ID_SCHEMA,
            "example": PATH_EXAMPLES[name],
        }
        for name in spec.path_params
    ]
    if spec.query is not None:
        schema = spec.query.model_json_schema(by_alias=True, mode="validation")
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            param = {"name": name, "in": "query", "required": name in required}
            if "description" in prop:
                param["description"] = prop["description"]
            param["schema"] = _query_schema(prop)
            params.append(param)
    if spec.method in WRITE_METHODS:
        params.append(IDEMPOTENCY_KEY)
    return params


def _query_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A query value is never null: keep the non-null branch of an optional field."""
    schema = {k: v for k, v in prop.items() if k not in ("title", "description")}
    branches = [b for b in schema.pop("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches
    if schema.get("default") is None:
        schema.pop("default", None)
    return schema


def _responses(spec: RouteSpec, ref: dict[type[BaseModel], dict[str, Any]]) -> dict[str, Any]:
    assert spec.response is not None
    responses: dict[str, Any] = {
        str(spec.status): {
            "description": spec.summary,
            "content": {"application/json": {"schema": ref[spec.response]}},
        }
    }
    codes = set(COMMON_ERRORS) | set(spec.errors)
    if spec.method in WRITE_METHODS:
        codes |= set(WRITE_ERRORS)
    for code in sorted(codes):
        responses[str(code)] = {
            "description": ERROR_TEXT[code],
            "content": {"application/json": {"schema": ref[ErrorResponse]}},
        }
    return responses


def _self_operation() -> dict[str, Any]:
    return {
        "operationId": "openapi",
        "summary": "This document",
        "tags": ["Meta"],
        "security": [],
        "responses": {
            "200": {
                "description": "OpenAPI 3.1",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "429": {
                "description": ERROR_TEXT[429],
                "content": {
                    "application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}
                },
            },
        },
    }
