"""Domain errors and their envelope. Each carries the API's error code and HTTP status;
doors render them, as `{"error": {code, message, details?}}` in JSON."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "domain_error"
    default_message: str = "The request could not be completed."

    def __init__(
        self, message: str | None = None, *, details: dict[str, Any] | None = None, **extra: Any
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.extra = extra
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "validation_error"
    default_message = "The request is not valid."


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    default_message = "Missing or invalid credentials."


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = "You are not allowed to do this."


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class UserNotFound(NotFound):
    code = "user_not_found"
    default_message = "No such user."


class OfferNotFound(NotFound):
    code = "offer_not_found"
    default_message = "No such offer."


class EventNotFound(NotFound):
    code = "event_not_found"
    default_message = "No earning rule has this eventId."


class CouponNotFound(NotFound):
    code = "coupon_not_found"
    default_message = "No such coupon."


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_message = "No such order for this user."


class HoldNotFound(NotFound):
    code = "hold_not_found"
    default_message = "No such hold."


class UserExists(DomainError):
    code = "user_exists"
    default_message = "A user with this userId already exists."


class Conflict(DomainError):
    status = 409
    code = "conflict"


class CouponNotActive(Conflict):
    code = "coupon_not_active"
    default_message = "This coupon is not active."


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    default_message = "Not enough points."


class RefundExceedsOrder(Conflict):
    code = "refund_exceeds_order"
    default_message = "The refund is more than what is left of the order."


class HoldNotActive(Conflict):
    code = "hold_not_active"
    default_message = "This hold is no longer held."


class HoldExpired(HoldNotActive):
    code = "hold_expired"
    default_message = "This hold expired."


class RedemptionRefused(Conflict):
    """A redemption check failed; `code` is one of the refusal codes of API.md."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        self.code = code
        super().__init__(message, **extra)


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request."


class RequestInProgress(Conflict):
    code = "request_in_progress"
    default_message = "A request with this Idempotency-Key is still being processed."


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The error envelope every JSON answer uses."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def domain_error_body(exc: DomainError) -> dict[str, Any]:
    body = error_body(exc.code, exc.message, exc.details)
    if exc.extra.get("missing_points"):
        body["error"]["missingPoints"] = exc.extra["missing_points"]
    return body


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
class ReferralInvalid(ValidationFailed):
    """An unknown referral code, or the member's own (400 `referral_invalid`)."""

    code = "referral_invalid"
