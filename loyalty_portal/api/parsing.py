"""Reading requests: the JSON body and the query string, validated by pydantic models.

This is the one place where a pydantic `ValidationError` becomes the API's
`validation_error` (400) with `details` (field -> messages).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import abort, request
from pydantic import BaseModel, ValidationError

from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.validation import refuse_deep_json, refuse_nul

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024


def read_json(max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The parsed JSON body; an empty body reads as `{}`."""
    if (request.content_length or 0) > max_bytes:
        abort(413, f"The body may be at most {max_bytes // 1024} KiB.")
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        abort(413, f"The body may be at most {max_bytes // 1024} KiB.")
    if not raw.strip():
        return {}
    refuse_deep_json(raw)  # whatever the Content-Type (web/request_guard checks JSON ones)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            "The body must be a JSON object.", details={"body": ["invalid JSON"]}
        ) from None
    refuse_nul(body, "body")
    return body


def parse_body(model: type[M], payload: Any) -> M:
    if not isinstance(payload, dict):
        raise ValidationFailed(
            "The body must be a JSON object.", details={"body": ["expected a JSON object"]}
        )
    return _validate(model, payload)


def parse_query(model: type[M]) -> M:
    return _validate(model, request.args.to_dict(flat=True))


def _validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = error_details(exc, data)
        field, messages = next(iter(details.items()))
        raise ValidationFailed(f"{field}: {messages[0]}", details=details) from None


def error_details(exc: ValidationError, data: Any) -> dict[str, list[str]]:
    """field -> messages. Union branches (`int`, `str`...) are folded into their field."""
    details: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        field = _field_path(error["loc"], data, missing=error["type"] == "missing")
        messages = details.setdefault(field, [])
        if error["msg"] not in messages:
            messages.append(error["msg"])
    return details or {"body": ["invalid"]}


def _field_path(loc: tuple[Any, ...], data: Any, *, missing: bool) -> str:
    """The part of `loc` that names input: stops at union branches and key checks."""
    parts: list[str] = []
    value = data
    for index, part in enumerate(loc):
        if _has(value, part):
            value = value[part]
        elif not (missing and index == len(loc) - 1):
            break
        parts.append(str(part))
    return ".".join(parts) or "body"


def _has(value: Any, part: Any) -> bool:
    if isinstance(value, dict):
        return part in value
    return isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
