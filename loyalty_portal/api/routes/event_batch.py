"""POST /v1/event/batch: up to 1000 events, each judged exactly as POST /v1/event would.

Each item is parsed on its own (a malformed item is its own 400), may carry an
`idempotencyKey` from the same namespace as the Idempotency-Key header (a key first used
by a single event replays that event's answer, and the other way round), and is judged by
the same services in order (`services.earning.batches`).
"""

from __future__ import annotations

from typing import Any

from loyalty_portal.api.parsing import parse_body
from loyalty_portal.api.routes.events import event_data, groups_of
from loyalty_portal.api.routing import Call, api_route
from loyalty_portal.api.schemas.requests import EventBatchBody, EventBody
from loyalty_portal.api.schemas.responses import BatchItemResult, EventBatchResponse
from loyalty_portal.api.schemas.types import parse_timestamp
from loyalty_portal.extensions import db
from loyalty_portal.services.core import idempotency
from loyalty_portal.services.core.errors import (
    DomainError,
    IdempotencyKeyReused,
    ValidationFailed,
    domain_error_body,
)
from loyalty_portal.services.earning import batches, orders

KEY_FIELD = "idempotencyKey"
MAX_BATCH_BYTES = 4 * 1024 * 1024


@api_route(
    "POST",
    "/event/batch",
    tag="Events",
    scope="events",
    api_key_only=True,
    body=EventBatchBody,
    response=EventBatchResponse,
    max_body_bytes=MAX_BATCH_BYTES,
    summary="Log up to 1000 events; each is judged exactly as POST /v1/event would be",
    description="Per-item results, in order; one bad item does not stop the others. An "
    "item's `idempotencyKey` replays that item's first result.",
)
def log_event_batch(call: Call) -> EventBatchResponse:
    raw: list[Any] = call.body.events
    answers: list[tuple[int, dict[str, Any]] | None] = [None] * len(raw)
    keys: dict[int, str] = {}
    hashes: dict[str, str] = {}
    parsed: dict[int, tuple[batches.BatchItem, dict[str, Any]]] = {}
    for index, item in enumerate(raw):
        try:
            payload, key = _split_key(item)
            body = parse_body(EventBody, payload)
            if body.userId is None:
                raise ValidationFailed("userId is required.", details={"userId": ["required"]})
            if key is not None:
                fingerprint = idempotency.fingerprint("POST", "/event", payload)
                if hashes.setdefault(key, fingerprint) != fingerprint:
                    raise IdempotencyKeyReused()
                keys[index] = key
            parsed[index] = (_item(body), dict(body.metadata))
        except DomainError as exc:
            answers[index] = (exc.status, domain_error_body(exc))

    principal = call.principal.name
    session = db.session()  # the request's session itself: no proxy lookup per use
    claimed, stored = idempotency.claim_many(session, principal, hashes, call.now)
    first_of: dict[str, int] = {}
    to_run: list[int] = []
    for index in parsed:
        key = keys.get(index)
        if key is not None and (key not in claimed or key in first_of):
            continue  # replayed, or a repeat within this batch: answered below
        if key is not None:
            first_of[key] = index
        to_run.append(index)
    items = [parsed[i][0] for i in to_run]
    results = batches.record_batch(
        session, items, now=call.now, source=call.principal.source, trusted=True
    )
    for index, result in zip(to_run, results, strict=True):
        answers[index] = _answer(result, parsed[index][1])
    for index, key in keys.items():
        if answers[index] is None:
            answers[index] = _replayed(stored.get(key), answers[first_of.get(key, index)])
    idempotency.complete_many(
        session,
        principal,
        {key: answer for key, i in first_of.items() if (answer := answers[i]) is not None},
        call.now,
    )
    return _response([a or (500, {}) for a in answers])


def _split_key(item: Any) -> tuple[Any, str | None]:
    if not isinstance(item, dict) or KEY_FIELD not in item:
        return item, None
    payload = {k: v for k, v in item.items() if k != KEY_FIELD}
    key = item[KEY_FIELD]
    if not isinstance(key, str):
        raise ValidationFailed(
            "idempotencyKey must be a string.", details={KEY_FIELD: ["1 to 255 characters"]}
        )
    return payload, idempotency.validate_key(key)


def _item(body: EventBody) -> batches.BatchItem:
    metadata = dict(body.metadata)
    return batches.BatchItem(
        user_id=str(body.userId),
        event_id=body.eventId,
        metadata=metadata,
        amount=body.amount,
        occurred_at=parse_timestamp(body.timestamp),
        join_groups=groups_of(metadata),
        order_key=orders.event_order_key(body.orderId, metadata),
    )


def _answer(result: batches.ItemResult, metadata: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if result.error is not None:
        return result.error.status, domain_error_body(result.error)
    assert result.outcome is not None
    data = event_data(result.outcome, metadata, result.balance)
    return 200, {"statusCode": 200, "message": "Event logged", "data": data.body()}


def _replayed(
    stored: idempotency.Replay | Exception | None, first: tuple[int, dict[str, Any]] | None
) -> tuple[int, dict[str, Any]]:
    if isinstance(stored, idempotency.Replay):
        return stored.status, stored.body
    if isinstance(stored, DomainError):
        return stored.status, domain_error_body(stored)
    return first or (500, {})


def _response(answers: list[tuple[int, dict[str, Any]]]) -> EventBatchResponse:
    results = []
    for index, (status, body) in enumerate(answers):
        if status == 200:
            results.append(BatchItemResult(index=index, status=200, data=body.get("data")))
        else:
            results.append(BatchItemResult(index=index, status=status, error=body.get("error")))
    accepted = sum(1 for status, _ in answers if status == 200)
    return EventBatchResponse(results=results, accepted=accepted, failed=len(answers) - accepted)
