"""The `api` blueprint, its rate limit, and the version prefixes it is mounted under."""

from __future__ import annotations

from flask import Blueprint

from loyalty_portal.api.credentials import api_rate_key, api_rate_limit, stamp_key_use
from loyalty_portal.extensions import limiter

bp = Blueprint("api", __name__)
bp.teardown_request(stamp_key_use)

#: `/v1` is canonical; the public server strips the version, so these answer the same.
VERSION_PREFIXES = {"/v1": "api", "/v0": "api_v0", "/v2": "api_v2", "/v3": "api_v3"}

# One bucket per credential across every route and every version prefix.
limiter.shared_limit(
    api_rate_limit,
    scope="api",
    key_func=api_rate_key,
    error_message="Too many requests for this credential; retry after Retry-After seconds.",
)(bp)
