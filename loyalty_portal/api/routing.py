"""Declaring /v1 routes: one decorator registers the Flask rule and the OpenAPI entry.

Every route runs the same steps: authenticate, check the scope, check that a member
token acts only for itself, validate the query and body, then call the handler (a thin
function over the services) once per Idempotency-Key for writes, commit, serialise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask import Response, jsonify, request
from pydantic import BaseModel

from loyalty_portal.api.blueprint import bp
from loyalty_portal.api.credentials import Principal, current_principal, forget_principal
from loyalty_portal.api.parsing import MAX_BODY_BYTES, parse_body, parse_query, read_json
from loyalty_portal.api.schemas.responses import ResponseModel
from loyalty_portal.extensions import db
from loyalty_portal.services.core import config_cache
from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.core.idempotency import fingerprint
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.idempotent import Outcome, run_idempotent

WRITE_METHODS = ("POST", "PUT", "DELETE")
#: OpenAPI path parameter -> the handler's keyword.
PATH_PARAMS = {
    "userId": "user_id",
    "customerId": "user_id",
    "offerId": "offer_id",
    "couponId": "coupon_id",
    "shopId": "shop_id",
    "projectId": "project_id",
    "webhookId": "webhook_id",
    "orderId": "order_key",
    "holdId": "hold_id",
    "campaignId": "campaign_id",
}
_PARAM = re.compile(r"\{(\w+)\}")
_VERSION = re.compile(r"^/v[0-3]")


@dataclass(frozen=True)
class Alias:
    """A legacy path answering like the route (optionally with an older body model)."""

    path: str
    body: type[BaseModel] | None = None


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str  # OpenAPI style, below the version prefix: /user/{userId}/points
    endpoint: str
    summary: str
    tag: str
    response: type[ResponseModel] | None
    status: int = 200
    scope: str = "read"
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    api_key_only: bool = False
    description: str = ""
    deprecated: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    reads_only: bool = False  # never writes: SQLite may begin it deferred (web/transactions)

    @property
    def path_params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def flask_path(self) -> str:
        return _PARAM.sub(lambda m: f"<{PATH_PARAMS[m[1]]}>", self.path)


#: Every route, in declaration order (the OpenAPI document and the docs page read it).
ROUTES: list[RouteSpec] = []


@dataclass
class Call:
    """What a handler gets: the caller, the clock, the user acted for, the parsed input."""

    principal: Principal
    now: datetime
    user_id: str | None = None
    body: Any = None
    query: Any = None
    params: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], ResponseModel]


def api_route(
    method: str, path: str, *, aliases: tuple[Alias, ...] = (), **options: Any
) -> Callable[[Handler], Handler]:
    """Register `handler` at `path` (and legacy `aliases`) under every version prefix."""

    def register(handler: Handler) -> Handler:
        spec = RouteSpec(method=method, path=path, endpoint=handler.__name__, **options)
        specs = [spec] + [
            replace(
                spec,
                path=alias.path,
                endpoint=f"{spec.endpoint}_legacy{i}",
                body=alias.body or spec.body,
                deprecated=True,
            )
            for i, alias in enumerate(aliases)
        ]
        for each in specs:
            ROUTES.append(each)
            bp.add_url_rule(
                each.flask_path, each.endpoint, _view(each, handler), methods=[each.method]
            )
        return handler

    return register


def _view(spec: RouteSpec, handler: Handler) -> Callable[..., Response]:
    def view(**params: str) -> Response:
        return _dispatch(spec, handler, params)

    view.__name__ = spec.endpoint
    view.reads_only = spec.reads_only  # type: ignore[attr-defined]
    view.confirms_configuration = True  # type: ignore[attr-defined]
    return view


def _dispatch(spec: RouteSpec, handler: Handler, params: dict[str, str]) -> Response:
    """Answer the call. It checks the configuration cache after its work
    (`config_cache.defer_check`, set by web/transactions), before anything is sent or
    stored; if the cache it used was stale, the attempt is rolled back and the call
    answered again, checked first."""
    session = db.session()
    try:
        outcome = _answer(spec, handler, params, session)
    except config_cache.StaleConfiguration:
        session.rollback()
        forget_principal()
        outcome = _answer(spec, handler, params, session)
    response = jsonify(outcome.body)
    response.status_code = outcome.status
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _answer(spec: RouteSpec, handler: Handler, params: dict[str, str], session: Any) -> Outcome:
    try:
        principal = current_principal()
        principal.require(spec.scope, api_key_only=spec.api_key_only)
        call = Call(principal=principal, now=utcnow(), params=params)
        if "user_id" in params:
            call.user_id = principal.act_for(params["user_id"])
        if spec.query is not None:
            call.query = parse_query(spec.query)
        payload: Any = None
        if spec.body is not None:
            payload = read_json(spec.max_body_bytes)
            call.body = parse_body(spec.body, payload)
            if "user_id" not in params and _names_user(spec.body):
                call.user_id = principal.act_for(_body_user(call.body))
    except DomainError:
        config_cache.confirm(session)  # a refusal may come from the stale cache too
        raise

    def effect() -> tuple[int, dict[str, Any]]:
        try:
            answer = spec.status, handler(call).body()
        except DomainError:
            config_cache.confirm(session)  # before the refusal is stored for replay
            raise
        config_cache.confirm(session)  # before the key is stored and committed
        return answer

    if spec.reads_only:
        return Outcome(*effect())  # the door commits it: nothing to claim or store
    key = request.headers.get("Idempotency-Key") if spec.method in WRITE_METHODS else None
    request_hash = fingerprint(spec.method, _VERSION.sub("", request.path), payload)
    return run_idempotent(principal.name, key, request_hash, effect)


def _names_user(model: type[BaseModel]) -> bool:
    return "userId" in model.model_fields or "customerId" in model.model_fields


def _body_user(body: BaseModel) -> str | None:
    return getattr(body, "userId", None) or getattr(body, "customerId", None)
